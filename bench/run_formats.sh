#!/usr/bin/env bash
# bench/run_formats.sh [ROWS] [RUNS] - what the output format costs (see
# bench/README.md, "Output formats").
#
# On bench/run.sh's contact list (gen_contacts.py --seed 1, ROWS rows,
# default 1000000), over RUNS interleaved rounds (default 7; 0 with DNS=1
# for the DNS rounds alone):
#   raw       build/bench/raw_csv IN OUT (the read + write floor)
#   csv       leadgate verify --no-dns --no-progress -q IN > OUT
#   jsonl     leadgate verify --no-dns --no-progress -q -f jsonl IN > OUT
#   csv_null, jsonl_null   the same two > /dev/null: the process without
#             the kernel's cost of taking the output into the page cache
# and the same five on a wide export (WIDE rows, default ROWS / 5, of the
# same contacts with 50 more HubSpot-like properties, 30 of them empty:
# 57 columns in, 65 out), where reading and writing cells is most of the
# work and verifying the one address a row little: wide_raw, wide_csv,
# wide_jsonl, wide_csv_null, wide_jsonl_null (WIDE=0 leaves them out),
# and, when BASELINE names another leadgate binary, csv and jsonl with it
# (csv_base, jsonl_base), for a before/after in the same rounds.  CSV and
# JSON Lines runs swap places every other round.
#
# With DNS=1 it then runs DNS_RUNS rounds (default 3) on bench/run_dns.sh's
# world (generated if missing; unbound on loopback, a fresh one for each
# run): raw_dns (c-ares alone, the floor), verify --dns ... -o OUT as CSV
# and as JSON Lines (and as JSON Lines with BASELINE).  A DNS round takes
# about 80 s (110 s with BASELINE).
#
# Every JSON Lines output is checked (the wide list's too): one valid
# JSON object a line, and the same verdicts (Email, verify_status,
# verify_reason, verify_flags, verify_normalized, verify_mx) as the CSV
# output of the same run, row for row.  Prints a Markdown table of
# medians (wall and CPU seconds), also written to
# build/bench/formats_last.md; per-run figures go to
# build/bench/formats-results.tsv.
#
# Environment: LEADGATE (default build/leadgate), BASELINE (unset), PYTHON
# (/usr/bin/python3), CC (gcc), WIDE (ROWS / 5), DNS (0), DNS_RUNS (3), K
# (256), MS (2000), N (2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

ROWS=${1:-1000000}
RUNS=${2:-7}
LEADGATE=${LEADGATE:-$root/build/leadgate}
BASELINE=${BASELINE:-}
PY=${PYTHON:-/usr/bin/python3}
CC=${CC:-gcc}
DNS=${DNS:-0}
DNS_RUNS=${DNS_RUNS:-3}
K=${K:-256}
MS=${MS:-2000}
N=${N:-2}
bdir=$root/build/bench

die() { echo "bench-formats: $*" >&2; exit 1; }
say() { echo "bench-formats: $*" >&2; }

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }
posint ROWS "$ROWS"; posint DNS_RUNS "$DNS_RUNS"
WIDE=${WIDE:-$(( ROWS / 5 ))}
[[ $RUNS =~ ^[0-9]+$ ]] || die "RUNS must be a number (got '$RUNS')"
[[ $WIDE =~ ^[0-9]+$ ]] || die "WIDE must be a number (got '$WIDE')"
(( WIDE <= ROWS )) || die "WIDE ($WIDE) takes its rows from the ROWS ($ROWS) of the list"
(( RUNS > 0 )) || [[ $DNS == 1 ]] || die "RUNS 0 runs nothing without DNS=1"
posint K "$K"; posint MS "$MS"; posint N "$N"

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time): apt-get install time"
[[ -x $LEADGATE ]] || die "leadgate binary not found: $LEADGATE (build it, or set LEADGATE=...)"
[[ -z $BASELINE || -x $BASELINE ]] || die "BASELINE is not an executable: $BASELINE"
command -v "$PY" >/dev/null || die "python not found: $PY (set PYTHON=...)"
command -v "$CC" >/dev/null || die "C compiler '$CC' not found"
[[ -e /usr/include/csv.h ]] || die "libcsv headers missing: apt-get install libcsv-dev"

PIN=() PIN_UB=()
if command -v taskset >/dev/null 2>&1 && (( $(nproc) >= 2 )); then
	# As run_dns.sh: unbound (when there is one) on CPU 0, the measured
	# program on the last CPU.
	PIN=(taskset -c "$(( $(nproc) - 1 ))")
	PIN_UB=(taskset -c 0)
	pin_note="the measured program pinned to CPU $(( $(nproc) - 1 )), unbound to CPU 0 (taskset)"
else
	pin_note="not pinned (taskset missing or a single CPU)"
fi

mkdir -p "$bdir"
tfile=$bdir/formats-time.out
results=$bdir/formats-results.tsv
: >"$results"
# timed(), and the unbound helpers for DNS=1: bench/lib.sh
UB_PID="" UB_PORT="" UB_LOAD=""
source "$here/lib.sh"
trap stop_unbound EXIT
trap 'exit 130' INT TERM HUP

raw=$bdir/raw_csv
"$CC" -O2 -std=c17 -Wall -Wextra -o "$raw.tmp" "$here/raw_csv.c" -lcsv
mv -f "$raw.tmp" "$raw"

in=$bdir/contacts-$ROWS.csv
if [[ ! -s $in || $here/gen_contacts.py -nt $in ]]; then
	say "generating $in ($ROWS rows) ..."
	"$PY" "$here/gen_contacts.py" --rows "$ROWS" --seed 1 -o "$in.tmp"
	mv -f "$in.tmp" "$in"
fi

# The wide export: the list's first WIDE rows with 50 more columns, as a
# HubSpot export of all properties has them (ids, owner, stages, dates,
# URLs, counts; 30 custom properties almost always empty).  Deterministic.
wide=$bdir/wide-$WIDE-of-$ROWS.csv
if (( WIDE > 0 && RUNS > 0 )) && [[ ! -s $wide || $in -nt $wide || ${BASH_SOURCE[0]} -nt $wide ]]; then
	say "generating $wide ($WIDE rows, 57 columns) ..."
	"$PY" - "$in" "$wide.tmp" "$WIDE" <<'EOF'
import csv, sys
src, dst, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
props = ["Record ID", "Contact owner", "Lifecycle Stage", "Lead Status", "Create Date",
         "Last Activity Date", "City", "State/Region", "Website URL", "Associated Company ID",
         "Number of Pageviews", "Original Source", "Original Source Drill-Down 1",
         "Marketing contact status", "Mobile Phone", "LinkedIn URL", "Annual Revenue", "Industry",
         "Number of Employees", "Time Zone"] + ["Custom Property %d" % k for k in range(30)]
owners = ["Ana Lopez", "Ben Kraus", "Chen Wei", "Dara O'Neil", ""]
stages = ["lead", "subscriber", "marketingqualifiedlead", "customer", ""]
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as o:
    r, w = csv.reader(f), csv.writer(o, lineterminator="\r\n")
    w.writerow(next(r) + props)
    for i, row in enumerate(r):
        if i >= rows:
            break
        dom = row[2].rpartition("@")[2] or "example.com"
        e = [str(1000000 + i), owners[i % 5], stages[i % 5], ["New", "Open", "", "Connected"][i % 4],
             "2024-%02d-%02d 10:%02d" % (1 + i % 12, 1 + i % 28, i % 60),
             "" if i % 3 else "2025-01-%02d" % (1 + i % 28), ["Berlin", "Austin", "Paris", ""][i % 4],
             ["BE", "TX", "", "IDF"][i % 4], "https://www." + dom, str(500000 + i % 9973), str(i % 37),
             ["ORGANIC_SEARCH", "OFFLINE", "DIRECT_TRAFFIC"][i % 3], ["CRM_UI", "IMPORT", ""][i % 3],
             ["Marketing contact", "Non-marketing contact"][i % 2], "" if i % 2 else row[5],
             "" if i % 4 else "https://www.linkedin.com/in/%s-%s" % (row[0].lower(), row[1].lower()),
             "" if i % 5 else str(1000000 * (1 + i % 50)), ["Software", "Retail", "", "Finance"][i % 4],
             ["11-50", "51-200", "", "1,001-5,000"][i % 4], ["Europe/Berlin", "America/Chicago", ""][i % 3]]
        e += [""] * 29 + ["yes" if i % 7 == 0 else ""]
        w.writerow(row + e)
EOF
	mv -f "$wide.tmp" "$wide"
fi

# check_jsonl CSV JSONL: the JSON Lines output against the CSV output of
# the same run, row for row; prints one line, exits non-zero on a mismatch.
check_jsonl() {
	"$PY" - "$1" "$2" <<'EOF'
import csv, json, sys
cols = ("Email", "verify_status", "verify_reason", "verify_flags", "verify_normalized", "verify_mx")
fc = open(sys.argv[1], encoding="utf-8", newline="")
r = csv.reader(fc)
hdr = next(r)
if hdr and hdr[0].startswith("\ufeff"):
    hdr[0] = hdr[0][1:]
ci = [hdr.index(c) for c in cols]
n = 0
with open(sys.argv[2], "rb") as fj:
    for line in fj:
        n += 1
        o = json.loads(line)
        row = next(r)
        got = [o[c] for c in cols]
        want = [row[i] for i in ci]
        # The CSV formula guard puts a ' before a cell like -x@y.z.
        for k in (0, 4, 5):
            if want[k][:1] == "'" and (got[k] or "")[:1] in ("=", "+", "-", "@", "\t", "\r"):
                want[k] = want[k][1:]
        want[3] = [f for f in want[3].split(";") if f]
        for k in (4, 5):
            want[k] = want[k] or None
        if got != want:
            sys.exit("row %d: jsonl %r, csv %r" % (n, got, want))
if next(r, None) is not None:
    sys.exit("the CSV output has more rows than the JSON Lines output (%d)" % n)
print("JSON Lines output: %d lines, each valid JSON, the same verdicts as the CSV output" % n)
EOF
}

cat "$in" >/dev/null # page cache warm
tools=(csv jsonl csv_null jsonl_null)
[[ -z $BASELINE ]] || tools+=(csv_base jsonl_base)
(( RUNS == 0 )) || say "$RUNS rounds of raw_csv, ${tools[*]} on $ROWS rows ($(( $(stat -c %s "$in") / 1048576 )) MiB)"
if (( WIDE > 0 && RUNS > 0 )); then
	cat "$wide" >/dev/null
	say "... and of raw_csv, csv, jsonl, csv_null, jsonl_null on $WIDE rows of 57 columns ($(( $(stat -c %s "$wide") / 1048576 )) MiB)"
fi
for (( r = 1; r <= RUNS; r++ )); do
	timed /dev/null "$bdir/raw.err" "$raw" "$in" "$bdir/out-raw.csv" ||
		{ cat "$bdir/raw.err" >&2; die "raw_csv failed"; }
	printf 'raw\t%d\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$CPU_S" "$RSS_KB" \
		"$(stat -c %s "$bdir/out-raw.csv")" >>"$results"
	line="round $r/$RUNS: raw ${WALL}s"
	order=("${tools[@]}")
	if (( r % 2 == 0 )); then # swap csv and jsonl
		order=()
		for t in "${tools[@]}"; do
			case $t in csv*) order+=("jsonl${t#csv}") ;; jsonl*) order+=("csv${t#jsonl}") ;; esac
		done
	fi
	for t in "${order[@]}"; do
		bin=$LEADGATE
		[[ $t != *_base ]] || bin=$BASELINE
		fmt=${t%_*}
		out=$bdir/formats-out-$t.$fmt
		[[ $t != *_null ]] || out=/dev/null
		rc=0
		timed "$out" "$bdir/formats.err" "$bin" verify --no-dns --no-progress -q -f "$fmt" "$in" || rc=$?
		(( rc == 0 )) || { tail -n 5 "$bdir/formats.err" >&2; die "$bin verify -f $fmt exited with status $rc"; }
		size=0
		[[ $out == /dev/null ]] || size=$(stat -c %s "$out")
		printf '%s\t%d\t%s\t%s\t%s\t%s\n' "$t" "$r" "$WALL" "$CPU_S" "$RSS_KB" "$size" >>"$results"
		line="$line  $t ${WALL}s"
	done
	if (( WIDE > 0 )); then
		timed /dev/null "$bdir/raw.err" "$raw" "$wide" "$bdir/out-wide-raw.csv" ||
			{ cat "$bdir/raw.err" >&2; die "raw_csv failed on the wide list"; }
		printf 'wide_raw\t%d\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$CPU_S" "$RSS_KB" \
			"$(stat -c %s "$bdir/out-wide-raw.csv")" >>"$results"
		line="$line  wide_raw ${WALL}s"
		for t in "${order[@]}"; do
			[[ $t != *_base ]] || continue
			fmt=${t%_*}
			out=$bdir/formats-out-wide_$t.$fmt
			[[ $t != *_null ]] || out=/dev/null
			rc=0
			timed "$out" "$bdir/formats.err" "$LEADGATE" verify --no-dns --no-progress -q -f "$fmt" "$wide" || rc=$?
			(( rc == 0 )) || { tail -n 5 "$bdir/formats.err" >&2; die "verify -f $fmt exited with status $rc on the wide list"; }
			size=0
			[[ $out == /dev/null ]] || size=$(stat -c %s "$out")
			printf 'wide_%s\t%d\t%s\t%s\t%s\t%s\n' "$t" "$r" "$WALL" "$CPU_S" "$RSS_KB" "$size" >>"$results"
			line="$line  wide_$t ${WALL}s"
		done
	fi
	say "$line"
done
checks=()
if (( RUNS > 0 )); then
msg=$(check_jsonl "$bdir/formats-out-csv.csv" "$bdir/formats-out-jsonl.jsonl") ||
	die "the JSON Lines output does not match the CSV output"
checks+=("$msg")
fi
if (( RUNS > 0 && WIDE > 0 )); then
	msg=$(check_jsonl "$bdir/formats-out-wide_csv.csv" "$bdir/formats-out-wide_jsonl.jsonl") ||
		die "on the wide list, the JSON Lines output does not match the CSV output"
	checks+=("wide list: $msg")
fi
if (( RUNS > 0 )) && [[ -n $BASELINE ]]; then
	if cmp -s "$bdir/formats-out-jsonl.jsonl" "$bdir/formats-out-jsonl_base.jsonl"; then
		checks+=("JSON Lines output byte for byte the same as BASELINE's")
	else
		checks+=("JSON Lines output DIFFERS from BASELINE's")
	fi
	if cmp -s "$bdir/formats-out-csv.csv" "$bdir/formats-out-csv_base.csv"; then
		checks+=("CSV output byte for byte the same as BASELINE's")
	else
		checks+=("CSV output differs from BASELINE's")
	fi
fi
(( ${#checks[@]} == 0 )) || say "${checks[*]}"

# ---- with DNS ------------------------------------------------------------------
if [[ $DNS == 1 ]]; then
	command -v unbound >/dev/null || die "unbound is missing: apt-get install unbound"
	"$PY" -c 'import dns.resolver' 2>/dev/null || die "$PY cannot import dns: apt-get install python3-dnspython"
	pkg-config --exists libcares 2>/dev/null || die "c-ares development files missing: apt-get install libc-ares-dev pkgconf"
	world=$bdir/world
	if [[ ! -s $world/world.json ]]; then
		say "generating the world in $world (1000000 rows, 200000 domains) ..."
		"$PY" "$here/gen_world.py" --rows 1000000 --domains 200000 --seed 1 --port 53535 --out "$world" ||
			die "gen_world.py failed"
	fi
	wrows=$(( $(wc -l <"$world/contacts.csv") - 1 ))
	ubconf=$bdir/unbound-formats.conf
	ublog=$bdir/unbound-formats.log
	rawdns=$bdir/raw_dns
	# shellcheck disable=SC2046
	"$CC" -O2 -std=c17 -D_DEFAULT_SOURCE -Wall -Wextra -o "$rawdns.tmp" "$here/raw_dns.c" \
		$(pkg-config --cflags --libs libcares) || die "cannot build raw_dns"
	mv -f "$rawdns.tmp" "$rawdns"
	cat "$world/contacts.csv" "$world/domains.txt" >/dev/null
	say "$DNS_RUNS DNS rounds of raw_dns, csv, jsonl on $wrows rows; K=$K MS=$MS N=$N; each on a fresh unbound"
	for (( r = 1; r <= DNS_RUNS; r++ )); do
		start_unbound
		timed /dev/null "$bdir/raw.err" "$rawdns" --dns "127.0.0.1:$UB_PORT" --concurrency "$K" \
			--timeout "$MS" --tries "$N" "$world/domains.txt" ||
			{ cat "$bdir/raw.err" >&2; die "raw_dns failed"; }
		stop_unbound
		printf 'dns_raw\t%d\t%s\t%s\t%s\t0\n' "$r" "$WALL" "$CPU_S" "$RSS_KB" >>"$results"
		line="DNS round $r/$DNS_RUNS: raw_dns ${WALL}s"
		order=(csv jsonl)
		(( r % 2 )) || order=(jsonl csv)
		[[ -z $BASELINE ]] || order+=(jsonl_base)
		for t in "${order[@]}"; do
			fmt=${t%_base}
			bin=$LEADGATE
			[[ $t != *_base ]] || bin=$BASELINE
			out=$bdir/formats-dns-out-$t.$fmt
			start_unbound
			rc=0
			timed /dev/null "$bdir/formats.err" "$bin" verify --no-progress -q -f "$fmt" \
				--dns "127.0.0.1:$UB_PORT" --dns-concurrency "$K" --dns-timeout "$MS" \
				--dns-tries "$N" -o "$out" "$world/contacts.csv" || rc=$?
			stop_unbound
			# 75: the world's silent domains; 1: the gate
			if ! (( rc == 0 || rc == 1 || rc == 75 )) || [[ ! -s $out ]]; then
				tail -n 5 "$bdir/formats.err" >&2
				die "verify --dns -f $fmt exited with status $rc"
			fi
			printf 'dns_%s\t%d\t%s\t%s\t%s\t%s\n' "$t" "$r" "$WALL" "$CPU_S" "$RSS_KB" \
				"$(stat -c %s "$out")" >>"$results"
			line="$line  $t ${WALL}s"
		done
		say "$line"
	done
	msg=$(check_jsonl "$bdir/formats-dns-out-csv.csv" "$bdir/formats-dns-out-jsonl.jsonl") ||
		die "with DNS, the JSON Lines output does not match the CSV output"
	checks+=("with DNS: $msg")
fi

# ---- report ----------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
"$PY" - "$results" "$ROWS" "$RUNS" "$DNS_RUNS" "$(nproc)" "$(uname -m)" "${cpu:-unknown}" \
	"$(date -u '+%Y-%m-%d %H:%M UTC')" "$pin_note" "$K" "$MS" "$N" "$WIDE" "${checks[@]}" \
	>"$bdir/formats_last.md" <<'EOF'
import statistics as st, sys

path, rows, runs, dns_runs, ncpu, arch, cpu, date, pin, K, MS, N, wide = sys.argv[1:14]
checks = sys.argv[14:]
data = {}
for line in open(path):
    tool, _r, wall, cpus, rss, size = line.rstrip("\n").split("\t")
    d = data.setdefault(tool, {"wall": [], "cpu": [], "rss": [], "size": []})
    d["wall"].append(float(wall)); d["cpu"].append(float(cpus))
    d["rss"].append(int(rss)); d["size"].append(int(size))

def med(t, k):
    return st.median(data[t][k])

def rng(t, k):
    return "%.2f-%.2f" % (min(data[t][k]), max(data[t][k]))

names = {
    "raw": "raw_csv: libcsv read + CSV write, no checks (the floor)",
    "csv": "leadgate verify --no-dns > file",
    "jsonl": "leadgate verify --no-dns -f jsonl > file",
    "csv_null": "leadgate verify --no-dns > /dev/null",
    "jsonl_null": "leadgate verify --no-dns -f jsonl > /dev/null",
    "csv_base": "BASELINE verify --no-dns > file",
    "jsonl_base": "BASELINE verify --no-dns -f jsonl > file",
    "dns_raw": "raw_dns: c-ares alone (the floor)",
    "dns_csv": "leadgate verify --dns ... -o file",
    "dns_jsonl": "leadgate verify --dns ... -f jsonl -o file",
    "dns_jsonl_base": "BASELINE verify --dns ... -f jsonl -o file",
}
def ratio(a, b, label):
    if a in data and b in data:
        print("| %s | %.2f x | %.2f x |" % (label, med(a, "wall") / med(b, "wall"), med(a, "cpu") / med(b, "cpu")))

if "raw" in data:
    print("## Output formats, verify --no-dns, %s rows, medians of %s interleaved rounds" % ("{:,}".format(int(rows)), runs))
    print()
    print("| run | median wall s (range) | median CPU s (range) | output MB | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for t in ("raw", "csv", "jsonl", "csv_null", "jsonl_null", "csv_base", "jsonl_base"):
        if t in data:
            print("| %s | %.3f (%s) | %.2f (%s) | %.0f | %.1f |" % (names[t], med(t, "wall"), rng(t, "wall"),
                  med(t, "cpu"), rng(t, "cpu"), med(t, "size") / 1e6, max(data[t]["rss"]) / 1024.0))
    print()
    print("| ratio | wall | CPU |")
    print("|---|---:|---:|")
    ratio("jsonl", "csv", "JSON Lines / CSV")
    ratio("jsonl_null", "csv_null", "JSON Lines / CSV, both > /dev/null")
    ratio("csv", "raw", "CSV / raw_csv")
    ratio("jsonl", "raw", "JSON Lines / raw_csv")
    ratio("jsonl_base", "csv_base", "BASELINE: JSON Lines / CSV")
    ratio("jsonl_base", "jsonl", "JSON Lines: BASELINE / this")
if "wide_raw" in data:
    print()
    print("## A wide export (57 columns in, 65 out), verify --no-dns, %s rows, medians of %s interleaved rounds" % ("{:,}".format(int(wide)), runs))
    print()
    print("| run | median wall s (range) | median CPU s (range) | output MB | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for t in ("wide_raw", "wide_csv", "wide_jsonl", "wide_csv_null", "wide_jsonl_null"):
        if t in data:
            print("| %s | %.3f (%s) | %.2f (%s) | %.0f | %.1f |" % (names[t[5:]], med(t, "wall"), rng(t, "wall"),
                  med(t, "cpu"), rng(t, "cpu"), med(t, "size") / 1e6, max(data[t]["rss"]) / 1024.0))
    print()
    print("| ratio | wall | CPU |")
    print("|---|---:|---:|")
    ratio("wide_jsonl", "wide_csv", "JSON Lines / CSV")
    ratio("wide_jsonl_null", "wide_csv_null", "JSON Lines / CSV, both > /dev/null")
    ratio("wide_csv", "wide_raw", "CSV / raw_csv")
    ratio("wide_jsonl", "wide_raw", "JSON Lines / raw_csv")
if "dns_raw" in data:
    print()
    print("## With DNS (world of bench/run_dns.sh, K=%s, timeout %s ms, %s tries), medians of %s rounds" % (K, MS, N, dns_runs))
    print()
    print("| run | median wall s (range) | median CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for t in ("dns_raw", "dns_csv", "dns_jsonl", "dns_jsonl_base"):
        if t not in data:
            continue
        print("| %s | %.2f (%s) | %.2f | %.1f |" % (names[t], med(t, "wall"), rng(t, "wall"),
              med(t, "cpu"), max(data[t]["rss"]) / 1024.0))
    print()
    print("| ratio | wall |")
    print("|---|---:|")
    for a, b, label in (("dns_csv", "dns_raw", "CSV / raw_dns"), ("dns_jsonl", "dns_raw", "JSON Lines / raw_dns"),
                        ("dns_jsonl", "dns_csv", "JSON Lines / CSV"),
                        ("dns_jsonl_base", "dns_raw", "BASELINE: JSON Lines / raw_dns")):
        if a in data:
            print("| %s | %.2f x |" % (label, med(a, "wall") / med(b, "wall")))
print()
for c in checks:
    print("- " + c)
print("- CPU s is user + system time of the process (GNU time); wall s the clock around it. %s." % pin)
print("- Machine: %s CPUs (nproc), %s, %s. Date: %s." % (ncpu, arch, cpu, date))
EOF
cat "$bdir/formats_last.md"
say "table written to $bdir/formats_last.md; per-run figures in $results"
