#!/usr/bin/env bash
# bench/run_jobs.sh [RUNS] - a bulk job of `leadgate serve` against the
# command line doing the same work (see bench/README.md, "Bulk jobs").
#
# On the DNS benchmark's world (bench/gen_world.py --seed 1: 1,000,000
# contacts on 200,000 domains, made by bench/run_list_cost.sh's rules, in
# build/bench/list-cost/world; WORLD_TIMEOUT_SHARE=0 for the
# throughput-bound one), RUNS interleaved rounds (default 3) of
#
#   cli   leadgate verify --dns ... --list world -o results.csv
#         (a new database, a freshly started unbound), timed with its peak
#         RSS;
#   job   leadgate serve --dns ... (a new database, a freshly started
#         unbound), then POST /v1/jobs?list=world with the same file, GET
#         /v1/jobs/ID until it is done, and GET its results as CSV: the
#         wall time from the POST to the end of the download, and the
#         server's peak RSS (VmHWM) over the whole run.
#
# The job's results are compared with the command line's output, every
# round: the same cells but verified_at (when each DNS answer came).  Then, once: a CSV of about UPLOAD_MB MiB (default
# 1024; the world's rows, repeated) is POSTed with `curl -T` (streamed),
# and the server's resident memory is sampled every 50 ms while the body
# comes in; the job is then cancelled (RUNS 0: that alone).  Prints a Markdown table of medians,
# also written to build/bench/jobs_last.md; per-run figures in
# build/bench/jobs-results.tsv.
#
# Environment: LEADGATE, PYTHON (/usr/bin/python3), K (256), MS (2000),
# N (2), WORLD_ROWS (1000000), WORLD_DOMAINS (200000), WORLD_TIMEOUT_SHARE
# (0.5), UPLOAD_MB (1024; 0 skips the upload), PIN_CPUS (1: unbound on CPU
# 0, leadgate on CPU 1; 0: none).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

die() { echo "bench-jobs: $*" >&2; exit 1; }
say() { echo "bench-jobs: $*" >&2; }

RUNS=${1:-3}
LG=${LEADGATE:-$root/build/leadgate}
UPLOAD_MB=${UPLOAD_MB:-1024}

[[ $RUNS =~ ^[0-9]+$ ]] || die "RUNS must be a number (0: the upload only)"
[[ $UPLOAD_MB =~ ^[0-9]+$ ]] || die "UPLOAD_MB must be a number of MiB"
[[ -x $LG ]] || die "$LG not found: build it (make), or set LEADGATE=..."
command -v curl >/dev/null || die "curl is missing: apt-get install curl"

source "$here/lib.sh" # timed, start_unbound, stop_unbound, pin_cpus, world_*
world_setup
pin_cpus
bdir=$root/build/bench
cdir=$bdir/list-cost
jdir=$bdir/jobs
mkdir -p "$jdir"
UB_PID="" UB_PORT="" SRV=""
ubconf=$jdir/unbound.conf
ublog=$jdir/unbound.log
# shellcheck disable=SC2034 # tfile is bench/lib.sh's
tfile=$jdir/time.out
world_ensure "$cdir"
contacts=$world/contacts.csv
conf=$jdir/serve.conf
# No rate limit, and one job at a time, as the command line runs one.
printf '[serve]\nrate = 1000000\nburst = 1000000\nmax_jobs = 1\n' >"$conf"

stop_server() {
	if [[ -n $SRV ]]; then
		kill "$SRV" 2>/dev/null || true
		wait "$SRV" 2>/dev/null || true
		SRV=""
	fi
}
trap 'stop_server; stop_unbound' EXIT
trap 'exit 130' INT TERM HUP

db=$jdir/bench.db
rmdb() { rm -rf "$1" "$1-wal" "$1-shm" "$1.jobs"; }
dnsopts() { echo --dns "127.0.0.1:$UB_PORT" --dns-concurrency "$K" --dns-timeout "$MS" --dns-tries "$N"; }

# start_server [DNS options...]: a server on a new database; sets SRV, URL, KEY
start_server() {
	rmdb "$db"
	KEY=$("$LG" --db "$db" keys create --name bench --scope jobs 2>/dev/null | tail -n 1)
	[[ -n $KEY ]] || die "keys create made no key"
	"${PIN[@]}" "$LG" --db "$db" --now "$T0" serve --listen 127.0.0.1:0 -c "$conf" "$@" \
		>"$jdir/serve.out" 2>"$jdir/serve.err" &
	SRV=$!
	URL=""
	for _ in $(seq 100); do
		URL=$(sed -n 's/^leadgate: serve: listening on \(127\.0\.0\.1:[0-9]*\).*/http:\/\/\1/p' \
			"$jdir/serve.err")
		[[ -n $URL ]] && break
		kill -0 "$SRV" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $URL ]] || { cat "$jdir/serve.err" >&2; die "leadgate serve did not start"; }
}

# job_status ID: the job's status (curl and sed only: a poll costs little
# CPU beside the job)
job_status() {
	curl -s -H "Authorization: Bearer $KEY" "$URL/v1/jobs/$1" |
		sed -n 's/^{"id":[0-9]*,"status":"\([a-z]*\)".*/\1/p'
}

results=$jdir/results.tsv
: >"$results"
cat "$contacts" >/dev/null # the page cache, warm for every run alike
for (( r = 1; r <= RUNS; r++ )); do
	say "round $r: the command line"
	start_unbound || die "unbound did not start (see $ublog)"
	rmdb "$db"
	rc=0
	# shellcheck disable=SC2046 # dnsopts is words
	timed /dev/null "$jdir/cli.err" "$LG" --db "$db" --now "$T0" verify -c "$conf" \
		--no-progress -q --list world -o "$jdir/cli.csv" $(dnsopts) "$contacts" || rc=$?
	[[ $rc -eq 0 || $rc -eq 1 ]] || { tail -n 5 "$jdir/cli.err" >&2; die "verify exited $rc"; }
	printf 'cli\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" "$CPU_S" >>"$results"
	stop_unbound

	say "round $r: the bulk job"
	start_unbound || die "unbound did not start (see $ublog)"
	# shellcheck disable=SC2046
	start_server $(dnsopts)
	t0=$(date +%s%N)
	id=$(curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: text/csv' -T "$contacts" \
		-X POST "$URL/v1/jobs?list=world" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["id"])') ||
		die "POST /v1/jobs failed"
	while :; do
		s=$(job_status "$id")
		case $s in
		queued | running) sleep 0.1 ;;
		done) break ;;
		*) die "job $id ended $s" ;;
		esac
	done
	curl -s -f -o "$jdir/job.csv" -H "Authorization: Bearer $KEY" \
		"$URL/v1/jobs/$id/results?format=csv" || die "GET its results failed"
	t1=$(date +%s%N)
	rss=$(awk '/VmHWM/ { print $2 }' "/proc/$SRV/status")
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SRV/stat")
	stop_server
	stop_unbound
	# The same bytes but verified_at, the time each DNS answer came
	"$PY" - "$jdir/cli.csv" "$jdir/job.csv" <<'PY' || die "round $r: the job's results differ from verify's"
import csv, sys
a, b = (csv.reader(open(f, newline="", encoding="utf-8", errors="surrogateescape")) for f in sys.argv[1:])
n = 0
for x, y in zip(a, b):
    if x[:-1] != y[:-1]:
        sys.exit("row %d differs: %r / %r" % (n, x, y))
    n += 1
if next(a, None) is not None or next(b, None) is not None:
    sys.exit("not as many rows")
PY
	printf 'job\t%s\t%s\t%s\t%s\n' "$r" "$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.4f", d / 1e9 }')" \
		"$rss" "$cpu" >>"$results"
done

up=""
if (( UPLOAD_MB > 0 )); then
	big=$jdir/upload.csv
	if [[ ! -s $big ]] || (( $(stat -c %s "$big") < UPLOAD_MB * 1048576 )); then
		say "making a $UPLOAD_MB MiB CSV from the world's rows ..."
		body=$(( $(stat -c %s "$contacts") - $(head -n 1 "$contacts" | wc -c) ))
		{
			cat "$contacts"
			for (( i = body; i < UPLOAD_MB * 1048576; i += body )); do
				tail -n +2 "$contacts"
			done
		} >"$big"
	fi
	say "the upload: $(( $(stat -c %s "$big") / 1048576 )) MiB"
	start_server --dns 127.0.0.1:9 # never asked: the job is cancelled at once
	rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$SRV/status")
	curl -s -o "$jdir/upload.out" -H "Authorization: Bearer $KEY" -H 'Content-Type: text/csv' \
		-T "$big" -X POST "$URL/v1/jobs" &
	cpid=$!
	peak=$rss0
	while kill -0 "$cpid" 2>/dev/null; do
		v=$(awk '/VmRSS/ { print $2 }' "/proc/$SRV/status")
		(( v > peak )) && peak=$v
		sleep 0.05
	done
	wait "$cpid" || die "the upload failed"
	id=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$jdir/upload.out") ||
		die "the upload made no job: $(head -c 300 "$jdir/upload.out")"
	curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $KEY" "$URL/v1/jobs/$id"
	stop_server
	rmdb "$db"
	up="$(stat -c %s "$big")	$rss0	$peak"
fi

"$PY" - "$results" "$RUNS" "$up" <<'EOF' | tee "$bdir/jobs_last.md"
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
med = lambda name, col: statistics.median(float(r[col]) for r in rows if r[0] == name)
if rows:
  cw, jw, cr, jr = med("cli", 2), med("job", 2), med("cli", 3) / 1024, med("job", 3) / 1024
  cc, jc = med("cli", 4), med("job", 4)
  print("| run (median of %s interleaved rounds) | wall s | peak RSS MB | leadgate CPU s |" % sys.argv[2])
  print("|---|---:|---:|---:|")
  print("| `verify --list world -o results.csv` | %.2f | %.0f | %.2f |" % (cw, cr, cc))
  print("| POST /v1/jobs?list=world, until done, and GET its results | %.2f | %.0f | %.2f |" % (jw, jr, jc))
  print("| job / command line | **%.2f** | %+.0f MB | %.2f |" % (jw / cw, jr - cr, jc / cc))
if sys.argv[3]:
    size, rss0, peak = (int(x) for x in sys.argv[3].split("\t"))
    print()
    print("An upload of %d MiB (curl -T, streamed): the server's resident memory %.1f MB "
          "before, %.1f MB at most while it came in (+%.1f MB)." % (
              size >> 20, rss0 / 1024, peak / 1024, (peak - rss0) / 1024))
EOF
