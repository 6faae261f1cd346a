#!/bin/sh
# run.sh BUILD_DIR SECONDS HARNESS... - run each libFuzzer harness of fuzz/
# for SECONDS on its corpus (what `make fuzz-run` does); print its execs/s,
# and at the end one line "fuzz: N passed, N failed".
#
# A harness reads fuzz/corpus/NAME (the checked-in, minimised corpus) and
# fuzz/seeds/NAME (inputs kept by hand, if any) and writes what it finds to
# BUILD_DIR/corpus/NAME, so the tree stays clean.  A crash, a leak, a
# broken promise or an input slower than FUZZ_TIMEOUT seconds (default 10)
# fails the harness: its report is printed and the input is left in
# BUILD_DIR/crashes/NAME/, whose path the output gives.  FUZZ_RSS_MB
# (default 2048) bounds memory.
set -u
b=$1 secs=$2
shift 2
timeout=${FUZZ_TIMEOUT:-10} rss=${FUZZ_RSS_MB:-2048}
[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] &&
	export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
export UBSAN_OPTIONS=print_stacktrace=1
pass=0 fail=0 table=
for h in "$@"; do
	name=${h#fuzz_}
	bin=$b/fuzz/$h work=$b/corpus/$name crashes=$b/crashes/$name log=$b/logs/$name.log
	mkdir -p "$work" "$crashes" "$b/logs"
	dirs=$work
	[ -d "fuzz/corpus/$name" ] && dirs="$dirs fuzz/corpus/$name"
	[ -d "fuzz/seeds/$name" ] && dirs="$dirs fuzz/seeds/$name"
	echo "== $bin, ${secs} s"
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb="$rss" \
		-print_final_stats=1 -artifact_prefix="$crashes/" $dirs >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)) verdict=ok
	else
		fail=$((fail + 1)) verdict=FAILED
		grep -E -A40 '^==[0-9]+==ERROR|^SUMMARY|promise broken|runtime error|ALARM|out-of-memory' \
			"$log" | head -n 80
		art=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -n 1)
		echo "FAILED: $h (exit $rc); the input: ${art:-none written}; the log: $log"
		echo "reproduce: $bin ${art:-INPUT}"
	fi
	echo "$h: $verdict, ${took} s, ${execs:-0} execs, ${rate:-0} execs/s, cov ${cov:-?}"
	table="$table$(printf '%-22s %-6s %5s s %10s execs %7s execs/s' "$h" "$verdict" "$took" \
		"${execs:-0}" "${rate:-0}")
"
done
echo
printf '%s' "$table"
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
