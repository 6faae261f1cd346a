#!/usr/bin/env bash
# bench/run_score.sh [RUNS] - `score` over the 1M-contact store, before
# and after, against the raw read (see bench/README.md, "Score benchmark").
#
# The store benchmark's world (bench/gen_world.py --seed 1: 1,000,000
# contacts on 200,000 domains; 990,000 of them valid), in its own
# directory build/bench/score: one database made by `verify --no-dns
# --list world` at T0 and `events import` of EVENTS NDJSON lines
# (gen_store.py events --seed 1) at T1, both by BEFORE (AFTER reads an
# older schema as it is: --dry-run opens it read-only, without upgrading).  Then RUNS rounds,
# the order of the four runs rotated each round (interleaved):
#
#   raw-rowid  the sqlite3 shell: score's lead query (every contact with
#              its profile and stage, all columns) in rowid order, mapped as
#              the store maps it, the rows printed to /dev/null
#   raw-addr   the same in address order (what score reads walked the
#              address index for, before)
#   before     BEFORE score -c empty.conf --dry-run --now T1 -o FILE
#   after      AFTER, the same
#
# Every after output is compared with the before output of the same round
# (cmp): the bytes must be the same.  Nothing is pinned to a CPU: score
# reads the contact events on a second thread.
#
# Prints a Markdown table of medians (wall, CPU = user + system, peak
# RSS), contacts/s and the ratio to each raw read, also written to
# build/bench/score_last.md; per-run figures in build/bench/score-results.tsv.
#
# Environment: BEFORE (the binary to compare with, e.g. one built from
# main; default AFTER itself, with a warning), AFTER (build/leadgate),
# EVENTS (1000000), WORLD (a
# world directory to reuse, e.g. build/bench/list-cost/world; default:
# generated in build/bench/score/world), PYTHON (/usr/bin/python3),
# SQLITE3 (sqlite3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

RUNS=${1:-3}
EVENTS=${EVENTS:-1000000}
AFTER=${AFTER:-$root/build/leadgate}
BEFORE=${BEFORE:-$AFTER}
PY=${PYTHON:-/usr/bin/python3}
SQLITE3=${SQLITE3:-sqlite3}
SEED=1
T0=2026-11-22T00:00:00Z
T1=2026-11-23T00:00:00Z

die() { echo "bench-score: $*" >&2; exit 1; }
say() { echo "bench-score: $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ $EVENTS =~ ^[1-9][0-9]*$ ]] || die "EVENTS must be a positive integer (got '$EVENTS')"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time, for peak RSS): apt-get install time"
command -v "$SQLITE3" >/dev/null || die "the sqlite3 shell is missing: apt-get install sqlite3"
[[ -x $AFTER ]] || die "$AFTER not found: build it (make), or set AFTER=..."
[[ -x $BEFORE ]] || die "$BEFORE not found (set BEFORE=...)"
[[ $BEFORE != "$AFTER" ]] || say "BEFORE is AFTER: set BEFORE=... to compare two builds"

bdir=$root/build/bench
sdir=$bdir/score
mkdir -p "$sdir"
world=${WORLD:-$sdir/world}
if [[ ! -s $world/contacts.csv || ! -s $world/truth.tsv ]]; then
	[[ -z ${WORLD:-} ]] || die "$world has no contacts.csv and truth.tsv"
	say "generating the world in $world ..."
	rm -rf "$world"
	"$PY" "$here/gen_world.py" --rows 1000000 --domains 200000 --seed "$SEED" \
		--out "$world" >/dev/null || die "gen_world.py failed"
fi

conf=$sdir/empty.conf
: >"$conf"
db=$sdir/score.db
events=$sdir/events-$EVENTS.ndjson
if [[ ! -s $events || $here/gen_store.py -nt $events ]]; then
	"$PY" "$here/gen_store.py" events --truth "$world/truth.tsv" --events "$EVENTS" \
		--seed "$SEED" --end "$T1" -o "$events" >/dev/null || die "gen_store.py events failed"
fi
say "making the database (verify --no-dns --list world, events import) ..."
rm -f "$db" "$db-wal" "$db-shm"
rc=0
"$BEFORE" --db "$db" --now "$T0" verify -c "$conf" --no-dns --list world \
	"$world/contacts.csv" -o /dev/null 2>"$sdir/verify.err" || rc=$?
# exit 1: with --no-dns every verdict is unknown and the gate blocks
[[ $rc == 0 || $rc == 1 ]] || die "verify failed (exit $rc): see $sdir/verify.err"
"$BEFORE" --db "$db" --now "$T1" events -c "$conf" import "$events" 2>"$sdir/events.err" ||
	die "events import failed: see $sdir/events.err"
contacts=$("$SQLITE3" "$db" "SELECT count(*) FROM contacts")

cols="c.id, c.address, c.domain, c.status, c.flags, c.verified_at, c.suppressed, c.source,"
cols+=" p.title, p.company, p.industry, p.region, coalesce(p.employees, -1),"
cols+=" coalesce(g.stage, 'lead'), coalesce(g.since, 0), p.first_name, p.last_name, p.name,"
cols+=" c.account FROM contacts c LEFT JOIN profiles p ON p.contact_id = c.id"
cols+=" LEFT JOIN stages g ON g.contact_id = c.id"
raw=("$SQLITE3" -list "$db" "PRAGMA mmap_size = 1073741824")

tsv=$bdir/score-results.tsv
printf 'round\trun\twall_s\tcpu_s\trss_kb\n' >"$tsv"
tfile=$sdir/time.out
run() { # run ROUND NAME CMD...
	local r=$1 name=$2 t0 t1 wall
	shift 2
	sync
	t0=$(date +%s%N)
	/usr/bin/time -f '%M %U %S' -o "$tfile" "$@" >/dev/null 2>"$sdir/$name.err" ||
		die "$name failed: see $sdir/$name.err"
	t1=$(date +%s%N)
	wall=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')
	tail -n 1 "$tfile" | awk -v r="$r" -v n="$name" -v w="$wall" \
		'{ printf "%s\t%s\t%s\t%.2f\t%s\n", r, n, w, $2 + $3, $1 }' >>"$tsv"
}
score() { # score ROUND NAME BINARY OUT
	run "$1" "$2" "$3" --db "$db" --now "$T1" score -c "$conf" --dry-run -o "$4"
}

names=(raw-rowid raw-addr before after)
for ((r = 1; r <= RUNS; r++)); do
	for ((k = 0; k < 4; k++)); do
		name=${names[$(((k + r - 1) % 4))]}
		case $name in
		raw-rowid) run "$r" "$name" "${raw[@]}" "SELECT $cols ORDER BY c.id" ;;
		raw-addr) run "$r" "$name" "${raw[@]}" "SELECT $cols ORDER BY c.address" ;;
		before) score "$r" "$name" "$BEFORE" "$sdir/before.csv" ;;
		after) score "$r" "$name" "$AFTER" "$sdir/after.csv" ;;
		esac
	done
	cmp -s "$sdir/before.csv" "$sdir/after.csv" ||
		die "round $r: after's output differs from before's ($sdir/after.csv)"
	say "round $r of $RUNS done; outputs the same"
done

"$PY" - "$tsv" "$contacts" "$RUNS" "$BEFORE" "$AFTER" <<'EOF' | tee "$bdir/score_last.md"
import statistics, sys
tsv, contacts, runs, before, after = sys.argv[1:]
contacts = int(contacts)
rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
by = {}
for r, name, wall, cpu, rss in rows:
    by.setdefault(name, []).append((float(wall), float(cpu), int(rss)))
med = {n: statistics.median(w for w, _, _ in v) for n, v in by.items()}
label = {
    "raw-rowid": "raw read, rowid order (sqlite3 shell)",
    "raw-addr": "raw read, address order (sqlite3 shell)",
    "before": "before: `score --dry-run` (%s)" % before,
    "after": "after: `score --dry-run` (%s)" % after,
}
print("| run | median wall s | range s | median CPU s | peak RSS MB | contacts/s |"
      " / raw rowid | / raw address |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for n in ("raw-rowid", "raw-addr", "before", "after"):
    v = by[n]
    walls = [w for w, _, _ in v]
    print("| %s | %.2f | %.2f-%.2f | %.2f | %d | %s | %.2f x | %.2f x |" % (
        label[n], med[n], min(walls), max(walls),
        statistics.median(c for _, c, _ in v), max(m for _, _, m in v) // 1024,
        format(round(contacts / med[n]), ","), med[n] / med["raw-rowid"],
        med[n] / med["raw-addr"]))
print()
print("%s contacts, %s interleaved rounds; after / before: %.2f x the speed"
      " (median wall); every after output the same bytes as before's."
      % (format(contacts, ","), runs, med["before"] / med["after"]))
EOF
