#!/bin/sh
# merge.sh BUILD_DIR HARNESS... - minimise each checked-in corpus
# fuzz/corpus/NAME with what `make fuzz-run` found in BUILD_DIR/corpus/NAME
# (libFuzzer's -merge=1: the fewest inputs that keep every edge covered;
# -use_counters=0 leaves out how often each edge runs, which would keep
# ten times the inputs), then put the result in place of fuzz/corpus/NAME.
# fuzz/seeds/NAME is read but never changed.
set -u
b=$1
shift
for h in "$@"; do
	name=${h#fuzz_}
	new=$b/merge/$name
	rm -rf "$new" && mkdir -p "$new" "$b/corpus/$name" "fuzz/corpus/$name" || exit 1
	dirs="fuzz/corpus/$name $b/corpus/$name"
	[ -d "fuzz/seeds/$name" ] && dirs="$dirs fuzz/seeds/$name"
	"$b/fuzz/$h" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 "$new" $dirs \
		>"$b/merge/$name.log" 2>&1 || { tail -n 20 "$b/merge/$name.log"; exit 1; }
	# Inputs kept by hand stay in fuzz/seeds only.
	[ -d "fuzz/seeds/$name" ] && for f in "fuzz/seeds/$name"/*; do
		rm -f "$new/$(sha1sum <"$f" | cut -d' ' -f1)"
	done
	rm -rf "fuzz/corpus/$name" && mv "$new" "fuzz/corpus/$name" || exit 1
	echo "fuzz/corpus/$name: $(ls "fuzz/corpus/$name" | wc -l) inputs," \
		"$(cat "fuzz/corpus/$name"/* </dev/null | wc -c) bytes"
done
