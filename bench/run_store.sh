#!/usr/bin/env bash
# bench/run_store.sh [RUNS] - leadgate's store benchmark (see bench/README.md,
# "Store benchmark").
#
# On the DNS benchmark's world (bench/gen_world.py --seed 1: 1,000,000
# contacts on 200,000 domains, served by unbound on 127.0.0.1), in its own
# directory build/bench/store:
#
#   verify    RUNS interleaved rounds of
#               dns        verify --dns ...                      (no store)
#               dns-list   verify --dns ... --list world         (empty database)
#               dns-warm   the same again on that database       (domains cached)
#               nodns      verify --no-dns
#               nodns-list verify --no-dns --list world          (empty database)
#               nodns-warm the same again on that database
#             each DNS run on a freshly started unbound, and checks that the
#             store changes no output byte.
#   list      REPS rounds of gate, lists and (first RUNS rounds) export,
#             export --for-sequence, bounces import of a BOUNCES-event
#             CSV, events import of EVENTS NDJSON lines and score
#             --dry-run, on copies of the database of one verify --list run.  The
#             first gate reads a database just dropped from the page cache.
#   refresh   REPS rounds, on a copy of that database whose verified_at are
#             spread over 90 days: refresh --budget BUDGET against a resolver
#             that is down (it stops with exit 75 once the plan is committed
#             and the first chunk's lookups fail), and the plan's SQL alone
#             in the sqlite3 shell.  The
#             plan is checked against an independent sort (gen_store.py
#             check-plan).  Then one refresh against unbound, for
#             information.
#
# Prints a Markdown table of medians, also written to
# build/bench/store_last.md; per-run figures in build/bench/store-results.tsv.
#
# Environment: REPS (7), K (256), MS (2000), N (2) as in run_dns.sh; BUDGET
# (100000); BOUNCES (100000); EVENTS (1000000: events import and score); LEADGATE (build/leadgate); PYTHON
# (/usr/bin/python3); SQLITE3 (sqlite3); WORLD_ROWS (1000000) and
# WORLD_DOMAINS (200000) for a small world while testing; LIVE_REFRESH (1;
# 0 skips the refresh against unbound).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

RUNS=${1:-3}
REPS=${REPS:-7}
K=${K:-256}
MS=${MS:-2000}
N=${N:-2}
BUDGET=${BUDGET:-100000}
BOUNCES=${BOUNCES:-100000}
EVENTS=${EVENTS:-1000000}
LEADGATE=${LEADGATE:-$root/build/leadgate}
PY=${PYTHON:-/usr/bin/python3}
SQLITE3=${SQLITE3:-sqlite3}
WORLD_ROWS=${WORLD_ROWS:-1000000}
WORLD_DOMAINS=${WORLD_DOMAINS:-200000}
LIVE_REFRESH=${LIVE_REFRESH:-1}
SEED=1
LIST=world
# The clock of every run (--now): verify at T0; everything else a day
# later, at T1: every verdict is fresh, and the DNS answers verify kept
# (TTL 3600 s) have expired, so refresh must ask the resolver.  For refresh
# the verdicts' ages are first spread over the 90 days before T0.
T0=2026-11-22T00:00:00Z
T0_UNIX=1795305600
T1=2026-11-23T00:00:00Z
T1_UNIX=1795392000
SPREAD_DAYS=90
STALE_DAYS=30 # the shipped [decay] stale_days: refresh's default --older-than

bdir=$root/build/bench
sdir=$bdir/store
world=$sdir/world
gen=$here/gen_store.py

die() { echo "bench-store: $*" >&2; exit 1; }
say() { echo "bench-store: $*" >&2; }

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }
posint RUNS "$RUNS"; posint REPS "$REPS"; posint K "$K"; posint MS "$MS"; posint N "$N"
posint BUDGET "$BUDGET"; posint BOUNCES "$BOUNCES"; posint EVENTS "$EVENTS"
posint WORLD_ROWS "$WORLD_ROWS"; posint WORLD_DOMAINS "$WORLD_DOMAINS"
(( REPS >= RUNS )) || REPS=$RUNS
(( BOUNCES >= 100 )) || die "BOUNCES must be at least 100"

# ---- prerequisites ---------------------------------------------------------
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time, for peak RSS): apt-get install time"
command -v unbound >/dev/null || die "unbound is missing: apt-get install unbound"
command -v "$SQLITE3" >/dev/null || die "the sqlite3 shell is missing: apt-get install sqlite3"
command -v "$PY" >/dev/null || die "python not found: $PY (set PYTHON=...)"
"$PY" -c 'import dns.message, dns.query, sqlite3' 2>/dev/null ||
	die "$PY cannot import dns (dnspython) or sqlite3: apt-get install python3-dnspython (and use Debian's /usr/bin/python3)"
[[ -x $LEADGATE ]] || die "$LEADGATE not found: build it (make), or set LEADGATE=..."
"$LEADGATE" verify --help 2>&1 | grep -q -- '--list' ||
	die "$LEADGATE has no 'verify --list': it was built without the store"
"$LEADGATE" refresh --help >/dev/null 2>&1 || die "$LEADGATE has no 'refresh' command"

PIN_UB=() PIN_TOOL=()
if command -v taskset >/dev/null 2>&1 && (( $(nproc) >= 2 )); then
	PIN_UB=(taskset -c 0)
	PIN_TOOL=(taskset -c 1)
	pin_note="unbound pinned to CPU 0, every measured program to CPU 1 (taskset)"
else
	pin_note="not pinned (taskset missing or a single CPU)"
fi

mkdir -p "$sdir"

# ---- the world (the DNS benchmark's generator, our own copy) ---------------
world_ok() {
	[[ -s $world/world.json && ! $here/gen_world.py -nt $world/world.json ]] || return 1
	# unbound.conf names the world's directory: a world moved here is stale
	grep -qF "directory: \"$world\"" "$world/unbound.conf" 2>/dev/null || return 1
	"$PY" - "$world/world.json" "$WORLD_ROWS" "$WORLD_DOMAINS" "$SEED" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
ok = (w.get("rows"), w.get("domains"), w.get("seed")) == tuple(int(x) for x in sys.argv[2:5])
sys.exit(0 if ok else 1)
EOF
}
if ! world_ok; then
	say "generating the world in $world ($WORLD_ROWS rows, $WORLD_DOMAINS domains, seed $SEED) ..."
	rm -rf "$world"
	"$PY" "$here/gen_world.py" --rows "$WORLD_ROWS" --domains "$WORLD_DOMAINS" --seed "$SEED" \
		--port 53535 --out "$world" || die "gen_world.py failed"
fi
contacts=$world/contacts.csv
bounces_csv=$sdir/bounces-$BOUNCES.csv
if [[ ! -s $bounces_csv || $gen -nt $bounces_csv || $world/world.json -nt $bounces_csv ]]; then
	"$PY" "$gen" bounces --truth "$world/truth.tsv" --events "$BOUNCES" --seed "$SEED" \
		--start "$T1" -o "$bounces_csv" || die "gen_store.py bounces failed"
fi
events_nd=$sdir/events-$EVENTS.ndjson
if [[ ! -s $events_nd || $gen -nt $events_nd || $world/world.json -nt $events_nd ]]; then
	"$PY" "$gen" events --truth "$world/truth.tsv" --events "$EVENTS" --seed "$SEED" \
		--end "$T1" -o "$events_nd" || die "gen_store.py events failed"
fi
# An empty configuration: the shipped defaults, whatever the user's files say.
conf=$sdir/empty.conf
: >"$conf"

# ---- unbound (as in run_dns.sh) ----------------------------------------------
UB_PID="" UB_PORT=""
ubconf=$sdir/unbound.conf
ublog=$sdir/unbound.log

# stop_unbound, start_unbound, free_port, wait_ready: bench/lib.sh
source "$here/lib.sh"
trap stop_unbound EXIT
trap 'exit 130' INT TERM HUP

# ---- timing ------------------------------------------------------------------
# shellcheck disable=SC2034 # tfile and PIN are bench/lib.sh's
tfile=$sdir/time.out
results=$bdir/store-results.tsv
: >"$results"
# shellcheck disable=SC2034
PIN=("${PIN_TOOL[@]}")
# timed(): bench/lib.sh (sourced above)

# measure NAME ROUND "RCS" OUT ERR CMD...: time CMD (pinned), require its exit
# status to be one of RCS, and append "NAME ROUND WALL RSS_KB RC" to results.
measure() {
	local name=$1 round=$2 rcs=$3 so=$4 se=$5 rc=0
	shift 5
	timed "$so" "$se" "$@" || rc=$?
	if [[ " $rcs " != *" $rc "* ]]; then
		tail -n 20 "$se" >&2
		die "$name (round $round) exited with status $rc, expected one of: $rcs ($*)"
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$WALL" "$RSS_KB" "$rc" >>"$results"
}
# note KEY VALUE: a figure that is not a timing
note() { printf 'note\t%s\t%s\n' "$1" "$2" >>"$results"; }

dbbytes() { # the database and its WAL, if any, in bytes
	local n=0 f
	for f in "$1" "$1-wal"; do
		[[ -e $f ]] && n=$(( n + $(stat -c %s "$f") ))
	done
	echo "$n"
}
rmdb() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }
cpdb() { # cpdb FROM TO: a closed database (no WAL left) copied
	rmdb "$2"
	[[ ! -s $1-wal ]] || die "$1 still has a WAL: not closed cleanly?"
	cp "$1" "$2"
}

lg=("$LEADGATE")
dnsopt() { echo "--dns 127.0.0.1:$UB_PORT --dns-concurrency $K --dns-timeout $MS --dns-tries $N"; }

db_dns=$sdir/dns.db       # verify --list with DNS (the rounds' database)
db_nodns=$sdir/nodns.db
db_base=$sdir/base.db     # a copy of the first round's dns.db after one run
out_ref=$sdir/out-dns.csv
out_lst=$sdir/out-dns-list.csv
out_nd=$sdir/out-nodns.csv
out_ndl=$sdir/out-nodns-list.csv
errf=$sdir/leadgate.err
same_out=0 diff_out=0
same() { # same A B: count identical outputs
	if cmp -s "$1" "$2"; then same_out=$(( same_out + 1 )); else
		diff_out=$(( diff_out + 1 ))
		say "outputs differ: $1 $2 ($(cmp "$1" "$2" 2>&1 | head -n 1))"
	fi
}

cat "$contacts" "$bounces_csv" >/dev/null # page cache warm
say "world: $WORLD_ROWS contacts, $WORLD_DOMAINS domains; $RUNS verify rounds (6 runs each, 3 of them with DNS: about 2.5 minutes a round), then $REPS rounds of gate/lists/refresh"

# ---- 1. verify with and without the store --------------------------------------
for (( r = 1; r <= RUNS; r++ )); do
	# (a) with DNS, every run on a fresh unbound
	start_unbound
	# shellcheck disable=SC2046
	measure dns "$r" "0 1 75" /dev/null "$errf" "${lg[@]}" --now "$T0" verify -c "$conf" \
		--no-progress $(dnsopt) -o "$out_ref" "$contacts"
	stop_unbound

	rmdb "$db_dns"
	start_unbound
	# shellcheck disable=SC2046
	measure dns-list "$r" "0 1 75" /dev/null "$errf" "${lg[@]}" --db "$db_dns" --now "$T0" verify \
		-c "$conf" --no-progress $(dnsopt) --list "$LIST" -o "$out_lst" "$contacts"
	stop_unbound
	note "dns-list-db-bytes" "$(dbbytes "$db_dns")"
	same "$out_ref" "$out_lst"
	(( r > 1 )) || cpdb "$db_dns" "$db_base"

	start_unbound
	# shellcheck disable=SC2046
	measure dns-warm "$r" "0 1 75" /dev/null "$errf" "${lg[@]}" --db "$db_dns" --now "$T0" verify \
		-c "$conf" --no-progress $(dnsopt) --list "$LIST" -o "$out_lst" "$contacts"
	stop_unbound
	note "dns-warm-db-bytes" "$(dbbytes "$db_dns")"
	same "$out_ref" "$out_lst"
	[[ $r -lt $RUNS ]] || cp "$errf" "$sdir/dns-warm.err"

	# (b) without DNS: the store's own cost, nothing to hide it behind
	measure nodns "$r" "0" /dev/null "$errf" "${lg[@]}" --now "$T0" verify -c "$conf" \
		--no-progress -q --no-dns -o "$out_nd" "$contacts"
	rmdb "$db_nodns"
	# exit 1: with --no-dns every verdict is unknown and the gate blocks
	measure nodns-list "$r" "0 1" /dev/null "$errf" "${lg[@]}" --db "$db_nodns" --now "$T0" verify \
		-c "$conf" --no-progress -q --no-dns --list "$LIST" -o "$out_ndl" "$contacts"
	note "nodns-list-db-bytes" "$(dbbytes "$db_nodns")"
	same "$out_nd" "$out_ndl"
	measure nodns-warm "$r" "0 1" /dev/null "$errf" "${lg[@]}" --db "$db_nodns" --now "$T0" verify \
		-c "$conf" --no-progress -q --no-dns --list "$LIST" -o "$out_ndl" "$contacts"
	same "$out_nd" "$out_ndl"
	say "round $r/$RUNS: $(awk -F'\t' -v r="$r" '$2 == r && $1 != "note" { printf "%s %.2fs  ", $1, $3 }' "$results")"
done
note "outputs-identical" "$same_out"
note "outputs-different" "$diff_out"
# Where the bytes are, after one run (dbstat; skipped if the shell lacks it)
"$SQLITE3" -readonly "$db_base" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 10" \
	2>/dev/null | while IFS='|' read -r n b; do note "dbstat:$n" "$b"; done || true
note "contacts" "$("$SQLITE3" -readonly "$db_base" "SELECT count(*) FROM contacts")"

# ---- 2. the list commands, and refresh planning ------------------------------------
db_gate=$sdir/gate.db     # read only: gate, lists, export
db_spread=$sdir/spread.db # verified_at spread over SPREAD_DAYS days
db_exp=$sdir/exported.db  # after one export --for-sequence: what bounces land on
db_work=$sdir/work.db     # scratch copies for the commands that write
cpdb "$db_base" "$db_gate"
cpdb "$db_base" "$db_spread"
t0=$(date +%s%N)
"$SQLITE3" "$db_spread" "UPDATE contacts SET verified_at = $T0_UNIX - 1 - ((id * 2654435761) % ($SPREAD_DAYS * 86400));
	PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
t1=$(date +%s%N)
note "spread-update-s" "$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.2f", d / 1e9 }')"
cpdb "$db_base" "$db_exp"
"${lg[@]}" --db "$db_exp" --now "$T1" export -c "$conf" --for-sequence -o "$sdir/export-fs.csv" "$LIST" \
	2>"$errf" || { cat "$errf" >&2; die "export --for-sequence on $db_exp failed"; }

# The refresh plan's SQL, exactly as store/store.c has it (Q_PLAN_ALL).
before=$(( T1_UNIX - STALE_DAYS * 86400 ))
plan_sql=$("$PY" - "$root/store/store.c" <<'EOF'
import re, sys
src = open(sys.argv[1]).read()
# string macros (#define NAME "...") spliced in, as the compiler would
for name, val in re.findall(r'#define (\w+) ("(?:[^"\\]|\\.)*")\n', src):
    src = re.sub(r'(?<!#define )\b%s\b' % name, val, src)
m = re.search(r"\[Q_PLAN_ALL\]\s*=\s*((?:\s*\"(?:[^\"\\]|\\.)*\")+)", src)
if not m:
    sys.exit("bench-store: Q_PLAN_ALL not found in store/store.c")
print("".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(1))))
EOF
) || die "cannot read the plan's SQL from store/store.c"
plan_lit=${plan_sql//\?1/999999999}
plan_lit=${plan_lit//\?2/$before}
plan_lit=${plan_lit//\?3/$BUDGET}
note "plan-sql" "$plan_sql"
note "plan-eqp" "$("$SQLITE3" -readonly "$db_spread" "EXPLAIN QUERY PLAN $plan_lit" | tr '\n' ' ')"
# The pragmas store_open() sets for a writer, then the plan in a transaction
# that is rolled back.
plan_sh() {
	"$SQLITE3" "$db_spread" <<EOF
PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -32768;
PRAGMA temp_store = MEMORY;
BEGIN;
.timer on
$plan_lit;
.timer off
SELECT 'planned ' || count(*) FROM refresh_plan WHERE run_id = 999999999;
ROLLBACK;
EOF
}

dead_port=$(free_port) # nobody listens there: the resolver is down
say "list commands and refresh planning: $REPS rounds"
# (a) cold-ish: the database just dropped from the page cache
"$PY" "$gen" evict "$db_gate"
measure gate-cold 1 "0 1" "$sdir/gate.out" "$errf" "${lg[@]}" --db "$db_gate" --now "$T1" gate -c "$conf" "$LIST"
for (( r = 1; r <= REPS; r++ )); do
	measure gate "$r" "0 1" "$sdir/gate.out" "$errf" "${lg[@]}" --db "$db_gate" --now "$T1" gate \
		-c "$conf" "$LIST"
	measure gate-spread "$r" "0 1" /dev/null "$errf" "${lg[@]}" --db "$db_spread" --now "$T1" gate \
		-c "$conf" "$LIST"
	measure lists "$r" "0" "$sdir/lists.out" "$errf" "${lg[@]}" --db "$db_gate" --now "$T1" lists \
		-c "$conf"
	cpdb "$db_spread" "$db_work"
	measure refresh-plan "$r" "75" /dev/null "$sdir/refresh.err" "${lg[@]}" --db "$db_work" \
		--now "$T1" refresh -c "$conf" --budget "$BUDGET" --dns "127.0.0.1:$dead_port" \
		--dns-timeout 1 --dns-tries 1
	out=$(plan_sh 2>&1) || { echo "$out" >&2; die "the plan's SQL failed in the sqlite3 shell"; }
	secs=$(echo "$out" | awk '/^Run Time:/ { print $4; exit }')
	[[ -n $secs ]] || { echo "$out" >&2; die "no timing from the sqlite3 shell"; }
	printf '%s\t%s\t%s\t%s\t%s\n' "plan-sql" "$r" "$secs" 0 0 >>"$results"
	note "plan-sql-rows" "$(echo "$out" | awk '/^planned / { print $2 }')"
	if (( r <= RUNS )); then
		measure export "$r" "0" /dev/null "$errf" "${lg[@]}" --db "$db_gate" --now "$T1" export \
			-c "$conf" -o "$sdir/export.csv" "$LIST"
		cpdb "$db_base" "$db_work"
		measure export-seq "$r" "0" /dev/null "$errf" "${lg[@]}" --db "$db_work" --now "$T1" export \
			-c "$conf" --for-sequence -o "$sdir/export-fs.csv" "$LIST"
		cpdb "$db_exp" "$db_work"
		measure bounces "$r" "0" /dev/null "$sdir/bounces.err" "${lg[@]}" --db "$db_work" --now "$T1" \
			bounces -c "$conf" import "$bounces_csv"
		cpdb "$db_base" "$db_work"
		measure events "$r" "0" /dev/null "$sdir/events.err" "${lg[@]}" --db "$db_work" --now "$T1" \
			events -c "$conf" import "$events_nd"
		measure score "$r" "0" "$sdir/score.csv" "$sdir/score.err" "${lg[@]}" --db "$db_work" \
			--now "$T1" score -c "$conf" --dry-run
	fi
done
note "gate-decision" "$(head -n 1 "$sdir/gate.out")"
note "bounces-summary" "$(grep 'leadgate bounces:' "$sdir/bounces.err" | head -n 1)"
note "events-summary" "$(grep 'leadgate events:' "$sdir/events.err" | head -n 1)"
note "score-summary" "$(grep 'leadgate score:' "$sdir/score.err" | head -n 1)"
note "export-rows" "$(( $(wc -l <"$sdir/export.csv") - 1 ))"
note "export-seq-rows" "$(( $(wc -l <"$sdir/export-fs.csv") - 1 ))"
note "refresh-dead-msg" "$(tail -n 1 "$sdir/refresh.err")"

# The last refresh's plan against an independent sort.
plan_check=$("$PY" "$gen" check-plan --db "$db_work" --budget "$BUDGET" --before "$before" 2>&1) || true
note "plan-check" "$plan_check"
say "$plan_check"

# ---- 3. one refresh against unbound, for information ----------------------------------
if [[ $LIVE_REFRESH == 1 ]]; then
	cpdb "$db_spread" "$db_work"
	start_unbound
	say "one refresh --budget $BUDGET against unbound (information) ..."
	# shellcheck disable=SC2046
	measure refresh-live 1 "0 75" /dev/null "$sdir/refresh-live.err" "${lg[@]}" --db "$db_work" \
		--now "$T1" refresh -c "$conf" --budget "$BUDGET" $(dnsopt)
	stop_unbound
	note "refresh-live-msg" "$(tr '\n' ' ' <"$sdir/refresh-live.err")"
fi

# ---- report ----------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu ]] || cpu=unknown
lg_version=$("$LEADGATE" --version 2>/dev/null | head -n 1 || true)
"$PY" - "$results" "$RUNS" "$REPS" "$WORLD_ROWS" "$WORLD_DOMAINS" "$BUDGET" "$BOUNCES" "$K" "$MS" "$N" \
	"$(nproc)" "$(uname -m)" "$cpu" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$pin_note" \
	"${lg_version:-leadgate}" "SQLite $("$SQLITE3" --version | cut -d' ' -f1) (shell)" "$EVENTS" \
	>"$bdir/store_last.md" <<'EOF'
import statistics as st, sys

(path, runs, reps, rows, doms, budget, bounces, K, MS, N, ncpu, arch, cpu, date, pin, lgv,
 sqv, events) = sys.argv[1:]
t, notes = {}, {}
for line in open(path):
    f = line.rstrip("\n").split("\t")
    if f[0] == "note":
        notes.setdefault(f[1], []).append(f[2])
        continue
    d = t.setdefault(f[0], {"wall": [], "rss": [], "rc": []})
    d["wall"].append(float(f[2])); d["rss"].append(int(f[3])); d["rc"].append(f[4])

def med(k):
    return st.median(t[k]["wall"]) if k in t else float("nan")

def rng(k):
    w = t[k]["wall"]
    return "%.2f-%.2f" % (min(w), max(w)) if len(w) > 1 else "-"

def rss(k):
    return "%.0f" % (max(t[k]["rss"]) / 1024.0) if k in t and max(t[k]["rss"]) else "-"

def mb(key):
    v = notes.get(key)
    return "%.0f MB" % (st.median(int(x) for x in v) / 1048576.0) if v else "-"

def fr(x):
    return "{:,}".format(int(x))

rows, doms = int(rows), int(doms)
print("## leadgate store benchmark: %s contacts, %s domains; K=%s, timeout %s ms, %s tries"
      % (fr(rows), fr(doms), K, MS, N))
print()
print("| run | n | median wall s | range s | peak RSS MB | exit |")
print("|---|---:|---:|---:|---:|---|")
label = {
    "dns": "verify --dns (no store)",
    "dns-list": "verify --dns --list, empty database",
    "dns-warm": "verify --dns --list again, same database (domains cached)",
    "nodns": "verify --no-dns (no store)",
    "nodns-list": "verify --no-dns --list, empty database",
    "nodns-warm": "verify --no-dns --list again, same database",
    "gate-cold": "gate, database just dropped from the page cache",
    "gate": "gate (list as verified: one verified_at)",
    "gate-spread": "gate (verified_at spread over 90 days)",
    "lists": "lists",
    "export": "export (all %s contacts, no store writes)" % fr(int(notes.get("contacts", ["0"])[0])),
    "export-seq": "export --for-sequence (records sent rows)",
    "bounces": "bounces import, %s events" % fr(int(bounces)),
    "events": "events import, %s NDJSON lines" % fr(int(events)),
    "score": "score --dry-run, every contact, after events import",
    "refresh-plan": "refresh --budget %s, resolver down: open, plan, first chunk, exit 75" % fr(int(budget)),
    "plan-sql": "the plan's INSERT ... SELECT alone (sqlite3 shell, .timer)",
    "refresh-live": "refresh --budget %s against unbound (one run)" % fr(int(budget)),
}
for k in label:
    if k in t:
        rcs = sorted(set(t[k]["rc"]))
        print("| %s | %d | %.3f | %s | %s | %s |" % (label[k], len(t[k]["wall"]), med(k), rng(k),
              rss(k) if k != "plan-sql" else "-", ",".join(rcs) if k != "plan-sql" else "-"))
print()
print("| figure | value | target |")
print("|---|---:|---|")
r1 = med("dns-list") / med("dns")
print("| verify --list / verify, with DNS (empty database) | %.2f x | <= 1.3 x: %s |"
      % (r1, "met" if r1 <= 1.3 else "MISSED"))
print("| verify --list / verify, with DNS (second run, domains cached) | %.2f x | |"
      % (med("dns-warm") / med("dns")))
print("| verify --no-dns --list / verify --no-dns (empty database) | %.2f x | (the store's raw cost) |"
      % (med("nodns-list") / med("nodns")))
print("| verify --no-dns --list / verify --no-dns (second run) | %.2f x | |"
      % (med("nodns-warm") / med("nodns")))
print("| store cost per row, no DNS, empty database | %.1f us | |"
      % ((med("nodns-list") - med("nodns")) / rows * 1e6))
print("| refresh planning (whole process to exit 75) | %.3f s | < 1 s: %s |"
      % (med("refresh-plan"), "met" if med("refresh-plan") < 1 else "MISSED"))
print("| the plan's SQL alone | %.3f s | |" % med("plan-sql"))
g = med("gate")
print("| gate, warm | %.3f s | < 0.2 s: %s |" % (g, "met" if g < 0.2 else "MISSED"))
print("| database after one verify --list with DNS (file + WAL) | %s | |" % mb("dns-list-db-bytes"))
print("| database after the second run | %s | |" % mb("dns-warm-db-bytes"))
print("| database after one verify --no-dns --list | %s | |" % mb("nodns-list-db-bytes"))
print()
print("Checks and notes:")
print()
print("- outputs identical with and without the store: %s of %s comparisons"
      % (notes.get("outputs-identical", ["?"])[-1],
         int(notes.get("outputs-identical", ["0"])[-1]) + int(notes.get("outputs-different", ["0"])[-1])))
if "events" in t and "score" in t:
    print()
    print("| figure | value |")
    print("|---|---:|")
    print("| events import rate | %s events/s |" % fr(int(events) / med("events")))
    print("| score rate (%s contacts, their events read from the store) | %s contacts/s |"
          % (fr(rows - rows // 100), fr((rows - rows // 100) / med("score"))))
    print()
for k in ("plan-check", "gate-decision", "bounces-summary", "events-summary", "score-summary",
          "refresh-dead-msg", "refresh-live-msg"):
    if k in notes:
        print("- %s: %s" % (k, notes[k][-1].strip()))
print("- export rows: %s; export --for-sequence rows: %s"
      % (notes.get("export-rows", ["?"])[-1], notes.get("export-seq-rows", ["?"])[-1]))
print("- plan query plan: %s" % notes.get("plan-eqp", ["?"])[-1].strip())
print("- spreading verified_at over 90 days (UPDATE of every contact, untimed setup): %s s"
      % notes.get("spread-update-s", ["?"])[-1])
ds = [(k[7:], int(v[-1])) for k, v in notes.items() if k.startswith("dbstat:")]
if ds:
    print("- bytes by table/index after one verify --list: " +
          ", ".join("%s %.1f MB" % (n, b / 1048576.0) for n, b in sorted(ds, key=lambda x: -x[1])))
print("- Medians of %s interleaved verify rounds (each DNS run on a fresh unbound) and %s rounds of"
      " the list commands; %s. --now fixed (verify %s, list commands %s)." % (runs, reps, pin,
      "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z"))
print("- %s; %s; machine: %s CPUs (nproc), %s, %s. Date: %s." % (lgv, sqv, ncpu, arch, cpu, date))
EOF
cat "$bdir/store_last.md"
say "table written to $bdir/store_last.md; per-run figures in $results"
