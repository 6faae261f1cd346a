#!/bin/sh
# serve.sh LEADGATE - `leadgate serve` through a real HTTP client (curl):
# unbound on a loopback port answering from fixture zones (tests/dnsd.sh),
# the server on a free loopback port with a real database, both stopped by
# PID.  Prints "N passed, N failed" last.
set -u
. tests/lib.sh
suite_init lg-serve "$@"
srv= srv2=
trap 'serve_cleanup $srv $srv2' EXIT
need curl python3

# --- the fixture zone ------------------------------------------------------
dns_zone "$t/zone" 'good.com. MX 10 mx.good.com.' 'google-hosted.com. MX 1 aspmx.l.google.com.' \
	'nullmx.com. MX 0 .'
printf '\tlocal-zone: "dropped.com." deny\n' >"$t/zone.conf"
dns_start "$t/zone"
now=2026-11-22T09:00:00Z
db=$t/lg.db

# --- keys ------------------------------------------------------------------
key_make k_verify ci verify
key_make k_lists reader lists
key_make k_admin root admin
key_make k_gone gone verify

printf '[serve]\ntimeout = 1\nrate = 1000\nburst = 1000\n' >"$t/serve.conf"
serve_start main "$t/serve.conf"
srv=$pid main=$url
log=$t/main.err

# --- health, routes, errors ------------------------------------------------
req "healthz without a key" 200 "$url/healthz"
eq "healthz body" "$(cat "$t/body")" '{"status":"ok"}'
req "readyz: the store opens, the resolver answers" 200 "$url/readyz"
req "openapi.json without a key" 200 "$url/v1/openapi.json"
if cmp -s "$t/body" doc/openapi.json; then ok "openapi.json is doc/openapi.json"; else
	notok "openapi.json served differs from doc/openapi.json"; fi
req "no key" 401 -X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
errcode unauthorized
eq "401 asks for a bearer token" "$(hdr WWW-Authenticate)" "Bearer"
req "unknown key" 401 -H "$(auth lg_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb)" \
	-X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
errcode unauthorized
req "not a bearer token" 401 -H "Authorization: Basic dXNlcjpwYXNz" \
	-X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
req "a key without scope verify" 403 -H "$(auth "$k_lists")" \
	-X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
errcode forbidden
req "admin implies verify" 200 -H "$(auth "$k_admin")" \
	-X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
req "not JSON" 400 -H "$(auth "$k_verify")" -X POST -d '{"email":' "$url/v1/verify"
errcode bad_request
req "no email" 400 -H "$(auth "$k_verify")" -X POST -d '{"mail":"a@good.com"}' "$url/v1/verify"
errcode bad_request
req "email not a string" 400 -H "$(auth "$k_verify")" -X POST -d '{"email":7}' "$url/v1/verify"
req "unknown path" 404 "$url/v2/nothing"
errcode not_found
req "unknown path, with a key" 404 -H "$(auth "$k_verify")" "$url/v1/verify/extra"
req "wrong method" 405 -X GET "$url/v1/verify"
errcode method_not_allowed
eq "405 says what is allowed" "$(hdr Allow)" "POST"
req "wrong method on healthz" 405 -X DELETE "$url/healthz"
eq "405 on healthz: Allow" "$(hdr Allow)" "GET"

python3 -c 'import sys; sys.stdout.write("{\"email\":\"" + "a" * (65 * 1024 - 11) + "\"}")' >"$t/big.json"
eq "the big body is 64 KiB + 1" "$(wc -c <"$t/big.json" | tr -d ' ')" 66561
req "body over 64 KiB" 413 -H "$(auth "$k_verify")" -X POST --data-binary @"$t/big.json" "$url/v1/verify"
errcode body_too_large
req "body over 64 KiB, chunked" 413 -H "$(auth "$k_verify")" -H "Transfer-Encoding: chunked" \
	-X POST --data-binary @"$t/big.json" "$url/v1/verify"
python3 -c 'import sys; sys.stdout.write("{\"email\":\"" + "a" * (64 * 1024 - 12) + "\"}")' >"$t/max.json"
req "a body of 64 KiB is taken" 200 -H "$(auth "$k_verify")" -X POST --data-binary @"$t/max.json" "$url/v1/verify"

# --- verdicts: the same object as a row of verify -f jsonl ----------------
{
	echo email
	for a in ann@good.com 'bad@@x' x@dead-domain.com info@google-hosted.com \
		no@nullmx.com bob@gmial.com 'Ann.Lee+tag@GOOD.com'; do echo "$a"; done
	i=1
	while [ $i -le 50 ]; do
		case $((i % 3)) in 0) echo "u$i@good.com" ;; 1) echo "u$i@google-hosted.com" ;;
		2) echo "u$i@dead-$i.com" ;; esac
		i=$((i + 1))
	done
} >"$t/in.csv"
"$lg" --now "$now" verify -q -f jsonl $dns -o "$t/cli.jsonl" "$t/in.csv" 2>"$t/cli.err"
eq "the CLI's rows" "$(wc -l <"$t/cli.jsonl" | tr -d ' ')" 57
# ask EMAIL FILE: the server's answer for EMAIL into FILE
ask() {
	python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1]}))' "$1" |
		curl -s -o "$2" -w '%{http_code}\n' -H "$(auth "$k_verify")" -X POST --data-binary @- \
			"$url/v1/verify" >"$2.status"
}
# same FILE EMAIL: FILE holds the object the CLI's row of EMAIL holds
same() {
	python3 - "$t/cli.jsonl" "$1" "$2" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["email"]] = r
got = json.load(open(sys.argv[2]))
want = rows[sys.argv[3]]
if got != want:
    print("got  %s\nwant %s" % (json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))
    sys.exit(1)
PY
}
for a in ann@good.com 'bad@@x' x@dead-domain.com info@google-hosted.com no@nullmx.com \
	bob@gmial.com 'Ann.Lee+tag@GOOD.com'; do
	ask "$a" "$t/one"
	eq "verify $a: 200" "$(cat "$t/one.status")" 200
	if same "$t/one" "$a" >"$t/diff"; then ok "verify $a: the CLI's row"; else
		notok "verify $a differs from the CLI's row"; sed 's/^/#   /' "$t/diff"; fi
done
status_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
ask ann@good.com "$t/one"
eq "a good address" "$(status_of "$t/one" verify_status)" deliverable
ask 'bad@@x' "$t/one"
eq "a bad address is a 200 with its verdict" "$(status_of "$t/one" verify_status)" undeliverable
eq "the answer kept in the store's DNS cache" \
	"$(sqlite3 -batch "$db" "select count(*) from domains where domain in ('good.com','dead-domain.com')" 2>&1)" 2

# 50 at once, each answered with its own verdict
i=1
: >"$t/many"
while [ $i -le 50 ]; do sed -n "$((i + 8))p" "$t/in.csv" >>"$t/many"; i=$((i + 1)); done
mkdir -p "$t/par"
n=0 pids=
while read -r a; do
	n=$((n + 1))
	ask "$a" "$t/par/$n" &
	pids="$pids $!"
done <"$t/many"
for p in $pids; do wait "$p"; done
n=0 good=0
while read -r a; do
	n=$((n + 1))
	if [ "$(cat "$t/par/$n.status")" = 200 ] && same "$t/par/$n" "$a" >/dev/null; then
		good=$((good + 1))
	else
		echo "#   $a: $(cat "$t/par/$n.status") $(head -c 200 "$t/par/$n")"
	fi
done <"$t/many"
eq "50 concurrent requests, each the CLI's row" "$good" 50

# A lookup that times out holds no other request: a dropped domain waits
# for its tries while a cached one is answered.
ask slow@dropped.com "$t/slow" &
slowpid=$!
ask ann@good.com "$t/fast"
eq "a request beside a slow lookup" "$(status_of "$t/fast" verify_status)" deliverable
wait $slowpid
eq "the slow lookup ends unknown" "$(status_of "$t/slow" verify_reason)" dns.timeout

# --- the resolver stops, then comes back -------------------------------------
# While it is down a lookup ends unknown and /readyz says 503; once it
# answers again the server asks it again (a new resolver, a second after),
# without a restart.
sh tests/dnsd.sh stop "$t/dns"
ask gone@outage.com "$t/one"
eq "a lookup while the resolver is down" "$(status_of "$t/one" verify_reason)" dns.timeout
# until CODE URL: poll URL (up to 10 s) until it answers CODE; the last code
until_code() {
	i=0 got=
	while [ $i -lt 100 ]; do
		got=$(curl -s -o "$t/body" -w '%{http_code}' "$2")
		[ "$got" = "$1" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "$got"
}
eq "readyz while the resolver is down" "$(until_code 503 "$url/readyz")" 503
errcode unavailable
ub=$(command -v unbound 2>/dev/null || echo /usr/sbin/unbound)
"$ub" -c "$t/dns/unbound.conf" >"$t/dns/log" 2>&1 &
echo $! >"$t/dns/pid"
i=0
while [ $i -lt 100 ] && ! grep -q 'start of service' "$t/dns/log"; do sleep 0.1; i=$((i + 1)); done
eq "readyz once the resolver is back" "$(until_code 200 "$url/readyz")" 200
ask back@good.com "$t/one"
eq "a lookup once the resolver is back" "$(status_of "$t/one" verify_status)" deliverable
if grep -q 'the resolver did not answer: asking again' "$log"; then ok "the renewal is logged"; else
	notok "no log line for the renewal"; fi

# --- a revoked key stops working within about a second ---------------------
req "before the revoke" 200 -H "$(auth "$k_gone")" -X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
"$lg" --db "$db" keys revoke gone >/dev/null 2>&1
i=0 got=200
while [ $i -lt 50 ] && [ "$got" != 401 ]; do
	sleep 0.1
	got=$(curl -s -o "$t/body" -w '%{http_code}' -H "$(auth "$k_gone")" -X POST \
		-d '{"email":"a@good.com"}' "$url/v1/verify")
	i=$((i + 1))
done
eq "a revoked key" "$got" 401

# --- the slow client is dropped ---------------------------------------------
# Headers that promise a body, then nothing: the connection is closed
# once [serve] timeout (1 s here) passes without a byte.
python3 - "${url#http://}" "$k_verify" >"$t/slow.out" 2>&1 <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(("POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em" % sys.argv[2]).encode())
s.settimeout(30)  # a bound on the test, not the figure tested
try:
    data = s.recv(4096)
    print("closed" if data == b"" else "answered: %r" % data[:60])
except socket.timeout:
    print("still open")
except ConnectionResetError:
    print("closed")
PY
eq "a client that stalls is dropped" "$(cat "$t/slow.out")" closed
if grep -q 'POST /v1/verify - .*(timed out)' "$log"; then ok "the drop is logged"; else
	notok "no log line for the dropped client"; fi

# --- the log ----------------------------------------------------------------
if grep -q '^leadgate: serve: POST /v1/verify 200 [0-9.]*ms key=ci$' "$log"; then
	ok "a log line: method, route, status, duration, key name"; else
	notok "no log line as expected"; sed 's/^/#   /' "$log" | head -n 5; fi
if grep -q '^leadgate: serve: GET - 404 ' "$log"; then ok "an unknown path is logged as -"; else
	notok "the 404 is not logged as route -"; fi
if grep -e '@' -e 'lg_[a-z0-9]\{10\}_' -e 'nothing' "$log" >"$t/leak"; then
	notok "the log holds an address, a key or a path"; sed 's/^/#   /' "$t/leak" | head -n 3
else ok "the log holds no address, key or raw path"; fi

# --- the route table and the API's description agree ------------------------
"$lg" serve --routes >"$t/routes"
if python3 - "$t/routes" doc/openapi.json >"$t/diff" <<'PY'; then ok "every route is in doc/openapi.json and back"; else
import json, sys
table = {tuple(l.split()) for l in open(sys.argv[1]) if l.strip()}
doc = json.load(open(sys.argv[2]))
assert doc["openapi"].startswith("3.1")
paths = set()
for p, ops in doc["paths"].items():
    for m in ops:
        if m in ("get", "post", "put", "delete", "patch"):
            paths.add((m.upper(), p))
bad = (table - paths) | (paths - table)
for m, p in sorted(bad):
    print("%s %s: %s" % (m, p, "not in the document" if (m, p) in table else "not served"))
sys.exit(1 if bad else 0)
PY
	notok "the route table and doc/openapi.json differ"; sed 's/^/#   /' "$t/diff"; fi

# --- 429: a second server with a rate of one every 1000 s and a burst of 2 --
printf '[serve]\nrate = 0.001\nburst = 2\n' >"$t/rate.conf"
serve_start rate "$t/rate.conf"
srv2=$pid
for i in 1 2; do
	req "within the burst ($i)" 200 -H "$(auth "$k_verify")" -X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
done
req "over the rate" 429 -H "$(auth "$k_verify")" -X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
errcode rate_limited
ra=$(hdr Retry-After)
case $ra in [1-9]*) ok "Retry-After: $ra" ;; *) notok "Retry-After is '$ra'" ;; esac
req "another key has its own bucket" 200 -H "$(auth "$k_admin")" -X POST -d '{"email":"a@good.com"}' "$url/v1/verify"
serve_stop "$srv2"
eq "SIGTERM on an idle server: exit 0" "$?" 0
srv2=
url=$main

# --- SIGTERM: stop accepting, finish what runs, exit 0 ----------------------
# On a connection the server has taken (a first answer came on it), a
# request whose lookup takes a while (a dropped domain: 0.3 s + 0.6 s),
# then SIGTERM: the request is still answered.
python3 - "${url#http://}" "$k_verify" "$srv" >"$t/term.out" 2>&1 <<'PY'
import http.client, json, os, signal, sys
host, port = sys.argv[1].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port), timeout=30)
c.request("GET", "/healthz")
r = c.getresponse()
r.read()
c.request("POST", "/v1/verify", body=json.dumps({"email": "slow2@dropped.com"}),
          headers={"Authorization": "Bearer " + sys.argv[2]})
os.kill(int(sys.argv[3]), signal.SIGTERM)
r = c.getresponse()
print(r.status, json.loads(r.read())["verify_reason"])
PY
eq "the request in hand when SIGTERM comes is answered" "$(cat "$t/term.out")" "200 dns.timeout"
i=0
while [ $i -lt 150 ] && kill -0 "$srv" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$srv" 2>/dev/null; then notok "still running 15 s after SIGTERM"; else
	wait "$srv"
	eq "SIGTERM: exit status" "$?" 0
fi
srv=
got=$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")
eq "no longer accepting" "$got" 000

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
