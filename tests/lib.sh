# lib.sh - what the shell tests (store.sh, scoring.sh) share: counting
# checks and the check helpers.  Source it after setting t (the test's
# temporary directory: exits leaves a command's output in $t/out and
# $t/err).
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
eq() { # eq NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: got '$2', want '$3'"; fi
}
exits() { # exits CODE NAME COMMAND...: COMMAND exits CODE; output in $t/out, $t/err
	want=$1 name=$2; shift 2
	"$@" >"$t/out" 2>"$t/err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else
		notok "$name: exit $got, want $want"
		sed 's/^/#   /' "$t/err" | head -n 5
	fi
}
sq() { sqlite3 -batch "$db" "$1" 2>&1; } # one query on the database $db
