#!/usr/bin/env bash
# bench/run.sh [ROWS] [RUNS] - leadgate's benchmark (see bench/README.md).
#
# Compares, on the same generated contact list of ROWS rows (default
# 1000000), over RUNS interleaved rounds (default 5):
#   raw_csv   the read + parse + write floor (libcsv, no checks at all)
#   leadgate  leadgate verify --no-dns --no-progress -o OUT --summary SUM IN
#   peer      python-email-validator, check_deliverability=False, on the
#             first PEER_LIMIT addresses (default 200000; python is slow)
# and prints a Markdown table of medians, also written to build/bench/last.md.
#
# Environment: LEADGATE (default $root/build/leadgate), PYTHON (default
# /usr/bin/python3, Debian's, which has python3-email-validator),
# PEER_LIMIT (default 200000), CC (default gcc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

ROWS=${1:-1000000}
RUNS=${2:-5}
LEADGATE=${LEADGATE:-$root/build/leadgate}
PY=${PYTHON:-/usr/bin/python3}
PEER_LIMIT=${PEER_LIMIT:-200000}
CC=${CC:-gcc}
bdir=$root/build/bench

die() { echo "bench: $*" >&2; exit 1; }

[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer (got '$ROWS'); usage: bench/run.sh [ROWS] [RUNS]"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS'); usage: bench/run.sh [ROWS] [RUNS]"
[[ $PEER_LIMIT =~ ^[1-9][0-9]*$ ]] || die "PEER_LIMIT must be a positive integer"
if (( PEER_LIMIT > ROWS )); then PEER_LIMIT=$ROWS; fi

# ---- prerequisites ---------------------------------------------------------
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time, for wall time and peak RSS): apt-get install time"
if [[ ! -x $LEADGATE ]]; then
	die "leadgate binary not found or not executable: $LEADGATE
       build it first (make -C '$root' build/leadgate, or just 'make bench'),
       or point LEADGATE=/path/to/leadgate at one"
fi
command -v "$PY" >/dev/null || die "python not found: $PY (set PYTHON=...)"
"$PY" -c 'import email_validator' 2>/dev/null ||
	die "$PY cannot import email_validator: apt-get install python3-email-validator (and use Debian's /usr/bin/python3)"
command -v "$CC" >/dev/null || die "C compiler '$CC' not found"
[[ -e /usr/include/csv.h ]] || die "libcsv headers missing: apt-get install libcsv-dev"

PIN=()
if command -v taskset >/dev/null 2>&1; then
	# The last CPU: CPU 0 takes most device interrupts on these machines.
	cpu_last=$(( $(nproc) - 1 ))
	PIN=(taskset -c "$cpu_last")
	pin_note="all three pinned to CPU $cpu_last (taskset -c $cpu_last), and sync before each run so none starts while another's output is still being written back"
else
	pin_note="not pinned (taskset not found)"
fi

mkdir -p "$bdir"

# ---- raw_csv -----------------------------------------------------------------
raw=$bdir/raw_csv
"$CC" -O2 -std=c17 -Wall -Wextra -o "$raw.tmp" "$here/raw_csv.c" -lcsv
mv -f "$raw.tmp" "$raw"

# ---- input -----------------------------------------------------------------
in=$bdir/contacts-$ROWS.csv
if [[ ! -s $in || $here/gen_contacts.py -nt $in ]]; then
	echo "bench: generating $in ($ROWS rows) ..." >&2
	t0=$(date +%s%N)
	"$PY" "$here/gen_contacts.py" --rows "$ROWS" --seed 1 -o "$in.tmp"
	mv -f "$in.tmp" "$in"
	t1=$(date +%s%N)
	echo "bench: generated in $(( (t1 - t0) / 1000000 )) ms" >&2
fi
in_mb=$(( $(stat -c %s "$in") / 1048576 ))

# ---- measuring -----------------------------------------------------------------
out_raw=$bdir/out-raw.csv
out_lg=$bdir/out-leadgate.csv
sum_lg=$bdir/leadgate-summary.json
peer_json=$bdir/peer.json
tfile=$bdir/time.out
results=$bdir/results.tsv
: >"$results"

# timed(): bench/lib.sh
source "$here/lib.sh"

cat "$in" >/dev/null # warm the page cache: every round reads a cached file

echo "bench: $RUNS rounds of raw_csv, leadgate, peer on $ROWS rows ($in_mb MiB); peer on the first $PEER_LIMIT addresses" >&2
for (( r = 1; r <= RUNS; r++ )); do
	timed /dev/null "$bdir/raw.err" "$raw" "$in" "$out_raw" ||
		{ cat "$bdir/raw.err" >&2; die "raw_csv failed"; }
	printf 'raw\t%d\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" \
		"$(awk -v n="$ROWS" -v w="$WALL" 'BEGIN { printf "%.1f", n / w }')" >>"$results"
	raw_w=$WALL

	# leadgate to standard output (written like raw_csv's output: no fsync) ...
	rc=0
	timed "$out_lg" "$bdir/leadgate.err" \
		"$LEADGATE" verify --no-dns --no-progress --summary "$sum_lg" "$in" || rc=$?
	if (( rc != 0 )); then
		tail -n 20 "$bdir/leadgate.err" >&2
		die "leadgate exited with status $rc (0 expected): $LEADGATE verify --no-dns --no-progress --summary $sum_lg $in"
	fi
	printf 'leadgate\t%d\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" \
		"$(awk -v n="$ROWS" -v w="$WALL" 'BEGIN { printf "%.1f", n / w }')" >>"$results"
	lg_w=$WALL

	# ... and with -o FILE: a temporary file, fsync, rename (atomic output)
	rc=0
	timed /dev/null "$bdir/leadgate.err" \
		"$LEADGATE" verify -q --no-dns --no-progress -o "$out_lg.o" "$in" || rc=$?
	(( rc == 0 )) || die "leadgate -o exited with status $rc"
	printf 'leadgate_o\t%d\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" \
		"$(awk -v n="$ROWS" -v w="$WALL" 'BEGIN { printf "%.1f", n / w }')" >>"$results"

	timed "$peer_json" "$bdir/peer.err" "$PY" "$here/peer_email_validator.py" --limit "$PEER_LIMIT" "$in" ||
		{ cat "$bdir/peer.err" >&2; die "peer_email_validator.py failed"; }
	peer_rps=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows_per_s"])' "$peer_json")
	printf 'peer\t%d\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" "$peer_rps" >>"$results"

	echo "bench: round $r/$RUNS: raw_csv ${raw_w}s  leadgate ${lg_w}s  peer ${peer_rps} rows/s" >&2
done

# ---- report ------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu ]] || cpu=unknown
lg_version=$("$LEADGATE" --version 2>/dev/null | head -n 1 | grep -i leadgate || true)
peer_lib=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("library", "email_validator"))' "$peer_json")

"$PY" - "$results" "$ROWS" "$RUNS" "$PEER_LIMIT" "$(nproc)" "$(uname -m)" "$cpu" \
	"$(date -u '+%Y-%m-%d %H:%M UTC')" "$pin_note" "${lg_version:-leadgate}" "$peer_lib" \
	"$in_mb" "$sum_lg" >"$bdir/last.md" <<'EOF'
import json
import statistics as st
import sys

(path, rows, runs, peer_limit, ncpu, arch, cpu, date, pin, lgv, peerlib, in_mb, summary) = sys.argv[1:]
set_mb = json.load(open(summary)).get("set_bytes", 0) / 1048576.0
rows, runs, peer_limit = int(rows), int(runs), int(peer_limit)
data = {}
for line in open(path):
    tool, _r, wall, rss, rps = line.split("\t")
    d = data.setdefault(tool, {"wall": [], "rss": [], "rps": []})
    d["wall"].append(float(wall))
    d["rss"].append(int(rss))
    d["rps"].append(float(rps))

def med(tool, k):
    return st.median(data[tool][k])

raw_w, lg_w = med("raw", "wall"), med("leadgate", "wall")
raw_r, lg_r = rows / raw_w, rows / lg_w
peer_r = med("peer", "rps")
peer_w = rows / peer_r
lg_rss = max(data["leadgate"]["rss"]) / 1024.0

def fr(x):
    return "{:,.0f}".format(x)

print("## leadgate benchmark, %s rows" % fr(rows))
print()
print("| tool | rows | median wall s | rows/s | peak RSS MB |")
print("|---|---:|---:|---:|---:|")
print("| raw_csv (libcsv read + write floor, no checks) | %s | %.3f | %s | %.1f |"
      % (fr(rows), raw_w, fr(raw_r), max(data["raw"]["rss"]) / 1024.0))
print("| leadgate verify --no-dns > file | %s | %.3f | %s | %.1f |"
      % (fr(rows), lg_w, fr(lg_r), lg_rss))
lgo_w = med("leadgate_o", "wall")
print("| leadgate verify --no-dns -o file (atomic: fsync + rename) | %s | %.3f | %s | %.1f |"
      % (fr(rows), lgo_w, fr(rows / lgo_w), max(data["leadgate_o"]["rss"]) / 1024.0))
print("| peer: python-email-validator, check_deliverability=False | %s (measured on first %s) | %.1f (extrapolated) | %s | %.1f |"
      % (fr(rows), fr(peer_limit), peer_w, fr(peer_r), max(data["peer"]["rss"]) / 1024.0))
print()
print("| figure | value |")
print("|---|---:|")
print("| leadgate / raw_csv time ratio | %.2f x |" % (lg_w / raw_w))
print("| leadgate / peer speed ratio | %.1f x |" % (lg_r / peer_r))
print("| leadgate peak RSS | %.1f MB |" % lg_rss)
print("| of which the duplicate set and domain cache | %.1f MB |" % set_mb)
print("| peak RSS outside them | %.1f MB |" % (lg_rss - set_mb))
print()
print("- Medians of %d interleaved rounds (raw_csv, leadgate, peer in each round); %s." % (runs, pin))
print("- Input: build/bench/contacts-%d.csv (%s MiB, bench/gen_contacts.py --seed 1), page cache warm." % (rows, in_mb))
print("- Wall time is the whole process (start-up, read, verify, write). The peer's rows/s is its own"
      " timing of reading + validating its first %s addresses (no output written), so its wall"
      " figure is %s / rows_per_s." % (fr(peer_limit), fr(rows)))
print("- %s; peer: %s." % (lgv, peerlib))
print("- Machine: %s CPUs (nproc), %s, %s. Date: %s." % (ncpu, arch, cpu, date))
EOF

cat "$bdir/last.md"
echo "bench: table written to $bdir/last.md; per-run figures in $results" >&2
