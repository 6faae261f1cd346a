# lib.sh - what the shell tests share: counting checks and the check
# helpers (store.sh, scoring.sh, keys.sh), then the setup of the suites
# of `leadgate serve` and their HTTP helpers.  The helpers use $t (the
# test's temporary directory: exits leaves a command's output in $t/out
# and $t/err).
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
check() { # check NAME COMMAND...: COMMAND succeeds
	name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

# ---- the suites of `leadgate serve` ----------------------------------------
# serve.sh, serve_lists.sh, serve_push.sh, serve_jobs.sh, serve_page.sh and
# serve_contact.sh: unbound on a loopback port (tests/dnsd.sh), API keys
# made with `leadgate keys create`, servers on free loopback ports, and
# everything stopped by PID when the suite exits.  A suite begins
#
#	. tests/lib.sh
#	suite_init lg-NAME "$@"
#	srv= srv2=			# the PIDs of the servers running
#	trap 'serve_cleanup $srv $srv2' EXIT
#	need curl python3
#
# and sets $db and $now before it makes keys or starts a server.

# suite_init TMPNAME [LEADGATE]: $lg the binary (absolute: the suites
# run it from other directories too), $t a new temporary directory
suite_init() {
	lg=${2:-build/leadgate}
	case $lg in /*) ;; *) lg=$(pwd)/$lg ;; esac
	t=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
}
need() { # need TOOL...: each is installed, or the suite ends here
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			{ echo "${0##*/}: $tool is not installed (make deps)"; exit 1; }
	done
}
# serve_cleanup PID...: stop these servers (by PID: the trap names the
# ones still running), the DNS server and remove $t
serve_cleanup() {
	for p in "$@"; do kill "$p" 2>/dev/null; done
	sh tests/dnsd.sh stop "$t/dns"
	rm -rf "$t"
}

# dns_zone FILE RECORD...: a root zone holding only RECORDs (every other
# name is NXDOMAIN), for dns_start
dns_zone() {
	f=$1; shift
	# shellcheck disable=SC2016 # $TTL is the zone file's own
	printf '$TTL 3600\n. SOA ns.fixture. hostmaster.fixture. 1 3600 600 86400 300\n. NS ns.fixture.\nns.fixture. A 127.0.0.1\n' >"$f"
	for r in "$@"; do echo "$r" >>"$f"; done
}
# dns_start ZONEFILE: unbound in $t/dns answering from ZONEFILE; its port
# in $port, the options that make leadgate ask it in $dns
dns_start() {
	port=$(sh tests/dnsd.sh start "$t/dns" "$1") || exit 1
	dns="--dns 127.0.0.1:$port --dns-timeout 300 --dns-tries 2"
}

# key_make VAR NAME SCOPES: a new API key in $db named NAME, its secret in
# the variable VAR; the suite ends if none was made
key_make() {
	k=$("$lg" --db "$db" keys create --name "$2" --scope "$3" 2>/dev/null | tail -n 1)
	[ -n "$k" ] || { echo "${0##*/}: keys create made no key"; exit 1; }
	eval "$1=\$k"
}

# serve_start NAME CONFIG [SERVE_ARGS...]: `leadgate serve` on $db at $now
# with the DNS server, on a free loopback port (--listen 127.0.0.1:0: it
# says which); CONFIG is a configuration file or "" for none.  Its PID in
# $pid, its address in $addr and as http://$addr in $url, its output in
# $t/NAME.out and its log in $t/NAME.err.  The suite ends if it does not
# start.
serve_start() {
	sname=$1 sconf=$2; shift 2
	# shellcheck disable=SC2086 # $dns is words
	"$lg" --db "$db" --now "$now" serve --listen 127.0.0.1:0 ${sconf:+--config "$sconf"} $dns "$@" \
		>"$t/$sname.out" 2>"$t/$sname.err" &
	pid=$!
	addr=
	i=0
	while [ $i -lt 100 ] && [ -z "$addr" ]; do
		addr=$(sed -n 's/^leadgate: serve: listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$t/$sname.err" 2>/dev/null)
		[ -n "$addr" ] || { kill -0 $pid 2>/dev/null || break; sleep 0.1; }
		i=$((i + 1))
	done
	[ -n "$addr" ] || { echo "${0##*/}: the server did not start:"; cat "$t/$sname.err"; exit 1; }
	url=http://$addr
}
serve_stop() { # serve_stop PID: SIGTERM, and wait for the exit; its status
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# req NAME WANT_STATUS CURL_ARGS...: the status is WANT; body in $t/body,
# headers in $t/head
req() {
	name=$1 want=$2; shift 2
	got=$(curl -s -o "$t/body" -D "$t/head" -w '%{http_code}' "$@")
	if [ "$got" = "$want" ]; then ok "$name ($got)"; else
		notok "$name: status $got, want $want"
		{ head -c 300 "$t/body"; echo; } | sed '/^$/d; s/^/#   /'
	fi
}
auth() { echo "Authorization: Bearer $1"; } # auth KEY: the header that presents it
hdr() { # hdr NAME: the value of the header NAME in $t/head
	grep -i "^$1:" "$t/head" | head -n 1 | cut -d: -f2- | sed 's/^ *//' | tr -d '\r'
}
# errcode CODE: $t/body is {"error": {"code": CODE, "message": ...}} and
# nothing more, the message not empty
errcode() {
	got=$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert set(e) == {"code", "message"} and isinstance(e["message"], str) and e["message"]
print(e["code"])' "$t/body" 2>&1)
	eq "error body $1" "$got" "$1"
}

# ---- waiting for a state, and the database's write lock held -------------

# await NAME COMMAND...: poll COMMAND (at most 300 times, 0.1 s apart)
# until it succeeds; the check is that it does
# hookd_start NAME PORT SECRET: tests/hookd.py on 127.0.0.1:PORT (0: any),
# logging each request to $t/NAME.log and checking its Standard Webhooks
# signature with SECRET; waits until it is ready (5 s at most).  Sets
# hookpid, and hookport (empty when it did not start: $t/NAME.err says why).
hookd_start() {
	python3 tests/hookd.py --port "$2" --log "$t/$1.log" --secret "$3" >"$t/$1.port" 2>"$t/$1.err" &
	hookpid=$!
	hi=0
	while [ $hi -lt 50 ] && ! grep -q '^ready' "$t/$1.port" 2>/dev/null; do
		sleep 0.1
		hi=$((hi + 1))
	done
	hookport=$(sed -n 's/^ready //p' "$t/$1.port")
}
await() {
	aname=$1; shift
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -lt 300 ] || { notok "$aname: never"; return 1; }
		sleep 0.1
	done
	ok "$aname"
}
# hold_lock: another process takes $db's write lock (BEGIN
# IMMEDIATE) and keeps it until release_lock (50 s at most); sets holder
hold_lock() {
	rm -f "$t/locked" "$t/release"
	python3 - "$db" "$t" <<'PY' &
import os, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
con.execute("BEGIN IMMEDIATE")
open(os.path.join(sys.argv[2], "locked"), "w").close()
end = time.monotonic() + 50
while not os.path.exists(os.path.join(sys.argv[2], "release")) and time.monotonic() < end:
    time.sleep(0.02)
con.execute("ROLLBACK")
PY
	holder=$!
	await "another process holds the write lock" test -e "$t/locked"
}
release_lock() {
	: >"$t/release"
	wait "$holder"
}

# ---- the scripted SMTP server (tests/smtpd.py) --------------------------

# smtp_cert DIR: a self-signed certificate for STARTTLS (CN mx.test, one
# day) in DIR/cert.pem, its key in DIR/key.pem; the suite ends if openssl
# made none
smtp_cert() {
	mkdir -p "$1"
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=mx.test -keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1; then
		echo "${0##*/}: openssl made no certificate"
		exit 1
	fi
}
# smtpd_start SCRIPT [SMTPD_ARGS...]: tests/smtpd.py playing SCRIPT on a
# free port of the script's addresses, logging to $t/smtpd.log; its PID in
# $smtpd_pid, its port in $smtp_port (and the SOCKS5 proxy's, with
# "--socks 0", in $socks_port), its errors in $t/smtpd.err.  The suite ends
# if it does not start.
smtpd_start() {
	sscript=$1; shift
	python3 tests/smtpd.py --script "$sscript" --log "$t/smtpd.log" --port 0 "$@" \
		>"$t/smtpd.out" 2>"$t/smtpd.err" &
	smtpd_pid=$!
	sready=
	i=0
	while [ $i -lt 100 ] && [ -z "$sready" ]; do
		sready=$(sed -n 's/^ready //p' "$t/smtpd.out" 2>/dev/null)
		[ -n "$sready" ] || { kill -0 $smtpd_pid 2>/dev/null || break; sleep 0.1; }
		i=$((i + 1))
	done
	[ -n "$sready" ] || { echo "${0##*/}: smtpd.py did not start:"; cat "$t/smtpd.err"; exit 1; }
	smtp_port=${sready%% *}
	socks_port=
	case $sready in *" socks "*) socks_port=${sready##* } ;; esac
}
smtpd_stop() { # smtpd_stop: SIGTERM to the server, and wait for its exit
	[ -n "${smtpd_pid:-}" ] || return 0
	kill "$smtpd_pid" 2>/dev/null
	wait "$smtpd_pid" 2>/dev/null
	smtpd_pid=
}
