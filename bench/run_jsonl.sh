#!/usr/bin/env bash
# bench/run_jsonl.sh [ROWS] [RUNS] - what reading a JSON Lines list costs
# against the same list as CSV (see bench/README.md, "JSON Lines input").
#
# On bench/run.sh's contact list (gen_contacts.py --seed 1, ROWS rows,
# default 1000000) and the same rows converted to JSON Lines (one object a
# row, the header's names as keys), over RUNS interleaved rounds (default
# 5), the measured program pinned to the last CPU:
#   raw_csv     build/bench/raw_csv CSV OUT      (the CSV floor)
#   raw_jsonl   build/bench/raw_jsonl JSONL OUT  (the JSON Lines floor:
#               read, json_loadb each line, write the values as CSV)
#   csv         leadgate verify --no-dns --no-progress -q -o OUT CSV
#   jsonl_csv   the same on the JSON Lines file, -f csv (reading differs,
#               writing is the same)
#   jsonl       the same on the JSON Lines file, written as JSON Lines
#               (its default)
# The order of the five rotates every round.  jsonl_csv's output must be
# byte-identical to csv's.  Prints a Markdown table of medians, also
# written to build/bench/jsonl_last.md; per-run figures go to
# build/bench/jsonl-results.tsv.
#
# Environment: LEADGATE (default build/leadgate), PYTHON (/usr/bin/python3),
# CC (gcc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROWS=${1:-1000000}
RUNS=${2:-5}
LEADGATE=${LEADGATE:-$root/build/leadgate}
PY=${PYTHON:-/usr/bin/python3}
CC=${CC:-gcc}
bdir=$root/build/bench

die() { echo "bench-jsonl: $*" >&2; exit 1; }
say() { echo "bench-jsonl: $*" >&2; }
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer (got '$ROWS')"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time): apt-get install time"
[[ -x $LEADGATE ]] || die "leadgate binary not found: $LEADGATE (build it, or set LEADGATE=...)"
[[ -e /usr/include/csv.h ]] || die "libcsv headers missing: apt-get install libcsv-dev"
[[ -e /usr/include/jansson.h ]] || die "jansson headers missing: apt-get install libjansson-dev"

PIN=()
if command -v taskset >/dev/null 2>&1 && (( $(nproc) >= 2 )); then
	PIN=(taskset -c "$(( $(nproc) - 1 ))")
fi
mkdir -p "$bdir"
tfile=$bdir/jsonl-time.txt
. "$here/lib.sh"

"$CC" -O2 -std=c17 -Wall -Wextra -o "$bdir/raw_csv" "$here/raw_csv.c" -lcsv
"$CC" -O2 -std=c17 -Wall -Wextra -o "$bdir/raw_jsonl" "$here/raw_jsonl.c" -ljansson

csv=$bdir/contacts-$ROWS.csv
if [[ ! -s $csv || $here/gen_contacts.py -nt $csv ]]; then
	say "generating $csv"
	"$PY" "$here/gen_contacts.py" --rows "$ROWS" --seed 1 -o "$csv.tmp"
	mv "$csv.tmp" "$csv"
fi
jsonl=$bdir/contacts-$ROWS.jsonl
if [[ ! -s $jsonl || $csv -nt $jsonl || $0 -nt $jsonl ]]; then
	say "converting to $jsonl"
	"$PY" - "$csv" "$jsonl.tmp" <<'PY'
import csv, json, sys
# The CSV's line end too, which verify mirrors: the outputs can then be
# compared byte for byte.
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    nl = "\r\n" if f.readline().endswith("\r\n") else "\n"
with open(sys.argv[1], newline="", encoding="utf-8") as f, \
        open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    rows = csv.reader(f)
    head = next(rows)
    for r in rows:
        out.write(json.dumps(dict(zip(head, r)), ensure_ascii=False, separators=(",", ":")) + nl)
PY
	mv "$jsonl.tmp" "$jsonl"
fi
cat "$csv" "$jsonl" >/dev/null # a warm page cache

tools=(raw_csv raw_jsonl csv jsonl_csv jsonl)
run_one() { # run_one TOOL OUT
	case $1 in
	raw_csv) timed /dev/null "$bdir/jsonl.err" "$bdir/raw_csv" "$csv" "$2" ;;
	raw_jsonl) timed /dev/null "$bdir/jsonl.err" "$bdir/raw_jsonl" "$jsonl" "$2" ;;
	csv) timed /dev/null "$bdir/jsonl.err" "$LEADGATE" verify --no-dns --no-progress -q -o "$2" "$csv" ;;
	jsonl_csv) timed /dev/null "$bdir/jsonl.err" "$LEADGATE" verify --no-dns --no-progress -q -f csv -o "$2" "$jsonl" ;;
	jsonl) timed /dev/null "$bdir/jsonl.err" "$LEADGATE" verify --no-dns --no-progress -q -o "$2" "$jsonl" ;;
	esac
}
res=$bdir/jsonl-results.tsv
printf 'round\ttool\twall_s\tcpu_s\trss_kb\n' >"$res"
for (( r = 0; r < RUNS; r++ )); do
	for (( i = 0; i < ${#tools[@]}; i++ )); do
		tool=${tools[$(( (i + r) % ${#tools[@]} ))]}
		run_one "$tool" "$bdir/jsonl-out-$tool" || die "$tool failed: $(tail -n 3 "$bdir/jsonl.err")"
		printf '%d\t%s\t%s\t%s\t%s\n' "$r" "$tool" "$WALL" "$CPU_S" "$RSS_KB" >>"$res"
		say "round $((r + 1))/$RUNS $tool ${WALL}s"
	done
	cmp -s "$bdir/jsonl-out-csv" "$bdir/jsonl-out-jsonl_csv" ||
		die "verify of the JSON Lines file, -f csv, differs from verify of the CSV"
done
rm -f "$bdir"/jsonl-out-*

"$PY" - "$res" "$ROWS" <<'PY' | tee "$bdir/jsonl_last.md"
import csv, statistics as st, sys
rows = int(sys.argv[2])
data = {}
for r in csv.DictReader(open(sys.argv[1]), delimiter="\t"):
    data.setdefault(r["tool"], []).append(r)
med = lambda t, k: st.median(float(x[k]) for x in data[t])
floor = {"raw_csv": "raw_csv", "raw_jsonl": "raw_jsonl", "csv": "raw_csv",
         "jsonl_csv": "raw_jsonl", "jsonl": "raw_jsonl"}
print(f"{rows} rows, {len(data['csv'])} interleaved rounds, medians\n")
print("| run | wall s | CPU s | rows/s | x its floor | x verify of the CSV | peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t in ["raw_csv", "raw_jsonl", "csv", "jsonl_csv", "jsonl"]:
    w = med(t, "wall_s")
    rss = max(int(x["rss_kb"]) for x in data[t]) / 1024
    print(f"| {t} | {w:.2f} | {med(t, 'cpu_s'):.2f} | {rows / w:,.0f} | "
          f"{w / med(floor[t], 'wall_s'):.2f} | {w / med('csv', 'wall_s'):.2f} | {rss:.0f} |")
PY
