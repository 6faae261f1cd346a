# bench/lib.sh - shell helpers that bench/run.sh and bench/run_dns.sh share.
# Source it after setting PIN (a command prefix array, possibly empty) and
# tfile (a scratch file for /usr/bin/time).

# timed STDOUT STDERR CMD... : runs CMD pinned under /usr/bin/time; sets
# WALL (seconds, from the ns clock around it) and RSS_KB.  Returns CMD's
# exit status.
timed() {
	local so=$1 se=$2 rc=0 t0 t1
	shift 2
	sync
	t0=$(date +%s%N)
	"${PIN[@]}" /usr/bin/time -f '%e %M' -o "$tfile" "$@" >"$so" 2>"$se" || rc=$?
	t1=$(date +%s%N)
	WALL=$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.4f", d / 1e9 }')
	RSS_KB=$(tail -n 1 "$tfile" | awk '{ print $2 }')
	[[ $RSS_KB =~ ^[0-9]+$ ]] || RSS_KB=0
	return $rc
}
