# bench/lib.sh - shell helpers that bench/run.sh, run_dns.sh, run_store.sh,
# run_list_cost.sh and run_jobs.sh
# share.  timed() uses PIN (a command prefix array, possibly empty) and tfile
# (a scratch file for /usr/bin/time).  The unbound helpers use PY (python3
# with dnspython), world (the generated world, with its unbound.conf),
# ubconf and ublog (where the started server's configuration and log go),
# PIN_UB (a prefix array for unbound) and die; they set UB_PID, UB_PORT and
# UB_LOAD (seconds until it answered).

# timed STDOUT STDERR CMD... : runs CMD pinned under /usr/bin/time; sets
# WALL (seconds, from the ns clock around it), RSS_KB and CPU_S (user +
# system seconds).  Returns CMD's exit status.
timed() {
	local so=$1 se=$2 rc=0 t0 t1
	shift 2
	sync
	t0=$(date +%s%N)
	"${PIN[@]}" /usr/bin/time -f '%e %M %U %S' -o "$tfile" "$@" >"$so" 2>"$se" || rc=$?
	t1=$(date +%s%N)
	WALL=$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.4f", d / 1e9 }')
	RSS_KB=$(tail -n 1 "$tfile" | awk '{ print $2 }')
	[[ $RSS_KB =~ ^[0-9]+$ ]] || RSS_KB=0
	CPU_S=$(tail -n 1 "$tfile" | awk '{ printf "%.2f", $3 + $4 }')
	return $rc
}

# ---- unbound on a free loopback port, stopped by PID -------------------------
stop_unbound() {
	if [[ -n $UB_PID ]]; then
		kill "$UB_PID" 2>/dev/null || true
		wait "$UB_PID" 2>/dev/null || true
		UB_PID=""
	fi
}

free_port() {
	"$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready PORT PID: until unbound answers (exit 0), dies (3) or 180 s pass (4)
wait_ready() {
	"$PY" - "$1" "$2" <<'EOF'
import sys, time
import dns.message, dns.query
port, pid = int(sys.argv[1]), sys.argv[2]
q = dns.message.make_query("com.", "SOA")
t0 = time.monotonic()
while time.monotonic() - t0 < 180:
    try:
        state = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()[0]
    except OSError:
        sys.exit(3)
    if state in ("Z", "X"):
        sys.exit(3)
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.2)
        if r.rcode() == 0 and r.answer:
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.05)
sys.exit(4)
EOF
}

start_unbound() {
	local rc t0 t1
	for _ in 1 2 3 4 5; do
		UB_PORT=$(free_port)
		sed "s/^    port: .*/    port: $UB_PORT/" "$world/unbound.conf" >"$ubconf"
		t0=$(date +%s%N)
		"${PIN_UB[@]}" unbound -d -c "$ubconf" >"$ublog" 2>&1 &
		UB_PID=$!
		rc=0
		wait_ready "$UB_PORT" "$UB_PID" || rc=$?
		t1=$(date +%s%N)
		if (( rc == 0 )); then
			UB_LOAD=$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.2f", d / 1e9 }')
			return 0
		fi
		stop_unbound
		if (( rc == 3 )) && grep -qi 'bind\|address already in use' "$ublog"; then
			continue # lost the port to someone else: try another
		fi
		tail -n 20 "$ublog" >&2
		die "unbound did not come up on 127.0.0.1:$UB_PORT (config $ubconf, log $ublog)"
	done
	die "unbound could not bind a free port on 127.0.0.1"
}

# ---- the DNS benchmark's world, made once --------------------------------------

# world_setup: the world's settings from the environment (PYTHON, K, MS,
# N, WORLD_ROWS, WORLD_DOMAINS, WORLD_TIMEOUT_SHARE), with their defaults,
# SEED and T0; and what a run on it needs (GNU time, unbound, dnspython)
world_setup() {
	PY=${PYTHON:-/usr/bin/python3}
	K=${K:-256}
	MS=${MS:-2000}
	N=${N:-2}
	WORLD_ROWS=${WORLD_ROWS:-1000000}
	WORLD_DOMAINS=${WORLD_DOMAINS:-200000}
	WORLD_TIMEOUT_SHARE=${WORLD_TIMEOUT_SHARE:-0.5}
	SEED=1
	T0=2026-11-22T00:00:00Z
	[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time): apt-get install time"
	command -v unbound >/dev/null || die "unbound is missing: apt-get install unbound"
	"$PY" -c 'import dns.message, dns.query' 2>/dev/null ||
		die "$PY cannot import dns (dnspython): apt-get install python3-dnspython"
}

# pin_cpus: PIN_UB and PIN (unbound on CPU 0, leadgate on CPU 1, with
# taskset) unless PIN_CPUS is 0 or there are fewer than two CPUs
pin_cpus() {
	PIN_UB=() PIN=()
	if [[ ${PIN_CPUS:-1} != 0 ]] && command -v taskset >/dev/null 2>&1 && (( $(nproc) >= 2 )); then
		PIN_UB=(taskset -c 0)
		PIN=(taskset -c 1)
	fi
}

# world_ensure DIR: world (DIR/world, or DIR/world-tSHARE for another
# WORLD_TIMEOUT_SHARE than 0.5) made by bench/gen_world.py --seed SEED
# with WORLD_ROWS rows on WORLD_DOMAINS domains, unless one made by the
# same generator for the same directory and rows is there.  Uses PY,
# here, say and die.
world_ensure() {
	world=$1/world
	[[ $WORLD_TIMEOUT_SHARE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "WORLD_TIMEOUT_SHARE must be a percentage"
	[[ $WORLD_TIMEOUT_SHARE == 0.5 ]] || world=$1/world-t$WORLD_TIMEOUT_SHARE
	mkdir -p "$1"
	if [[ ! -s $world/world.json || $here/gen_world.py -nt $world/world.json ]] ||
		! grep -qF "directory: \"$world\"" "$world/unbound.conf" 2>/dev/null ||
		! grep -q "\"rows\": $WORLD_ROWS," "$world/world.json"; then
		say "generating the world in $world ($WORLD_ROWS rows, $WORLD_DOMAINS domains) ..."
		rm -rf "$world"
		"$PY" "$here/gen_world.py" --rows "$WORLD_ROWS" --domains "$WORLD_DOMAINS" \
			--seed "$SEED" --timeout-share "$WORLD_TIMEOUT_SHARE" --port 53535 \
			--out "$world" || die "gen_world.py failed"
	fi
}
