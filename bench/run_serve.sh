#!/usr/bin/env bash
# bench/run_serve.sh [RUNS] - POST /v1/verify of `leadgate serve` against
# its raw limit, a bare libmicrohttpd server (bench/bare_mhd.c) answering a
# fixed body of the same size, with wrk at 1, 32 and 256 connections, in
# interleaved rounds (see bench/README.md, "The service").
#
# The address's domain is in the server's cache (one request first), so
# what is measured is the service's own cost per request: HTTP, the key
# and its rate bucket, the JSON body, the offline checks, the verdict and
# its row.  Each server runs on CPU 0 and wrk on CPU 1 (taskset), one
# thread each.  Prints a Markdown table of medians (requests/s, p50, p99),
# also written to build/bench/serve_last.md.
#
# Environment: DUR (wrk seconds a run, 10), CONNS ("1 32 256"), LEADGATE
# (build/leadgate), CC (gcc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
die() { echo "bench-serve: $*" >&2; exit 1; }
say() { echo "bench-serve: $*" >&2; }

RUNS=${1:-3}
DUR=${DUR:-10}
CONNS=${CONNS:-"1 32 256"}
LG=${LEADGATE:-$root/build/leadgate}
CC=${CC:-gcc}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ -x $LG ]] || die "$LG not found: build it (make)"
command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk (make bench-deps)"
command -v curl >/dev/null || die "curl is missing: apt-get install curl"

d=$root/build/bench/serve
rm -rf "$d"
mkdir -p "$d"
"$CC" -O2 -o "$d/bare_mhd" "$here/bare_mhd.c" $(pkg-config --cflags --libs libmicrohttpd) ||
	die "cannot build bench/bare_mhd.c (libmicrohttpd-dev)"

PIN_S=() PIN_C=()
if command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
	PIN_S=(taskset -c 0)
	PIN_C=(taskset -c 1)
fi

DNS_PORT="" SRV="" BARE=""
cleanup() {
	[[ -n $SRV ]] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[[ -n $BARE ]] && kill "$BARE" 2>/dev/null && wait "$BARE" 2>/dev/null
	[[ -n $DNS_PORT ]] && sh "$root/tests/dnsd.sh" stop "$d/dns" >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

DNS_PORT=$(sh "$root/tests/dnsd.sh" start "$d/dns" "$root/samples/samples.zone") ||
	die "the test DNS server did not start"

db=$d/lg.db
KEY=$("$LG" --db "$db" keys create --name bench --scope verify 2>/dev/null | tail -n 1)
[[ -n $KEY ]] || die "keys create made no key"
printf '[serve]\nrate = 1000000\nburst = 1000000\nmax_connections = 1024\nper_ip_connections = 0\n' \
	>"$d/serve.conf"
"${PIN_S[@]}" "$LG" --db "$db" serve --listen 127.0.0.1:0 --config "$d/serve.conf" \
	--dns "127.0.0.1:$DNS_PORT" >"$d/serve.out" 2>"$d/serve.err" &
SRV=$!
url=""
for _ in $(seq 100); do
	url=$(sed -n 's/^leadgate: serve: listening on \(127\.0\.0\.1:[0-9]*\).*/http:\/\/\1/p' "$d/serve.err")
	[[ -n $url ]] && break
	kill -0 "$SRV" 2>/dev/null || break
	sleep 0.1
done
[[ -n $url ]] || { cat "$d/serve.err" >&2; die "leadgate serve did not start"; }
export KEY BODY='{"email":"maria.garcia@northwind-traders.com"}'
warm=$(curl -s -H "Authorization: Bearer $KEY" -d "$BODY" "$url/v1/verify")
grep -q '"verify_status":"deliverable"' <<<"$warm" || die "the warm-up request did not verify: $warm"

bport=$(( 30000 + RANDOM % 20000 ))
"${PIN_S[@]}" "$d/bare_mhd" "$bport" 2>"$d/bare.err" &
BARE=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$bport/" && break; sleep 0.1; done
bare=http://127.0.0.1:$bport

res=$d/results.tsv
: >"$res"
# one NAME URL CONNS KEY: a wrk run; its requests/s, p50 and p99 (ms) into res
one() {
	local name=$1 u=$2 c=$3 out
	out=$(KEY=$4 "${PIN_C[@]}" wrk -t 1 -c "$c" -d "${DUR}s" --latency -s "$here/verify.lua" \
		"$u/v1/verify" 2>&1) || die "wrk failed: $out"
	grep -q 'Non-2xx' <<<"$out" && die "$name: answers other than 2xx: $out"
	printf '%s\t%s\t%s\n' "$name" "$c" "$(awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
				 if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec:/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
		END { printf "%s\t%.3f\t%.3f", rps, p50, p99 }' <<<"$out")" >>"$res"
}
for (( r = 1; r <= RUNS; r++ )); do
	for c in $CONNS; do
		say "round $r: $c connection(s)"
		one bare "$bare" "$c" ""
		one leadgate "$url" "$c" "$KEY"
	done
done
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$SRV/status")

python3 - "$res" "$RUNS" "$DUR" "$rss" <<'PY' | tee "$root/build/bench/serve_last.md"
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
med = lambda name, c, col: statistics.median(float(r[col]) for r in rows if r[0] == name and r[1] == c)
print("POST /v1/verify, a cached domain: medians of %s interleaved rounds of %s s each; "
      "leadgate serve's peak RSS %d MB" % (sys.argv[2], sys.argv[3], int(sys.argv[4]) // 1024))
print()
print("| connections | bare libmicrohttpd req/s | leadgate req/s | leadgate / bare | bare p50 ms | leadgate p50 ms | bare p99 ms | leadgate p99 ms |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in sorted({r[1] for r in rows}, key=int):
    b, l = med("bare", c, 2), med("leadgate", c, 2)
    print("| %s | %.0f | %.0f | **%.2f** | %.3f | %.3f | %.3f | %.3f |" % (
        c, b, l, l / b, med("bare", c, 3), med("leadgate", c, 3), med("bare", c, 4), med("leadgate", c, 4)))
PY
