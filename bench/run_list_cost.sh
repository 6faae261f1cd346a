#!/usr/bin/env bash
# bench/run_list_cost.sh BEFORE [RUNS] - what a change costs `verify --list`
# (see bench/README.md, "The cost of a change to verify --list").
#
# BEFORE is another leadgate binary (an earlier commit's build); AFTER is
# $LEADGATE (default build/leadgate).  On the DNS benchmark's world
# (bench/gen_world.py --seed 1: 1,000,000 contacts on 200,000 domains),
# RUNS interleaved rounds (default 3) of, for BEFORE then AFTER,
#
#   nodns-list   verify --no-dns --list world      (a new database)
#   dns-plain    verify --dns ...                  (no store: what --list is
#                                                   weighed against; a freshly
#                                                   started unbound)
#   dns-list     verify --dns ... --list world     (a new database, a freshly
#                                                   started unbound)
#
# each timed with its peak RSS, and the database's size (with its WAL)
# once the run is over; then `gate world` on that database, warm (the
# second of two runs), timed.  Prints a Markdown table of medians, also written to
# build/bench/list_cost_last.md; per-run figures in
# build/bench/list-cost-results.tsv.
#
# Environment: LEADGATE, PYTHON (/usr/bin/python3), K (256), MS (2000),
# N (2), WORLD_ROWS (1000000), WORLD_DOMAINS (200000), WORLD_TIMEOUT_SHARE
# (0.5: the percent of domains that never answer; 0 makes the
# throughput-bound world, kept apart in build/bench/list-cost/world-t0),
# PIN_CPUS (1: unbound on CPU 0, leadgate on CPU 1, with taskset; 0: no
# pinning, so that the store's writer thread may run on the other core),
# WORLD (a world made before, e.g. by another checkout's run of this
# script: used as it is, never made again).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

die() { echo "bench-list-cost: $*" >&2; exit 1; }
say() { echo "bench-list-cost: $*" >&2; }

[[ $# -ge 1 ]] || die "usage: bench/run_list_cost.sh BEFORE [RUNS]"
BEFORE=$1
RUNS=${2:-3}
AFTER=${LEADGATE:-$root/build/leadgate}

[[ -x $BEFORE ]] || die "$BEFORE is not an executable"
[[ -x $AFTER ]] || die "$AFTER not found: build it (make), or set LEADGATE=..."
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"

source "$here/lib.sh" # timed, start_unbound, stop_unbound, pin_cpus, world_*
world_setup
pin_cpus
bdir=$root/build/bench
cdir=$bdir/list-cost
mkdir -p "$cdir"
if [[ -n ${WORLD:-} ]]; then
	world=$WORLD
	[[ -s $world/world.json && -s $world/contacts.csv ]] || die "WORLD=$world holds no world"
else
	world_ensure "$cdir"
fi
contacts=$world/contacts.csv
conf=$cdir/empty.conf
: >"$conf"

UB_PID="" UB_PORT=""
ubconf=$cdir/unbound.conf
ublog=$cdir/unbound.log
# shellcheck disable=SC2034 # tfile is bench/lib.sh's
tfile=$cdir/time.out
trap stop_unbound EXIT
trap 'exit 130' INT TERM HUP

# ub_cpu [SINCE]: unbound's CPU seconds (user + system) since SINCE (an
# earlier ub_cpu; default its start), from /proc; 0 when none runs
ub_cpu() {
	[[ -n $UB_PID ]] || { echo 0; return; }
	awk -v hz="$(getconf CLK_TCK)" -v since="${1:-0}" \
		'{ printf "%.2f", ($14 + $15) / hz - since }' "/proc/$UB_PID/stat" 2>/dev/null || echo 0
}

results=$bdir/list-cost-results.tsv
: >"$results"
db=$cdir/list.db
rmdb() { rm -f "$1" "$1-wal" "$1-shm"; }
dbbytes() {
	local n=0 f
	for f in "$1" "$1-wal"; do [[ -e $f ]] && n=$(( n + $(stat -c %s "$f") )); done
	echo "$n"
}

# one NAME BIN ROUND ARGS...: a verify --list into a new database
one() {
	local name=$1 bin=$2 round=$3 rc=0 ub0
	shift 3
	rmdb "$db"
	ub0=$(ub_cpu)
	timed /dev/null "$cdir/err" "$bin" --db "$db" --now "$T0" verify -c "$conf" --no-progress -q \
		--list world -o /dev/null "$@" "$contacts" || rc=$?
	# 0 the gate passes, 1 it blocks: both ran to the end
	[[ $rc -eq 0 || $rc -eq 1 ]] || { tail -n 5 "$cdir/err" >&2; die "$name ($bin) exited $rc"; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$WALL" "$RSS_KB" "$(dbbytes "$db")" \
		"$CPU_S" "$(ub_cpu "$ub0")" >>"$results"
	# and the gate on what it recorded (warm: the second of two runs)
	"$bin" --db "$db" --now "$T0" gate -c "$conf" world >/dev/null 2>&1 || true
	rc=0
	timed /dev/null "$cdir/err" "$bin" --db "$db" --now "$T0" gate -c "$conf" world || rc=$?
	[[ $rc -eq 0 || $rc -eq 1 ]] || die "gate after $name ($bin) exited $rc"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "gate-$name" "$round" "$WALL" "$RSS_KB" 0 "$CPU_S" 0 >>"$results"
}

cat "$contacts" >/dev/null # the page cache, warm for every run alike
for (( r = 1; r <= RUNS; r++ )); do
	for side in before after; do
		bin=$BEFORE
		[[ $side == after ]] && bin=$AFTER
		say "round $r: $side, --no-dns"
		one "nodns-list-$side" "$bin" "$r" --no-dns
		say "round $r: $side, DNS, no store"
		start_unbound || die "unbound did not start (see $ublog)"
		rc=0
		ub0=$(ub_cpu)
		timed /dev/null "$cdir/err" "$bin" --now "$T0" verify -c "$conf" --no-progress -q \
			-o /dev/null --dns "127.0.0.1:$UB_PORT" --dns-concurrency "$K" --dns-timeout "$MS" \
			--dns-tries "$N" "$contacts" || rc=$?
		[[ $rc -eq 0 || $rc -eq 75 ]] || { tail -n 5 "$cdir/err" >&2; die "dns-plain ($bin) exited $rc"; }
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "dns-plain-$side" "$r" "$WALL" "$RSS_KB" 0 \
			"$CPU_S" "$(ub_cpu "$ub0")" >>"$results"
		stop_unbound
		say "round $r: $side, DNS"
		start_unbound || die "unbound did not start (see $ublog)"
		one "dns-list-$side" "$bin" "$r" --dns "127.0.0.1:$UB_PORT" --dns-concurrency "$K" \
			--dns-timeout "$MS" --dns-tries "$N"
		stop_unbound
	done
done
# The raw limit: what bare SQLite takes to insert the rows AFTER's
# `verify --no-dns --list` recorded (bench/store_floor.sh).
say "the bare SQLite floor of the rows a run records"
rmdb "$db"
"$AFTER" --db "$db" --now "$T0" verify -c "$conf" --no-progress -q --no-dns --list world \
	-o /dev/null "$contacts" >/dev/null 2>&1 || true
"${PIN[@]}" bash "$here/store_floor.sh" "$db" "$RUNS" >"$cdir/floor.md" || die "store_floor.sh failed"
rmdb "$db"

"$PY" - "$results" "$RUNS" "$cdir/floor.md" <<'EOF' | tee "$bdir/list_cost_last.md"
import os, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(name, col):
    v = [float(r[col]) for r in rows if r[0] == name]
    return statistics.median(v) if v else float("nan")
print("| run (median of %s interleaved rounds) | before s | after s | after / before | before RSS MB | after RSS MB | before DB MB | after DB MB |" % sys.argv[2])
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in ("nodns-list", "dns-list"):
    b, a = med(name + "-before", 2), med(name + "-after", 2)
    print("| verify --list, %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f |" % (
        "no DNS" if name.startswith("nodns") else "DNS", b, a, a / b,
        med(name + "-before", 3) / 1024, med(name + "-after", 3) / 1024,
        med(name + "-before", 4) / 1e6, med(name + "-after", 4) / 1e6))
b, a = med("dns-plain-before", 2), med("dns-plain-after", 2)
print("| verify, DNS, no store | %.2f | %.2f | %.2f | %.0f | %.0f | | |" % (
    b, a, a / b, med("dns-plain-before", 3) / 1024, med("dns-plain-after", 3) / 1024))
print("| verify --list / verify, DNS (what the store costs) | %.2f | %.2f | | | | | |" % (
    med("dns-list-before", 2) / b, med("dns-list-after", 2) / a))
for name in ("nodns-list", "dns-list"):
    b, a = med("gate-" + name + "-before", 2), med("gate-" + name + "-after", 2)
    print("| gate, warm, after verify --list, %s | %.3f | %.3f | %.2f | %.0f | %.0f | | |" % (
        "no DNS" if name.startswith("nodns") else "DNS", b, a, a / b,
        med("gate-" + name + "-before", 3) / 1024, med("gate-" + name + "-after", 3) / 1024))
print()
print("CPU seconds (user + system) of leadgate and of unbound, medians; the")
print("machine's CPU seconds are its cores times the wall time:")
print()
print("| run | wall s | leadgate CPU s | unbound CPU s | CPU left on %d cores |" % os.cpu_count())
print("|---|---:|---:|---:|---:|")
for side in ("before", "after"):
    for name in ("nodns-list", "dns-plain", "dns-list"):
        n = name + "-" + side
        w, c, u = med(n, 2), med(n, 5), med(n, 6)
        print("| %s, %s | %.2f | %.2f | %.2f | %.2f |" % (name, side, w, c, u, os.cpu_count() * w - c - u))
print()
print("The bare SQLite floor (bench/store_floor.sh) of the rows AFTER's")
print("`verify --no-dns --list` recorded:")
print()
print(open(sys.argv[3]).read().rstrip())
print()
EOF
