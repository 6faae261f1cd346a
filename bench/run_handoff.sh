#!/usr/bin/env bash
# bench/run_handoff.sh [RUNS] - the handoff's outbox drained to a local
# receiver, and a stage move's time to its delivery, against the raw
# limit (see bench/README.md, "The handoff").
#
# Drain: a store with N lead.handoff messages pending (N contacts verified
# against tests/dnsd.sh, a demo request each imported with `events
# import`, `score` moving them to MQL: leadgate's own commands write the
# messages, made once in build/bench/handoff/), copied fresh for each run,
# sent to bench/bare_hook.c (libmicrohttpd answering 204 at once) by
#   raw      bench/raw_hook.c: libcurl multi alone, the same bodies and
#            headers (signed), 16 transfers at once, no store;
#   run      `leadgate handoff run` (exits once every outcome is recorded);
#   serve    `leadgate serve` started on the filled store, until the
#            receiver has had all N.
# Interleaved rounds; the receiver on CPU 0, the sender on CPU 1.
#
# Latency: `leadgate serve` running on a store of LAT_CONTACTS verified
# contacts; every 1/LAT_RATE s one contact's demo request is imported and
# `leadgate score` run (another process, as cron or a pipeline would),
# which moves it to MQL and writes its message.  bare_hook records each
# request's arrival; the latency of a move is its arrival less the moment
# the score process exited (its commit done).  p50 and p99 a round.
#
# Environment: N (20000), LAT_CONTACTS (300), LAT_RATE (10 moves/s),
# LEADGATE (build/leadgate), RAW_HOOK, BARE_HOOK (build/bench/...),
# PIN_CPUS (1; 0: no taskset), PHASES ("drain latency").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
die() { echo "bench-handoff: $*" >&2; exit 1; }
say() { echo "bench-handoff: $*" >&2; }

RUNS=${1:-3}
N=${N:-20000}
LAT_CONTACTS=${LAT_CONTACTS:-300}
LAT_RATE=${LAT_RATE:-10}
PHASES=${PHASES:-"drain latency"}
LG=${LEADGATE:-$root/build/leadgate}
RAW=${RAW_HOOK:-$root/build/bench/raw_hook}
BARE=${BARE_HOOK:-$root/build/bench/bare_hook}
PY=${PYTHON:-/usr/bin/python3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"
for x in "$LG" "$RAW" "$BARE"; do [[ -x $x ]] || die "$x not found: make bench-handoff builds it"; done
command -v sqlite3 >/dev/null || die "the sqlite3 shell is missing (make deps)"
command -v unbound >/dev/null || die "unbound is missing (tests/dnsd.sh): apt-get install unbound"

PIN_R=() PIN_S=()
if [[ ${PIN_CPUS:-1} != 0 ]] && command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
	PIN_R=(taskset -c 0)
	PIN_S=(taskset -c 1)
fi

d=$root/build/bench/handoff
mkdir -p "$d"
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
T0=2026-03-02T09:00:00Z # the filled store's time; its runs at T0 + 30 s

HOOK="" SRV="" DNS_UP=""
stop_pid() { [[ -n $1 ]] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; return 0; }
cleanup() {
	stop_pid "$SRV"
	stop_pid "$HOOK"
	[[ -n $DNS_UP ]] && sh "$root/tests/dnsd.sh" stop "$d/dns" >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# conf URL OUT: leadgate(1)'s [handoff] example as written, its webhook URL
# replaced, and the MQL threshold a demo request from a CEO reaches
conf() {
	awk '/^\.Sh HANDOFF/ { h = 1 } h && /^\.Bd -literal/ { p = 1; next } p && /^\.Ed/ { exit } p' \
		"$root/doc/leadgate.1" | sed "s|http://127.0.0.1:8099/hook|$1|" >"$2"
	printf '\n[scoring]\nmql = 70\n' >>"$2"
}

# contacts COUNT OUT: COUNT CEOs at acme-soft.com
contacts() {
	"$PY" - "$1" "$2" <<'EOF'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write("Email,First Name,Job Title,Company,Industry,Employees,Country\n")
    for i in range(n):
        f.write("lead%06d@acme-soft.com,Lead%d,Chief Executive Officer,Acme Soft,Retail,5,Germany\n" % (i, i))
EOF
}

dns_start() {
	[[ -n $DNS_UP ]] && return 0
	{ cat "$root/samples/samples.zone"; echo "acme-soft.com. 3600 MX 10 mx.acme-soft.com."; } >"$d/zone"
	DNS_PORT=$(sh "$root/tests/dnsd.sh" start "$d/dns" "$d/zone") || die "the test DNS server did not start"
	DNS_UP=1
}

# hook_start LOG [EXPECT]: bare_hook on a free port (HPORT), its PID in HOOK
hook_start() {
	local tries
	for tries in 1 2 3 4 5; do
		HPORT=$(( 30000 + RANDOM % 20000 ))
		: >"$d/hook.out"
		"${PIN_R[@]}" "$BARE" "$HPORT" "$1" ${2:+--expect "$2"} >"$d/hook.out" 2>"$d/hook.err" &
		HOOK=$!
		for _ in $(seq 50); do
			grep -q '^ready' "$d/hook.out" 2>/dev/null && return 0
			kill -0 "$HOOK" 2>/dev/null || break
			sleep 0.05
		done
		stop_pid "$HOOK"
		HOOK=""
	done
	die "bare_hook did not start: $(cat "$d/hook.err")"
}

# hook_wait: until bare_hook (started with EXPECT) has had them all
hook_wait() { wait "$HOOK" || true; HOOK=""; }

now_ns() { date +%s%N; }

# ---- the filled store, made once ---------------------------------------------
filled=$d/filled-$N.db
if [[ " $PHASES " == *" drain "* && ( ! -s $filled || $here/run_handoff.sh -nt $filled ) ]]; then
	say "making $N handoff messages with leadgate's own commands (verify, events import, score) ..."
	dns_start
	rm -f "$filled" "$filled"-*
	tmp=$d/make.db
	rm -f "$tmp" "$tmp"-*
	contacts "$N" "$d/contacts.csv"
	"$LG" verify --db "$tmp" --now "$T0" --dns "127.0.0.1:$DNS_PORT" --list crm -q -o /dev/null \
		"$d/contacts.csv" || (( $? == 1 )) || die "verify failed" # 1: the gate blocks (a small list)
	"$PY" - "$N" "$T0" >"$d/events.ndjson" <<'EOF'
import sys
for i in range(int(sys.argv[1])):
    print('{"event_id":"d%d","email":"lead%06d@acme-soft.com","type":"demo_request",'
          '"channel":"web","asset":"demo","occurred_at":"%s"}' % (i, i, sys.argv[2]))
EOF
	"$LG" events import --db "$tmp" --now "$T0" "$d/events.ndjson" >/dev/null || die "events import failed"
	conf http://127.0.0.1:9/hook "$d/make.conf"
	"$LG" score --db "$tmp" -c "$d/make.conf" --now "$T0" -q -o /dev/null || die "score failed"
	got=$(sqlite3 "$tmp" "SELECT count(*) FROM outbox WHERE state = 'pending'")
	[[ $got == "$N" ]] || die "score wrote $got messages, not $N"
	sqlite3 "$tmp" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	mv "$tmp" "$filled"
	rm -f "$tmp"-*
fi

res=$d/results.tsv
: >"$res"

# ---- drain ----------------------------------------------------------------------
# fresh COPY PORT: the filled store copied, its messages' URL on PORT
fresh() {
	rm -f "$1" "$1"-*
	cp "$filled" "$1"
	sqlite3 "$1" "UPDATE outbox SET url = 'http://127.0.0.1:$2/hook'" >/dev/null
}

drain_round() {
	local r=$1 t0 t1 db=$d/run.db
	# raw: the same messages, exported
	hook_start "$d/arrivals.log" "$N"
	fresh "$db" "$HPORT"
	sqlite3 -separator $'\t' "$db" "SELECT id, url, body FROM outbox ORDER BY rowid" >"$d/msgs.tsv"
	t0=$(now_ns)
	"${PIN_S[@]}" "$RAW" "$SECRET" "$d/msgs.tsv" >"$d/raw.out" || die "raw_hook: $(cat "$d/raw.out")"
	t1=$(now_ns)
	hook_wait
	printf 'drain\traw\t%s\t%s\n' "$r" "$(( t1 - t0 ))" >>"$res"

	# leadgate handoff run
	hook_start "$d/arrivals.log" "$N"
	fresh "$db" "$HPORT"
	conf "http://127.0.0.1:$HPORT/hook" "$d/lg.conf"
	t0=$(now_ns)
	"${PIN_S[@]}" "$LG" handoff run --db "$db" -c "$d/lg.conf" --now 2026-03-02T09:00:30Z \
		2>"$d/run.err" || die "handoff run failed: $(cat "$d/run.err")"
	t1=$(now_ns)
	hook_wait
	local done
	done=$(sqlite3 "$db" "SELECT count(*) FROM outbox WHERE state = 'delivered'")
	[[ $done == "$N" ]] || die "handoff run delivered $done of $N"
	printf 'drain\trun\t%s\t%s\n' "$r" "$(( t1 - t0 ))" >>"$res"

	# leadgate serve, from its start to the receiver's N-th request
	hook_start "$d/arrivals.log" "$N"
	fresh "$db" "$HPORT"
	t0=$(now_ns)
	"${PIN_S[@]}" "$LG" --db "$db" serve --listen 127.0.0.1:0 --config "$d/lg.conf" \
		--now 2026-03-02T09:00:30Z >/dev/null 2>"$d/serve.err" &
	SRV=$!
	hook_wait
	t1=$(now_ns)
	stop_pid "$SRV"
	SRV=""
	printf 'drain\tserve\t%s\t%s\n' "$r" "$(( t1 - t0 ))" >>"$res"
}

# ---- latency -----------------------------------------------------------------
lat_round() {
	local r=$1 db=$d/lat.db
	dns_start
	rm -f "$db" "$db"-*
	contacts "$LAT_CONTACTS" "$d/lat.csv"
	# now, not T0: the service runs on the real clock, and a verdict must be fresh
	"$LG" verify --db "$db" --dns "127.0.0.1:$DNS_PORT" --list crm -q -o /dev/null "$d/lat.csv" ||
		(( $? == 1 )) || die "verify failed"
	hook_start "$d/lat-arrivals.log"
	conf "http://127.0.0.1:$HPORT/hook" "$d/lat.conf"
	"${PIN_S[@]}" "$LG" --db "$db" serve --listen 127.0.0.1:0 --config "$d/lat.conf" \
		>/dev/null 2>"$d/lat-serve.err" &
	SRV=$!
	sleep 0.5
	"$PY" - "$LG" "$db" "$d/lat.conf" "$LAT_CONTACTS" "$LAT_RATE" "$d/lat-moves.tsv" "${PIN_R[@]}" <<'EOF'
# one move every 1/RATE s: an event imported, then `score` (another process)
import datetime, json, os, subprocess, sys, time
lg, db, conf, n, rate, out = sys.argv[1:7]
pin = sys.argv[7:]
n, rate = int(n), float(rate)
t_next = time.monotonic()
with open(out, "w") as f:
    for i in range(n):
        t_next += 1 / rate
        email = "lead%06d@acme-soft.com" % i
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        ev = json.dumps({"event_id": "lat%d" % i, "email": email, "type": "demo_request",
                         "channel": "web", "asset": "demo", "occurred_at": when})
        with open(out + ".ev.ndjson", "w") as e:
            e.write(ev + "\n")
        subprocess.run(pin + [lg, "events", "import", "--db", db, "-q", out + ".ev.ndjson"],
                       check=True, stdout=subprocess.DEVNULL)
        t_start = time.time_ns()
        subprocess.run(pin + [lg, "score", "--db", db, "-c", conf, "-q", "-o", "/dev/null"],
                       check=True, stdout=subprocess.DEVNULL)
        t_done = time.time_ns()
        f.write("%s\t%d\t%d\n" % (email, t_start, t_done))
        d = t_next - time.monotonic()
        if d > 0:
            time.sleep(d)
EOF
	sleep 2 # the last messages arrive
	stop_pid "$SRV"
	SRV=""
	stop_pid "$HOOK"
	HOOK=""
	sqlite3 -separator $'\t' "$db" \
		"SELECT id, json_extract(body, '\$.data.email') FROM outbox WHERE type = 'lead.handoff'" \
		>"$d/lat-ids.tsv"
	"$PY" - "$d/lat-moves.tsv" "$d/lat-ids.tsv" "$d/lat-arrivals.log" "$r" >>"$res" <<'EOF'
import statistics, sys
moves = {l.split("\t")[0]: (int(l.split("\t")[1]), int(l.split("\t")[2])) for l in open(sys.argv[1]) if l.strip()}
ids = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip())
first = {}
for l in open(sys.argv[3]):
    i, ns = l.rstrip("\n").split("\t")
    first.setdefault(i, int(ns))
lat_done, lat_start, missing = [], [], 0
for i, email in ids.items():
    if i not in first or email not in moves:
        missing += 1
        continue
    lat_done.append((first[i] - moves[email][1]) / 1e6)
    lat_start.append((first[i] - moves[email][0]) / 1e6)
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
print("latency\tdone\t%s\t%.1f\t%.1f\t%.1f\t%d\t%d" % (sys.argv[4], q(lat_done, 50), q(lat_done, 99), max(lat_done), len(lat_done), missing))
print("latency\tstart\t%s\t%.1f\t%.1f\t%.1f\t%d\t%d" % (sys.argv[4], q(lat_start, 50), q(lat_start, 99), max(lat_start), len(lat_start), missing))
EOF
}

for (( r = 1; r <= RUNS; r++ )); do
	if [[ " $PHASES " == *" drain "* ]]; then
		say "round $r: drain of $N messages (raw_hook, handoff run, serve)"
		drain_round "$r"
	fi
	if [[ " $PHASES " == *" latency "* ]]; then
		say "round $r: $LAT_CONTACTS moves at $LAT_RATE/s through score, serve sending"
		lat_round "$r"
	fi
done

"$PY" - "$res" "$RUNS" "$N" "$LAT_CONTACTS" "$LAT_RATE" "$LG" <<'PY' | tee "$root/build/bench/handoff_last.md"
import os, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
runs, n = sys.argv[2], int(sys.argv[3])
def cpu():
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            return l.split(":", 1)[1].strip()
    return "?"
print("%s, %d CPUs, %s; %s" % (cpu(), os.cpu_count(), sys.argv[6], __import__("time").strftime("%Y-%m-%d")))
print()
dr = {}
for r in rows:
    if r[0] == "drain":
        dr.setdefault(r[1], []).append(n / (int(r[3]) / 1e9))
if dr:
    raw = statistics.median(dr["raw"])
    print("Outbox drain, %d messages to bare_hook (204 at once): medians of %s interleaved rounds" % (n, runs))
    print()
    print("| sender | deliveries/s (median) | min | max | / raw_hook |")
    print("|---|---:|---:|---:|---:|")
    for k, name in (("raw", "raw_hook (libcurl multi alone)"), ("run", "leadgate handoff run"), ("serve", "leadgate serve (from its start)")):
        if k in dr:
            v = dr[k]
            print("| %s | %.0f | %.0f | %.0f | %.2f |" % (name, statistics.median(v), min(v), max(v), statistics.median(v) / raw))
    print()
lat = [r for r in rows if r[0] == "latency"]
if lat:
    print("Stage move -> delivery through leadgate serve, %s moves a round at %s/s by `score` (another process): medians of %s rounds, ms" % (sys.argv[4], sys.argv[5], runs))
    print()
    print("| from | p50 | p99 | max | moves | not arrived |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, name in (("done", "the score process's exit (its commit done)"), ("start", "the score process's start")):
        v = [r for r in lat if r[1] == k]
        med = lambda c: statistics.median(float(x[c]) for x in v)
        print("| %s | %.1f | %.1f | %.1f | %d | %d |" % (name, med(3), med(4), med(5), int(med(6)), int(med(7))))
PY
