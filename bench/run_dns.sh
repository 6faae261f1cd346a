#!/usr/bin/env bash
# bench/run_dns.sh [RUNS] - leadgate's DNS benchmark (see bench/README.md,
# "DNS benchmark").
#
# On a generated world (bench/gen_world.py --seed 1: 1,000,000 contacts on
# 200,000 domains, served by unbound on 127.0.0.1), over RUNS interleaved
# rounds (default 3), each tool on a freshly started unbound (cold cache):
#   raw       build/bench/raw_dns over domains.txt: c-ares alone, the floor
#   leadgate  leadgate verify --no-progress --dns 127.0.0.1:PORT
#             --dns-concurrency K --dns-timeout MS --dns-tries N
#             -o OUT --summary SUM contacts.csv
#   peer      python-email-validator, check_deliverability=True, on the
#             first PEER_LIMIT contacts (bench/peer_deliverability.py)
# then checks leadgate's verdicts against the world's truth.tsv and prints a
# Markdown table of medians, also written to build/bench/dns_last.md.
#
# Environment: K (default 256), MS (2000), N (2) for leadgate, raw_dns and
# the peer alike; PEER_LIMIT (20000); LEADGATE (build/leadgate); PYTHON
# (/usr/bin/python3, Debian's); CC (gcc); RAW_RCVBUF (0: c-ares' default
# socket buffer; bytes otherwise, raw_dns --rcvbuf); WORLD_ROWS (1000000)
# and WORLD_DOMAINS (200000) for a smaller world while testing;
# WORLD_TIMEOUT_SHARE (0.5): the percent of domains whose queries are
# dropped (0 gives a throughput-bound world, kept in build/bench/world-t0);
# LIST=1 also times `verify --list` into a new database each round, beside
# the plain run (what the store costs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

RUNS=${1:-3}
K=${K:-256}
MS=${MS:-2000}
N=${N:-2}
PEER_LIMIT=${PEER_LIMIT:-20000}
LEADGATE=${LEADGATE:-$root/build/leadgate}
PY=${PYTHON:-/usr/bin/python3}
CC=${CC:-gcc}
RAW_RCVBUF=${RAW_RCVBUF:-0}
WORLD_ROWS=${WORLD_ROWS:-1000000}
WORLD_DOMAINS=${WORLD_DOMAINS:-200000}
WORLD_TIMEOUT_SHARE=${WORLD_TIMEOUT_SHARE:-0.5}
LIST=${LIST:-0}
SEED=1
bdir=$root/build/bench
world=$bdir/world
[[ $WORLD_TIMEOUT_SHARE =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	{ echo "bench-dns: WORLD_TIMEOUT_SHARE must be a percentage (got '$WORLD_TIMEOUT_SHARE')" >&2; exit 1; }
[[ $WORLD_TIMEOUT_SHARE == 0.5 ]] || world=$bdir/world-t$WORLD_TIMEOUT_SHARE

die() { echo "bench-dns: $*" >&2; exit 1; }
say() { echo "bench-dns: $*" >&2; }

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }
posint RUNS "$RUNS"; posint K "$K"; posint MS "$MS"; posint N "$N"
posint PEER_LIMIT "$PEER_LIMIT"; posint WORLD_ROWS "$WORLD_ROWS"; posint WORLD_DOMAINS "$WORLD_DOMAINS"
[[ $RAW_RCVBUF =~ ^[0-9]+$ ]] || die "RAW_RCVBUF must be a number of bytes (got '$RAW_RCVBUF')"
(( PEER_LIMIT <= WORLD_ROWS )) || PEER_LIMIT=$WORLD_ROWS

# ---- prerequisites ---------------------------------------------------------
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time, for peak RSS): apt-get install time"
command -v unbound >/dev/null || die "unbound is missing: apt-get install unbound"
command -v "$CC" >/dev/null || die "C compiler '$CC' not found: apt-get install gcc"
pkg-config --exists libcares 2>/dev/null || die "c-ares development files missing: apt-get install libc-ares-dev pkgconf"
command -v "$PY" >/dev/null || die "python not found: $PY (set PYTHON=...)"
"$PY" -c 'import dns.resolver, dns.query' 2>/dev/null ||
	die "$PY cannot import dns (dnspython): apt-get install python3-dnspython (and use Debian's /usr/bin/python3)"
"$PY" -c 'import email_validator' 2>/dev/null ||
	die "$PY cannot import email_validator: apt-get install python3-email-validator (and use Debian's /usr/bin/python3)"

PIN_UB=() PIN_TOOL=()
if command -v taskset >/dev/null 2>&1 && (( $(nproc) >= 2 )); then
	# unbound on one CPU, the measured program on another.
	PIN_UB=(taskset -c 0)
	PIN_TOOL=(taskset -c 1)
	pin_note="unbound pinned to CPU 0, the measured program to CPU 1 (taskset)"
else
	pin_note="not pinned (taskset missing or a single CPU)"
fi

mkdir -p "$bdir"

# ---- the world ---------------------------------------------------------------
world_ok() {
	[[ -s $world/world.json && ! $here/gen_world.py -nt $world/world.json ]] || return 1
	"$PY" - "$world/world.json" "$WORLD_ROWS" "$WORLD_DOMAINS" "$SEED" "$WORLD_TIMEOUT_SHARE" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
ok = (w.get("rows"), w.get("domains"), w.get("seed")) == tuple(int(x) for x in sys.argv[2:5])
ok = ok and float(w.get("timeout_share", 0.5)) == float(sys.argv[5])
sys.exit(0 if ok else 1)
EOF
}
gen_secs=""
if ! world_ok; then
	say "generating the world in $world ($WORLD_ROWS rows, $WORLD_DOMAINS domains, seed $SEED) ..."
	rm -rf "$world"
	t0=$(date +%s%N)
	"$PY" "$here/gen_world.py" --rows "$WORLD_ROWS" --domains "$WORLD_DOMAINS" --seed "$SEED" \
		--timeout-share "$WORLD_TIMEOUT_SHARE" --port 53535 --out "$world" --stats ||
		die "gen_world.py failed"
	t1=$(date +%s%N)
	gen_secs=$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.1f", d / 1e9 }')
	say "world generated in $gen_secs s"
fi
ndomains=$(wc -l <"$world/domains.txt")
nrows=$WORLD_ROWS

# ---- raw_dns -----------------------------------------------------------------
raw=$bdir/raw_dns
# shellcheck disable=SC2046
"$CC" -O2 -std=c17 -D_DEFAULT_SOURCE -Wall -Wextra -o "$raw.tmp" "$here/raw_dns.c" \
	$(pkg-config --cflags --libs libcares) || die "cannot build raw_dns"
mv -f "$raw.tmp" "$raw"

# ---- unbound -------------------------------------------------------------------
UB_PID="" UB_PORT="" UB_LOAD=""
ubconf=$bdir/unbound-dns.conf
ublog=$bdir/unbound.log

# stop_unbound, start_unbound, free_port, wait_ready: bench/lib.sh
source "$here/lib.sh"
trap stop_unbound EXIT
trap 'exit 130' INT TERM HUP

unbound_rss_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$UB_PID/status" 2>/dev/null || echo 0
}

# ---- timing ------------------------------------------------------------------
tfile=$bdir/dns-time.out
results=$bdir/dns-results.tsv
: >"$results"

# timed(): bench/lib.sh
PIN=("${PIN_TOOL[@]}")

raw_args=(--concurrency "$K" --timeout "$MS" --tries "$N")
if (( RAW_RCVBUF > 0 )); then raw_args+=(--rcvbuf "$RAW_RCVBUF"); fi

# ---- leadgate: there, and with a DNS stage? ----------------------------------
have_lg=0
lg_note=""
if [[ ! -x $LEADGATE ]]; then
	lg_note="leadgate not measured: $LEADGATE not found (build it, or set LEADGATE=...)"
elif ! "$LEADGATE" verify --help 2>&1 | grep -q -- '--dns-concurrency'; then
	lg_note="leadgate not measured: $LEADGATE has no --dns/--dns-concurrency option (no DNS stage yet)"
else
	have_lg=1
fi
[[ -z $lg_note ]] || say "$lg_note"

cat "$world/contacts.csv" "$world/domains.txt" >/dev/null # page cache warm

# ---- raw_dns against the world's kinds (untimed) ---------------------------
start_unbound
say "unbound up on 127.0.0.1:$UB_PORT after $UB_LOAD s (RSS $(( $(unbound_rss_kb) / 1024 )) MB); checking raw_dns against the world's kinds ..."
"$raw" --dns "127.0.0.1:$UB_PORT" "${raw_args[@]}" --print "$world/domains.txt" \
	>"$bdir/raw_dns-print.tsv" 2>"$bdir/raw.err" || { cat "$bdir/raw.err" >&2; die "raw_dns failed"; }
stop_unbound
raw_check=$("$PY" - "$world/kinds.tsv" "$bdir/raw_dns-print.tsv" <<'EOF'
import sys
want = {}
for line in open(sys.argv[1]):
    d, kind, outcome, best = line.rstrip("\n").split("\t")
    want[d] = (outcome, best)
got = {}
for line in open(sys.argv[2]):
    d, outcome, best = line.rstrip("\n").split("\t")
    got[d] = (outcome, best)
bad = [d for d in want if got.get(d) != want[d]]
n = len(want)
print("raw_dns outcome and best MX agree with the world's kinds for %d of %d domains (%.3f%%)"
      % (n - len(bad), n, 100.0 * (n - len(bad)) / max(n, 1)))
for d in bad[:10]:
    print("  %s: expected %s %s, got %s" % (d, want[d][0], want[d][1] or "-",
                                             " ".join(got.get(d, ("missing", ""))).strip()))
EOF
)
say "$raw_check"

# ---- the rounds ------------------------------------------------------------------
out_lg=$bdir/dns-out-leadgate.csv
sum_lg=$bdir/dns-leadgate-summary.json
peer_json=$bdir/dns-peer.json
lg_rc_note=""

say "$RUNS rounds of raw_dns ($ndomains domains), leadgate ($nrows rows), peer (first $PEER_LIMIT contacts); K=$K MS=$MS N=$N; each on a fresh unbound"
for (( r = 1; r <= RUNS; r++ )); do
	# (a) raw_dns
	start_unbound
	timed /dev/null "$bdir/raw.err" "$raw" --dns "127.0.0.1:$UB_PORT" "${raw_args[@]}" "$world/domains.txt" ||
		{ cat "$bdir/raw.err" >&2; die "raw_dns failed"; }
	raw_line=$(grep '^RAW_DNS ' "$bdir/raw.err" || true)
	printf 'raw\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" \
		"$(awk -v n="$ndomains" -v w="$WALL" 'BEGIN { printf "%.1f", n / w }')" \
		"$UB_LOAD" "$(unbound_rss_kb)" "$raw_line" >>"$results"
	raw_w=$WALL
	stop_unbound

	# (b) leadgate
	lg_w="-"
	if (( have_lg )); then
		start_unbound
		rm -f "$out_lg" "$sum_lg"
		rc=0
		timed /dev/null "$bdir/leadgate-dns.err" "$LEADGATE" verify --no-progress \
			--dns "127.0.0.1:$UB_PORT" --dns-concurrency "$K" --dns-timeout "$MS" --dns-tries "$N" \
			-o "$out_lg" --summary "$sum_lg" "$world/contacts.csv" || rc=$?
		if (( rc == 64 )); then
			tail -n 5 "$bdir/leadgate-dns.err" >&2
			lg_note="leadgate not measured: it rejected the DNS options (exit 64)"
			say "$lg_note"
			have_lg=0
		elif (( rc != 0 && rc != 1 && rc != 75 )) || [[ ! -s $out_lg ]]; then
			tail -n 20 "$bdir/leadgate-dns.err" >&2
			die "leadgate exited with status $rc (0, 1 or 75 with an output expected)"
		else
			# 75: some domains timed out (the world's timeout kind does), 1: gate
			(( rc == 0 )) || lg_rc_note="leadgate exited with status $rc (output complete; the world has domains that time out)"
			printf 'leadgate\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" \
				"$(awk -v n="$nrows" -v w="$WALL" 'BEGIN { printf "%.1f", n / w }')" \
				"$UB_LOAD" "$(unbound_rss_kb)" "rc=$rc" >>"$results"
			lg_w=$WALL
		fi
		stop_unbound
	fi

	# (b2) leadgate --list: the same run, recorded in a new database
	if (( have_lg && LIST )); then
		start_unbound
		rm -f "$bdir/dns-list.db" "$bdir/dns-list.db-wal" "$bdir/dns-list.db-shm"
		rc=0
		timed /dev/null "$bdir/leadgate-list.err" "$LEADGATE" --db "$bdir/dns-list.db" verify \
			--no-progress --list bench --dns "127.0.0.1:$UB_PORT" --dns-concurrency "$K" \
			--dns-timeout "$MS" --dns-tries "$N" -o /dev/null "$world/contacts.csv" || rc=$?
		(( rc == 0 || rc == 1 || rc == 75 )) ||
			{ tail -n 20 "$bdir/leadgate-list.err" >&2; die "leadgate --list exited with status $rc"; }
		printf 'leadgate-list\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" \
			"$(awk -v n="$nrows" -v w="$WALL" 'BEGIN { printf "%.1f", n / w }')" \
			"$UB_LOAD" "$(unbound_rss_kb)" "rc=$rc" >>"$results"
		say "round $r/$RUNS: leadgate --list ${WALL}s"
		stop_unbound
		rm -f "$bdir/dns-list.db" "$bdir/dns-list.db-wal" "$bdir/dns-list.db-shm"
	fi

	# (c) the peer
	start_unbound
	timed "$peer_json" "$bdir/peer-dns.err" "$PY" "$here/peer_deliverability.py" \
		--dns "127.0.0.1:$UB_PORT" --timeout "$MS" --tries "$N" --limit "$PEER_LIMIT" \
		--truth "$world/truth.tsv" "$world/contacts.csv" ||
		{ cat "$bdir/peer-dns.err" >&2; die "peer_deliverability.py failed"; }
	peer_rps=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows_per_s"])' "$peer_json")
	printf 'peer\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" "$peer_rps" \
		"$UB_LOAD" "$(unbound_rss_kb)" "$(tr -d '\n\t' <"$peer_json")" >>"$results"
	stop_unbound

	say "round $r/$RUNS: raw_dns ${raw_w}s  leadgate ${lg_w}s  peer ${peer_rps} contacts/s"
done

# ---- leadgate's verdicts against the truth ---------------------------------------
agree_txt=$bdir/dns-agreement.txt
if (( have_lg )) && [[ -s $out_lg ]]; then
	"$PY" - "$out_lg" "$world/truth.tsv" >"$agree_txt" <<'EOF'
import collections, csv, sys
out, truth = sys.argv[1:3]
f = open(out, encoding="utf-8", newline="")
r = csv.reader(f)
hdr = next(r)
try:
    ci = [hdr.index(c) for c in ("Email", "verify_status", "verify_reason", "verify_mx")]
except ValueError as e:
    sys.exit("bench-dns: %s: missing column (%s)" % (out, e))
t = open(truth, encoding="utf-8")
n = ok = 0
bad, pairs = [], collections.Counter()
for row in r:
    tl = t.readline()
    if not tl:
        bad.append((n + 1, "(extra output row)", row[ci[0]] if len(row) > ci[0] else "", ""))
        n += 1
        continue
    want = tl.rstrip("\n").split("\t")
    got = [row[i] if i < len(row) else "" for i in ci]
    n += 1
    if got == want:
        ok += 1
    else:
        pairs[("%s/%s" % (want[1], want[2]), "%s/%s" % (got[1], got[2]))] += 1
        if len(bad) < 10:
            bad.append((n, want[0], " ".join(want[1:]), " ".join(got[1:]) if got[0] == want[0]
                        else "email %r " % got[0] + " ".join(got[1:])))
missing = sum(1 for _ in t)
total = n + missing
print("leadgate agrees with truth.tsv (Email, verify_status, verify_reason, verify_mx) on "
      "%d of %d rows (%.4f%%)%s" % (ok, total, 100.0 * ok / max(total, 1),
                                    ", %d truth rows missing from the output" % missing if missing else ""))
for (w, g), c in pairs.most_common(10):
    print("  %8d  expected %s, got %s" % (c, w, g))
if bad:
    print("first disagreements (row: email | expected | got):")
    for b in bad:
        print("  %d: %s | %s | %s" % b)
EOF
	cat "$agree_txt" >&2
else
	echo "${lg_note:-leadgate not measured}" >"$agree_txt"
fi

# ---- report ----------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu ]] || cpu=unknown
lg_version=$("$LEADGATE" --version 2>/dev/null | head -n 1 | grep -i leadgate || true)

"$PY" - "$results" "$nrows" "$ndomains" "$RUNS" "$PEER_LIMIT" "$K" "$MS" "$N" "$RAW_RCVBUF" \
	"$(nproc)" "$(uname -m)" "$cpu" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$pin_note" \
	"${lg_version:-leadgate}" "unbound $(unbound -V 2>/dev/null | head -n 1 | sed "s/^Version //")" "${gen_secs:-}" \
	"$agree_txt" "$lg_rc_note" "$raw_check" "$sum_lg" "$world" "$root" "$WORLD_TIMEOUT_SHARE" \
	>"$bdir/dns_last.md" <<'EOF'
import json, os, statistics as st, sys

(path, rows, ndom, runs, peer_limit, K, MS, N, rcvbuf, ncpu, arch, cpu, date, pin, lgv, ubv,
 gen_secs, agree_txt, lg_rc_note, raw_check, sum_lg, world, root, tshare) = sys.argv[1:]
rows, ndom, runs, peer_limit = int(rows), int(ndom), int(runs), int(peer_limit)
data = {}
for line in open(path):
    tool, _r, wall, rss, rate, ubload, ubrss, extra = line.rstrip("\n").split("\t", 7)
    d = data.setdefault(tool, {"wall": [], "rss": [], "rate": [], "ubload": [], "ubrss": [], "extra": []})
    d["wall"].append(float(wall)); d["rss"].append(int(rss)); d["rate"].append(float(rate))
    d["ubload"].append(float(ubload)); d["ubrss"].append(int(ubrss)); d["extra"].append(extra)

def med(tool, k):
    return st.median(data[tool][k])

def fr(x):
    return "{:,.0f}".format(x)

raw_kv = {}
for extra in data["raw"]["extra"]:
    for kv in extra.split()[1:]:
        k, _, v = kv.partition("=")
        raw_kv.setdefault(k, []).append(float(v))
peer = [json.loads(e) for e in data["peer"]["extra"]]

print("## leadgate DNS benchmark: %s contacts, %s domains, K=%s, timeout %s ms, %s tries"
      % (fr(rows), fr(ndom), K, MS, N))
print()
print("| tool | work | median wall s | rate | peak RSS MB |")
print("|---|---:|---:|---:|---:|")
raw_w = med("raw", "wall")
print("| raw_dns (c-ares 1.18 alone: MX, then A, AAAA; the floor) | %s domains | %.2f | %s domains/s | %.1f |"
      % (fr(ndom), raw_w, fr(ndom / raw_w), max(data["raw"]["rss"]) / 1024.0))
lg = "leadgate" in data
if lg:
    lg_w = med("leadgate", "wall")
    print("| leadgate verify --dns ... -o OUT (whole run, with the output written) | %s rows | %.2f | %s rows/s | %.1f |"
          % (fr(rows), lg_w, fr(rows / lg_w), max(data["leadgate"]["rss"]) / 1024.0))
else:
    print("| leadgate verify --dns ... | not measured | - | - | - |")
if "leadgate-list" in data:
    ll_w = med("leadgate-list", "wall")
    print("| leadgate verify --dns ... --list (recorded in a new database) | %s rows | %.2f | %s rows/s | %.1f |"
          % (fr(rows), ll_w, fr(rows / ll_w), max(data["leadgate-list"]["rss"]) / 1024.0))
peer_r = med("peer", "rate")
print("| peer: python-email-validator, check_deliverability=True, caching resolver | first %s contacts | %.2f | %s contacts/s | %.1f |"
      % (fr(peer_limit), med("peer", "wall"), "{:,.1f}".format(peer_r), max(data["peer"]["rss"]) / 1024.0))
print()
print("| figure | value |")
print("|---|---:|")
if lg:
    print("| leadgate / raw_dns wall time | %.2f x |" % (lg_w / raw_w))
    print("| leadgate rows/s / peer contacts/s | %s x |" % "{:,.0f}".format((rows / lg_w) / peer_r))
if lg and "leadgate-list" in data:
    print("| leadgate --list / leadgate wall time (what the store costs) | %.2f x |" % (ll_w / lg_w))
    print("| leadgate --list / raw_dns wall time | %.2f x |" % (ll_w / raw_w))
print("| raw_dns queries (median) | %s |" % fr(st.median(raw_kv.get("queries", [0]))))
print("| raw_dns domains timed out / per-try timeouts (median) | %s / %s |"
      % (fr(st.median(raw_kv.get("timeout", [0]))), fr(st.median(raw_kv.get("try_timeouts", [0])))))
print("| UDP receive-buffer drops during raw_dns (median, whole host) | %s |"
      % fr(st.median(raw_kv.get("rcvbuf_drops", [0]))))
pt = st.median([p.get("seconds_in_timeouts", 0) for p in peer])
ps = st.median([p.get("seconds", 0) for p in peer])
print("| peer: seconds of its run spent waiting on timeouts (median) | %.1f of %.1f |" % (pt, ps))
if ps > pt:
    print("| peer contacts/s not counting those waits | %s |" % "{:,.0f}".format(peer_limit / (ps - pt)))
allub = [x for t in data.values() for x in t["ubload"]]
print("| unbound start-up with the world loaded, until it answers (median) | %.2f s |" % st.median(allub))
print("| unbound peak RSS after a run (max) | %.0f MB |" % (max(x for t in data.values() for x in t["ubrss"]) / 1024.0))
if gen_secs:
    print("| world generation (this run) | %s s |" % gen_secs)
if lg and os.path.exists(sum_lg):
    try:
        dns = json.load(open(sum_lg)).get("dns")
        if isinstance(dns, dict) and "queries" in dns:
            print("| leadgate DNS queries (its summary) | %s |" % fr(dns["queries"]))
    except Exception:
        pass
print()
print("Checks:")
print()
print("- " + raw_check)
for line in open(agree_txt):
    line = line.rstrip("\n")
    print(("- " + line) if not line.startswith(" ") else "    " + line.strip())
if lg_rc_note:
    print("- " + lg_rc_note)
print("- peer verdict class (valid/invalid/unknown) agrees with the truth on %.2f%% of its rows (information only)"
      % (100.0 * st.median([p.get("agree", 0) / max(p["rows"], 1) for p in peer])))
print()
print("- Medians of %d interleaved rounds (raw_dns, leadgate, peer in each round); every run starts its own"
      " unbound (cold cache) and is timed only once unbound answers. %s." % (runs, pin))
print("- The same K=%s, timeout %s ms and %s tries for all three. c-ares doubles the timeout on each"
      " retry, so a silent domain costs raw_dns and leadgate %s ms; the peer's dnspython resolver has"
      " timeout %s ms and lifetime %s ms. raw_dns socket receive buffer: %s."
      % (K, MS, N, sum(int(MS) << i for i in range(int(N))), MS, int(MS) * int(N),
         "c-ares default" if rcvbuf == "0" else rcvbuf + " bytes"))
print("- World: %s (bench/gen_world.py --seed 1 --timeout-share %s: that percent of the domains never answer); truth in truth.tsv, kinds in kinds.tsv."
      % (os.path.relpath(world, root), tshare))
print("- %s; %s; peer: %s." % (lgv, ubv, peer[0].get("library", "email_validator")))
print("- Machine: %s CPUs (nproc), %s, %s. Date: %s." % (ncpu, arch, cpu, date))
EOF

cat "$bdir/dns_last.md"
say "table written to $bdir/dns_last.md; per-run figures in $results"
