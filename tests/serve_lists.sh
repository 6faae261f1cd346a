#!/bin/sh
# serve_lists.sh LEADGATE - the lists routes of `leadgate serve`, /metrics
# and TLS, through a real HTTP client (curl): lists verified with `verify
# --list` against unbound on a loopback port (tests/dnsd.sh), each answer
# held against what the command line prints for the same database.  The
# server runs on a free loopback port and is stopped by PID.  Prints
# "N passed, N failed" last.
set -u
lg=${1:-build/leadgate}
case $lg in /*) ;; *) lg=$(pwd)/$lg ;; esac
t=$(mktemp -d /tmp/lg-serve-lists.XXXXXX)
srv=
stop_all() {
	for p in $srv; do kill "$p" 2>/dev/null; done
	sh tests/dnsd.sh stop "$t/dns"
	rm -rf "$t"
}
trap stop_all EXIT
trap 'exit 130' INT TERM HUP
. tests/lib.sh

for tool in curl python3 openssl sqlite3; do
	command -v $tool >/dev/null 2>&1 || { echo "serve_lists.sh: $tool is not installed (make deps)"; exit 1; }
done

# No configuration but the tests' own, no default database.
: >"$t/empty.conf"
export LEADGATE_CONFIG="$t/empty.conf" XDG_CONFIG_HOME="$t/xdg" XDG_DATA_HOME="$t/xdg"
unset LEADGATE_DB

cp samples/samples.zone "$t/zone"
cp samples/samples.zone.conf "$t/zone.conf"
port=$(sh tests/dnsd.sh start "$t/dns" "$t/zone") || exit 1
dns="--dns 127.0.0.1:$port --dns-timeout 300 --dns-tries 2"
now=2026-11-22T09:00:00Z
db=$t/lg.db
L="--db $db --now $now"
# [gate] at 10%: the samples' list passes; one where nothing may be sent
# is blocked all the same.
printf '[gate]\nthreshold = 10%%\n[serve]\nrate = 1000\nburst = 1000\ntimeout = 5\n' >"$t/serve.conf"
C="-c $t/serve.conf"

# --- the lists: q4 passes, nomail (every address at a null MX) is blocked -
"$lg" $L verify $dns $C --no-progress --list q4 -o "$t/q4.csv" samples/contacts.csv 2>"$t/err" ||
	{ echo "serve_lists.sh: verify --list q4 failed:"; cat "$t/err"; exit 1; }
printf 'email,name\nann@litware.com.mx,Ann\nbob@litware.com.mx,Bob\n' >"$t/nomail.csv"
"$lg" $L verify $dns $C --no-progress --list nomail -o "$t/nomail.out.csv" "$t/nomail.csv" 2>"$t/err"
[ $? -le 1 ] || { echo "serve_lists.sh: verify --list nomail failed:"; cat "$t/err"; exit 1; }
for n in a1 a2 a3; do
	"$lg" $L verify $dns $C --no-progress --list $n -o "$t/$n.csv" "$t/nomail.csv" 2>/dev/null
done

key() { # key NAME SCOPES: a new key, its secret on stdout
	"$lg" --db "$db" keys create --name "$1" --scope "$2" 2>/dev/null | tail -n 1
}
k_lists=$(key reader lists)
k_verify=$(key ci verify)
k_admin=$(key root admin)
[ -n "$k_lists" ] && [ -n "$k_verify" ] && [ -n "$k_admin" ] ||
	{ echo "serve_lists.sh: keys create made no key"; exit 1; }
# The twin: the same database, for an export compared with the command's
# (an export for a sequence records what it sent, so each gets its own).
sqlite3 -batch "$db" ".backup '$t/twin.db'"

# start NAME ARGS...: a server on a free port; its PID in $pid, its
# address in $addr, its log in $t/NAME.err
start() {
	sname=$1; shift
	"$lg" --db "$db" --now "$now" serve --listen 127.0.0.1:0 $C $dns "$@" \
		>"$t/$sname.out" 2>"$t/$sname.err" &
	pid=$!
	addr=
	i=0
	while [ $i -lt 100 ] && [ -z "$addr" ]; do
		addr=$(sed -n 's/^leadgate: serve: listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$t/$sname.err")
		[ -n "$addr" ] || { kill -0 $pid 2>/dev/null || break; sleep 0.1; }
		i=$((i + 1))
	done
	[ -n "$addr" ] || { echo "serve_lists.sh: the server did not start:"; cat "$t/$sname.err"; exit 1; }
}
stop() { # stop PID: SIGTERM, and it exits 0 (under the sanitizers: nothing leaked)
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	eq "the server ($sname) exits 0 on SIGTERM" "$?" 0
	srv=
}

# req NAME WANT_STATUS CURL_ARGS...: the status is WANT; body in $t/body,
# headers in $t/head
req() {
	name=$1 want=$2; shift 2
	got=$(curl -s -o "$t/body" -D "$t/head" -w '%{http_code}' "$@")
	if [ "$got" = "$want" ]; then ok "$name ($got)"; else
		notok "$name: status $got, want $want"
		head -c 300 "$t/body" | sed 's/^/#   /'
	fi
}
errcode() { # errcode CODE: $t/body is an error with that code
	got=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["error"]["code"])' \
		"$t/body" 2>&1)
	eq "error body $1" "$got" "$1"
}
# samejson NAME A B: A and B hold the same JSON value
samejson() {
	if python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$2" "$3"; then
		ok "$1"; else notok "$1"; diff "$2" "$3" | head -n 5 | sed 's/^/#   /'; fi
}
hdr() { grep -i "^$1:" "$t/head" | head -n 1 | cut -d: -f2- | sed 's/^ //' | tr -d '\r'; }
auth() { echo "Authorization: Bearer $1"; }

start main
srv=$pid url=http://$addr
A="-H"

# --- GET /v1/lists -----------------------------------------------------------
req "lists without a key" 401 "$url/v1/lists"
errcode unauthorized
req "lists with a key without scope lists" 403 -H "$(auth "$k_verify")" "$url/v1/lists"
errcode forbidden
req "lists" 200 -H "$(auth "$k_lists")" "$url/v1/lists"
"$lg" $L lists $C --format json >"$t/cli.json"
samejson "lists: the JSON 'lists --format json' prints" "$t/body" "$t/cli.json"
eq "lists: no next page when all fit" "$(hdr Link)" ""
req "lists, a page of 2" 200 -H "$(auth "$k_lists")" "$url/v1/lists?limit=2"
eq "the page's names" "$(python3 -c 'import json,sys; print(" ".join(l["name"] for l in json.load(open(sys.argv[1]))))' "$t/body")" "a1 a2"
eq "the page says where the next starts" "$(hdr Link)" '</v1/lists?after=a2&limit=2>; rel="next"'
req "lists, the next page" 200 -H "$(auth "$k_lists")" "$url/v1/lists?after=a2&limit=2"
eq "the next page's names" "$(python3 -c 'import json,sys; print(" ".join(l["name"] for l in json.load(open(sys.argv[1]))))' "$t/body")" "a3 nomail"
req "lists, a bad limit" 400 -H "$(auth "$k_lists")" "$url/v1/lists?limit=0"
errcode bad_request

# --- GET /v1/lists/{name} ----------------------------------------------------
req "a list" 200 -H "$(auth "$k_lists")" "$url/v1/lists/q4"
"$lg" $L lists $C --format json show q4 >"$t/cli.json"
samejson "a list: the JSON 'lists show --format json' prints" "$t/body" "$t/cli.json"
req "a list without a key" 401 "$url/v1/lists/q4"
req "a list with a key without scope lists" 403 -H "$(auth "$k_verify")" "$url/v1/lists/q4"
req "a list that is not there" 404 -H "$(auth "$k_lists")" "$url/v1/lists/nope"
errcode list_not_found

# --- GET /v1/lists/{name}/gate -----------------------------------------------
for n in q4 nomail; do
	req "gate of $n" 200 -H "$(auth "$k_lists")" "$url/v1/lists/$n/gate"
	"$lg" $L gate $C --format json $n >"$t/cli.json"
	rc=$?
	samejson "gate of $n: the JSON 'gate --format json' prints" "$t/body" "$t/cli.json"
	d=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["decision"])' "$t/body")
	case $rc in 0) want=pass ;; 1) want=blocked ;; *) want="exit $rc" ;; esac
	eq "gate of $n: the decision is gate's exit status's" "$d" "$want"
	decisions="${decisions:-}$n=$d "
done
eq "q4 passes, nomail is blocked" "$decisions" "q4=pass nomail=blocked "
python3 - "$t/body" <<'PY' && ok "a blocked gate has reasons and a next step" || notok "a blocked gate has reasons and a next step"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["decision"] == "blocked" and g["reasons"] and all(isinstance(r, str) for r in g["reasons"])
assert g["next_step"] == g["unblock"][0]["command"]
PY
req "gate without a key" 401 "$url/v1/lists/q4/gate"
req "gate with a key without scope lists" 403 -H "$(auth "$k_verify")" "$url/v1/lists/q4/gate"
req "gate of a list that is not there" 404 -H "$(auth "$k_lists")" "$url/v1/lists/nope/gate"
errcode list_not_found

# --- GET /v1/lists/{name}/export ---------------------------------------------
req "export" 200 -H "$(auth "$k_lists")" "$url/v1/lists/q4/export"
"$lg" --db "$t/twin.db" --now $now export $C -o "$t/cli.csv" q4 2>/dev/null
if cmp -s "$t/body" "$t/cli.csv"; then ok "export: the bytes 'export' writes"; else notok "export: the bytes differ from 'export'"; fi
eq "export: CSV" "$(hdr Content-Type)" "text/csv"
req "export as JSON Lines" 200 -H "$(auth "$k_lists")" "$url/v1/lists/q4/export?format=jsonl"
"$lg" --db "$t/twin.db" --now $now export $C -f jsonl -o "$t/cli.jsonl" q4 2>/dev/null
if cmp -s "$t/body" "$t/cli.jsonl"; then ok "export -f jsonl: the same bytes"; else notok "export -f jsonl: the bytes differ"; fi
sent() { sqlite3 -batch "$1" 'SELECT count(*) FROM exports' 2>&1; }
eq "exports are not recorded without for_sequence" "$(sent "$db")" 0
req "HEAD of an export for a sequence" 200 -I -H "$(auth "$k_lists")" "$url/v1/lists/q4/export?for_sequence=1"
eq "HEAD records nothing" "$(sent "$db")" 0
req "export for a sequence" 200 -H "$(auth "$k_lists")" "$url/v1/lists/q4/export?for_sequence=1"
"$lg" --db "$t/twin.db" --now $now export $C --for-sequence -o "$t/cli.csv" q4 2>/dev/null
if cmp -s "$t/body" "$t/cli.csv"; then ok "export for a sequence: the bytes 'export --for-sequence' writes"; else
	notok "export for a sequence: the bytes differ"; fi
eq "the export for a sequence is recorded as the command records it" \
	"$(sqlite3 -batch "$db" 'SELECT count(*), sum(rows) FROM exports')" \
	"$(sqlite3 -batch "$t/twin.db" 'SELECT count(*), sum(rows) FROM exports')"
eq "and it was something" "$(sqlite3 -batch "$db" 'SELECT sum(rows) > 0 FROM exports')" 1
req "export for a sequence of a blocked list" 409 -H "$(auth "$k_lists")" "$url/v1/lists/nomail/export?for_sequence=1"
errcode list_blocked
python3 - "$t/body" "$t/gate.json" <<'PY' && ok "409: the gate's reasons in the error" || notok "409: the gate's reasons in the error"
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["message"] and e["reasons"] and all(isinstance(r, str) for r in e["reasons"])
PY
req "export of a blocked list, not for a sequence" 200 -H "$(auth "$k_lists")" "$url/v1/lists/nomail/export"
req "export without a key" 401 "$url/v1/lists/q4/export"
req "export with a key without scope lists" 403 -H "$(auth "$k_verify")" "$url/v1/lists/q4/export"
req "export of a list that is not there" 404 -H "$(auth "$k_lists")" "$url/v1/lists/nope/export"
errcode list_not_found
req "export, a bad format" 400 -H "$(auth "$k_lists")" "$url/v1/lists/q4/export?format=xml"
errcode bad_request

# --- GET /metrics ------------------------------------------------------------
req "a verdict, to count" 200 -H "$(auth "$k_verify")" -d '{"email":"maria.garcia@northwind-traders.com"}' "$url/v1/verify"
req "metrics without a key" 401 "$url/metrics"
req "metrics with a key without scope admin" 403 -H "$(auth "$k_lists")" "$url/metrics"
req "metrics" 200 -H "$(auth "$k_admin")" "$url/metrics"
cp "$t/body" "$t/m1"
eq "metrics: the text format's type" "$(hdr Content-Type)" "text/plain; version=0.0.4; charset=utf-8"
# promcheck FILE: every line a comment or NAME{labels} VALUE; each sample's
# family has HELP and TYPE; prints name{labels}=value, one a line
promcheck() {
	python3 - "$1" <<'PY'
import re, sys
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
sample = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{' + label + '(?:,' + label +
                    r')*\})? (?P<value>[-+]?(?:[0-9.e+-]+|Inf|NaN))$')
helped, typed = set(), {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        helped.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        _, _, n, ty = line.split()
        assert ty in ("counter", "gauge", "histogram", "summary", "untyped"), line
        typed[n] = ty; continue
    m = sample.match(line)
    assert m, "not a sample: " + line
    name = m.group("name")
    fam = re.sub(r'_(bucket|sum|count)$', '', name) if re.sub(r'_(bucket|sum|count)$', '', name) in typed else name
    assert fam in typed and fam in helped, "no HELP/TYPE for " + name
    if typed[fam] == "counter":
        assert fam.endswith("_total"), "a counter not named _total: " + fam
    float(m.group("value"))
    print("%s%s=%s" % (name, m.group("labels") or "", m.group("value")))
PY
}
if promcheck "$t/m1" >"$t/m1.s"; then ok "metrics parse as the Prometheus text format"; else notok "metrics do not parse"; fi
v() { awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2) }' "$1"; } # v FILE SERIES
for name in leadgate_http_requests_total leadgate_http_request_duration_seconds_bucket \
	leadgate_verdicts_total leadgate_dns_queries_total leadgate_store_busy_waits_total \
	leadgate_jobs process_start_time_seconds; do
	if grep -q "^$name" "$t/m1.s"; then ok "metrics have $name"; else notok "metrics lack $name"; fi
done
eq "metrics count the lists served" "$(v "$t/m1.s" 'leadgate_http_requests_total{route="/v1/lists",code="200"}')" 3
eq "metrics count the gates served" "$(v "$t/m1.s" 'leadgate_http_requests_total{route="/v1/lists/{name}/gate",code="200"}')" 2
eq "metrics count the deliverable verdict" "$(v "$t/m1.s" 'leadgate_verdicts_total{status="deliverable"}')" 1
before=$(v "$t/m1.s" 'leadgate_http_requests_total{route="/v1/lists/{name}",code="404"}')
req "another 404, to count" 404 -H "$(auth "$k_lists")" "$url/v1/lists/nope"
req "metrics again" 200 -H "$(auth "$k_admin")" "$url/metrics"
promcheck "$t/body" >"$t/m2.s"
eq "the counter rose" "$(v "$t/m2.s" 'leadgate_http_requests_total{route="/v1/lists/{name}",code="404"}')" $((before + 1))
eq "metrics count themselves" "$(v "$t/m2.s" 'leadgate_http_requests_total{route="/metrics",code="200"}')" 1
if grep -q -e '127\.0\.0\.1' -e '@' -e "$k_admin" -e "$k_lists" -e "$k_verify" -e 'nope' "$t/body"; then
	notok "metrics hold an address, a path as sent or a key"; else ok "no address, path or key in the metrics"; fi
stop "$srv"

# --- --metrics-listen: /metrics without a key, there alone --------------------
start metrics --metrics-listen 127.0.0.1:0
srv=$pid
murl=$(sed -n 's/^leadgate: serve: metrics on \(http:\/\/127\.0\.0\.1:[0-9]*\)\/metrics.*/\1/p' "$t/metrics.err")
req "metrics on --metrics-listen, no key" 200 "$murl/metrics"
if promcheck "$t/body" >/dev/null; then ok "they parse"; else notok "they do not parse"; fi
req "nothing else there" 404 "$murl/v1/lists"
req "the API port still wants a key for /metrics" 401 "http://$addr/metrics"
stop "$srv"

# --- TLS ---------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$t/key.pem" -out "$t/cert.pem" 2>/dev/null || { notok "openssl made no certificate"; }
start tls --tls-cert "$t/cert.pem" --tls-key "$t/key.pem"
srv=$pid
req "https: healthz" 200 --cacert "$t/cert.pem" "https://$addr/healthz"
req "https: verify" 200 --cacert "$t/cert.pem" -H "$(auth "$k_verify")" -d '{"email":"maria.garcia@northwind-traders.com"}' "https://$addr/v1/verify"
eq "https: the verdict" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verify_status"])' "$t/body")" deliverable
got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$addr/healthz")
case $got in 200) notok "plain HTTP to the TLS port answered" ;; *) ok "plain HTTP to the TLS port fails ($got)" ;; esac
stop "$srv"
exits 66 "a certificate that is not there" "$lg" --db "$db" serve --listen 127.0.0.1:0 $C --tls-cert "$t/none.pem" --tls-key "$t/key.pem"
eq "it says which" "$(grep -c "none.pem" "$t/err")" 1
echo junk >"$t/bad.pem"
exits 78 "a certificate that is not one" "$lg" --db "$db" serve --listen 127.0.0.1:0 $C --tls-cert "$t/bad.pem" --tls-key "$t/key.pem"
eq "it says so" "$(grep -c "bad.pem, .*key.pem: not a PEM certificate and its key" "$t/err")" 1
exits 64 "a certificate without its key" "$lg" --db "$db" serve --listen 127.0.0.1:0 $C --tls-cert "$t/cert.pem"
printf '[serve]\ntls_cert = %s\ntls_key = %s\n' "$t/cert.pem" "$t/key.pem" >"$t/tls.conf"
C="-c $t/tls.conf"
start tlsconf
srv=$pid
req "https from [serve] tls_cert, tls_key" 200 --cacert "$t/cert.pem" "https://$addr/healthz"
stop "$srv"

# --- nothing slow on the loop -------------------------------------------------
# A list weighed and a body imported run on a worker thread ([serve]
# max_jobs of them, 1 here): the loop answers everything else meanwhile.
# Each check follows an order of events the test makes (a queue it can
# see in /metrics, a write lock it holds), never a time.
k_events=$(key tracker events)
python3 -c '
import sys
w = sys.stdout.write
w("email,name\n")
for i in range(200000):
    w("user%d@example%d.com,U%d\n" % (i, i % 1000, i))
' >"$t/big.csv"
"$lg" $L verify $C --no-dns --no-progress --list big -o /dev/null "$t/big.csv" 2>"$t/err"
[ $? -le 1 ] || { notok "verify --list big failed"; cat "$t/err"; }
printf '[gate]\nthreshold = 10%%\n[serve]\nrate = 1000\nburst = 1000\ntimeout = 60\nmax_jobs = 1\nper_ip_connections = 0\n' >"$t/one.conf"
C="-c $t/one.conf"
start loop
srv=$pid url=http://$addr
# metric NAME: its value in /metrics now ("" when it has none)
metric() {
	curl -s --max-time 5 -H "$(auth "$k_admin")" "$url/metrics" |
		awk -v k="$1" '$1 == k { print $2 }'
}
# await NAME COMMAND...: poll COMMAND (at most 300 times, 0.1 s apart)
# until it succeeds; the check is that it does
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
is() { [ "$(metric "$1")" = "$2" ]; } # is METRIC VALUE
# hold_lock: another process takes the database's write lock (BEGIN
# IMMEDIATE) and keeps it until $t/release exists (50 s at most)
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

# Four gates of a 200,000-row list: one weighed, three waiting for the
# worker.  Verify and healthz are answered before the last of them.
gpids=
for i in 1 2 3 4; do
	: >"$t/gate$i.code"
	curl -s -o "$t/gate$i.json" -w '%{http_code}' -H "$(auth "$k_lists")" \
		"$url/v1/lists/big/gate" >"$t/gate$i.code" &
	gpids="$gpids $!"
done
await "a gate weighed on the worker, three waiting for it" \
	eval 'is leadgate_work_running 1 && is leadgate_work_queued 3'
req "verify while lists are weighed" 200 -H "$(auth "$k_verify")" -d '{"email":"maria.garcia@northwind-traders.com"}' "$url/v1/verify"
req "healthz while lists are weighed" 200 "$url/healthz"
left=0
for i in 1 2 3 4; do [ -s "$t/gate$i.code" ] || left=$((left + 1)); done
if [ $left -ge 1 ]; then ok "they were answered before the last gate ($left still weighed)"; else
	notok "every gate was answered before verify and healthz"; fi
wait $gpids
"$lg" $L gate $C --format json big >"$t/cli.json"
for i in 1 2 3 4; do
	eq "gate $i of the big list" "$(cat "$t/gate$i.code")" 200
	samejson "gate $i: the JSON 'gate --format json' prints" "$t/gate$i.json" "$t/cli.json"
done

# A large event body, its import waiting for the write lock another
# process holds: verify (of a domain new to the cache) and healthz are
# answered meanwhile; the import and the answer's cache row land once
# the lock is let go.
python3 -c '
import sys
for i in range(20000):
    sys.stdout.write("{\"event_id\":\"big%d\",\"email\":\"user%d@example%d.com\",\"type\":\"email_open\",\"occurred_at\":\"2026-11-01T09:00:00Z\"}\n" % (i, i, i % 1000))
' >"$t/many.ndjson"
hold_lock
: >"$t/ev.code"
curl -s -o "$t/ev.json" -w '%{http_code}' -H "$(auth "$k_events")" --data-binary @"$t/many.ndjson" \
	"$url/v1/events" >"$t/ev.code" &
evpid=$!
await "the event import is on the worker" is leadgate_work_running 1
req "verify while the import waits for the lock" 200 -H "$(auth "$k_verify")" -d '{"email":"peter.gibbons@initech.com"}' "$url/v1/verify"
eq "its verdict" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verify_status"])' "$t/body")" deliverable
req "healthz while the import waits for the lock" 200 "$url/healthz"
eq "the import is not answered while the lock is held" "$(cat "$t/ev.code")" ""
eq "nor is the new answer in the cache" "$(sq "SELECT count(*) FROM domains WHERE domain = 'initech.com'")" 0
release_lock
wait $evpid
eq "the event import, once the lock is free" "$(cat "$t/ev.code")" 200
eq "every event imported" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["added"])' "$t/ev.json")" 20000
cached() { [ "$(sq "SELECT count(*) FROM domains WHERE domain = 'initech.com'")" = 1 ]; }
await "the verdict's DNS answer is kept in the cache" cached

# A full queue: one import on the worker, WORK_QUEUE_MAX (64) waiting,
# the next is 503 busy; the 65 are imported once the lock is free.
printf '{"event_id":"q1","email":"user1@example1.com","type":"email_open","occurred_at":"2026-11-01T09:00:00Z"}\n' >"$t/one.ndjson"
hold_lock
qpids=
post_one() { # post_one N: an import in the background, its status in $t/q$N.code
	curl -s -o /dev/null -w '%{http_code}' -H "$(auth "$k_events")" --data-binary @"$t/one.ndjson" \
		"$url/v1/events" >"$t/q$1.code" &
	qpids="$qpids $!"
}
post_one 0
await "one import on the worker" is leadgate_work_running 1
n=1
while [ $n -le 64 ]; do post_one $n; n=$((n + 1)); done
await "64 waiting for it" is leadgate_work_queued 64
req "one more: the queue is full" 503 -H "$(auth "$k_events")" --data-binary @"$t/one.ndjson" "$url/v1/events"
errcode busy
req "healthz all the same" 200 "$url/healthz"
release_lock
wait $qpids
eq "the 65 that waited are imported" "$(cat "$t"/q*.code | tr -d '\n' | sed 's/200//g')" ""
stop "$srv"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
