#!/bin/sh
# smtpd_test.sh [LEADGATE] - the scripted SMTP server the prober's tests
# use (tests/smtpd.py), tested alone: a client in Python talks to it on
# loopback, and each host behaviour of the script answers as scripted
# (mailboxes in four MTAs' words, raw replies, catch-all, greylisting,
# block lists at the banner and at RCPT, refusal, a tarpit, a drop, too
# many recipients, STARTTLS offered, required, required at RCPT and
# refused, a reply over 64 KiB, DATA refused), the
# SOCKS5 proxy connects to loopback only, bad scripts are refused, and the
# log records each session.  LEADGATE is not used: run.sh gives it to
# every suite.
#
# Prints "ok - ..." or "not ok - ..." a check, then "smtpd: N passed, N
# failed"; exits non-zero if a check failed.
set -u
. tests/lib.sh # ok, notok, eq, exits, check, smtp_cert, smtpd_start, smtpd_stop
need python3 openssl
suite_init lg-smtpd "$@"
smtpd_pid=
trap 'smtpd_stop; rm -rf "$t"' EXIT
trap 'exit 130' INT TERM HUP PIPE

# talk HOST LINE...: a session with HOST:$smtp_port (through the SOCKS5
# proxy on $socks_port if $via_socks is set): one line on stdout per reply,
# the banner first, a reply's lines joined by "|"; "closed" if the server
# closed the connection, "refused" if it took none.  After "STARTTLS"
# answered 220 the session goes on in TLS.  The client closes at the end
# and waits for the server to close, so that the log holds the session.
talk() {
	python3 - "$smtp_port" "${via_socks:+$socks_port}" "$@" <<'PY'
import socket, ssl, sys
port, socks, host, lines = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
try:
    if socks:
        s = socket.create_connection(("127.0.0.1", int(socks)), timeout=10)
        s.sendall(b"\5\1\0")
        assert s.recv(2) == b"\5\0"
        s.sendall(b"\5\1\0\1" + socket.inet_aton(host) + port.to_bytes(2, "big"))
        assert s.recv(10)[1] == 0
    else:
        s = socket.create_connection((host, port), timeout=10)
except (OSError, AssertionError):
    print("refused")
    sys.exit(0)
f = s.makefile("rb")
def reply():
    got = []
    while True:
        try:
            line = f.readline()
        except ConnectionResetError:  # closed with our bytes unread
            line = b""
        if not line.endswith(b"\r\n"):
            return "closed"
        got.append(line[:-2].decode())
        if line[3:4] != b"-":
            return "|".join(got)
r = reply()
print(r)
for cmd in lines:
    if r == "closed":
        break
    try:
        s.sendall(cmd.encode() + b"\r\n")
    except OSError:
        pass  # closed: the reply says so
    r = reply()
    print(r)
    if cmd == "STARTTLS" and r.startswith("220"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        s = ctx.wrap_socket(s)
        f = s.makefile("rb")
try:
    if r != "closed" and not isinstance(s, ssl.SSLSocket):
        s.shutdown(socket.SHUT_WR)
    while f.read(4096):
        pass
except (OSError, ValueError):
    pass
PY
}
# logq EXPR: EXPR in Python, over L: the log's events (a list of dicts)
logq() {
	python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
print($1)" "$t/smtpd.log"
}
# line N TEXT: line N of TEXT
line() { printf '%s\n' "$2" | sed -n "$1p"; }

smtp_cert "$t/tls"
cat >"$t/script.json" <<'JSON'
{"hosts": {
  "127.0.0.2": {"name": "mx1.shop.test",
                "mailboxes": {"alice@shop.test": "ok", "carol": "disabled", "dave@shop.test": "full",
                              "erin@shop.test": "550-5.7.1 <erin@shop.test>: policy\n550 5.7.1 says no"}},
  "127.0.0.3": {"mta": "exim"},
  "127.0.0.4": {"mta": "microsoft"},
  "127.0.0.5": {"mta": "google"},
  "127.0.0.6": {"catch_all": true, "mailboxes": {"full@any.test": "full"}},
  "127.0.0.7": {"greylist": 1},
  "127.0.0.8": {"block": "banner"},
  "127.0.0.9": {"block": "rcpt"},
  "127.0.0.10": {"refuse": true},
  "127.0.0.11": {"refuse": "closed"},
  "127.0.0.12": {"delay": 0.3},
  "127.0.0.13": {"drop_after": 3},
  "127.0.0.14": {"max_rcpt": 3, "catch_all": true},
  "127.0.0.15": {"starttls": "offered", "mailboxes": {"ok@tls.test": "ok"}},
  "127.0.0.16": {"starttls": "required", "mailboxes": {"ok@tls.test": "ok"}},
  "127.0.0.17": {"banner": "220 mail.old.test ESMTP Exim 4.96", "mail": "250 OK"},
  "127.0.0.18": {"starttls": "rcpt", "tls_refuse": 1, "mailboxes": {"ok@tls.test": "ok"}},
  "127.0.0.19": {"flood": "mail"}
},
 "mailboxes": {"bob@shared.test": "ok"}}
JSON
smtpd_start "$t/script.json" --cert "$t/tls/cert.pem" --key "$t/tls/key.pem" --socks 0
ok "smtpd.py starts on port $smtp_port, the proxy on $socks_port"

# ---- mailboxes, in each MTA's words ---------------------------------------
h=127.0.0.2
r=$(talk $h "EHLO probe.test" "MAIL FROM:<p@probe.test>" "RCPT TO:<alice@shop.test>" "RCPT TO:<nobody@shop.test>" \
	"RCPT TO:<carol@other.test>" "RCPT TO:<dave@shop.test>" "RCPT TO:<erin@shop.test>" "RCPT TO:<bob@shared.test>" "DATA" "QUIT")
eq "banner" "$(line 1 "$r")" "220 mx1.shop.test ESMTP"
eq "EHLO lists the extensions, no STARTTLS" "$(line 2 "$r")" \
	"250-mx1.shop.test Hello [127.0.0.1]|250-PIPELINING|250-SIZE 10240000|250-ENHANCEDSTATUSCODES|250 8BITMIME"
eq "MAIL FROM" "$(line 3 "$r")" "250 2.1.0 Ok"
eq "a mailbox ok" "$(line 4 "$r")" "250 2.1.5 Ok"
eq "one not listed: Postfix's unknown" "$(line 5 "$r")" \
	"550 5.1.1 <nobody@shop.test>: Recipient address rejected: User unknown in local recipient table"
eq "disabled, listed by local part" "$(line 6 "$r" | cut -c1-9)" "550 5.2.1"
eq "full" "$(line 7 "$r" | cut -c1-9)" "552 5.2.2"
eq "a raw reply, verbatim" "$(line 8 "$r")" "550-5.7.1 <erin@shop.test>: policy|550 5.7.1 says no"
eq "a mailbox of every host" "$(line 9 "$r")" "250 2.1.5 Ok"
eq "DATA refused" "$(line 10 "$r" | cut -c1-3)" 554
eq "QUIT" "$(line 11 "$r")" "221 2.0.0 Bye"
eq "the log: the session opened" "$(logq '[(e["host"], e["local"].rsplit(":", 1)[0], e["concurrent"]) for e in L if e["ev"] == "open"]')" \
	"[('127.0.0.2', '127.0.0.2', 1)]"
eq "... each command and its reply" "$(logq '[(e["cmd"], e["reply"][:3]) for e in L if e["ev"] == "cmd"][2:4]')" \
	"[('RCPT TO:<alice@shop.test>', '250'), ('RCPT TO:<nobody@shop.test>', '550')]"
eq "... DATA" "$(logq 'sum(e["cmd"] == "DATA" for e in L if e["ev"] == "cmd")')" 1
eq "... closed by QUIT, with the domains asked" "$(logq '[(e["by"], e["rcpts"], e["domains"]) for e in L if e["ev"] == "close"]')" \
	"[('quit', 6, ['other.test', 'shared.test', 'shop.test'])]"

m="MAIL FROM:<p@probe.test>"
r=$(talk 127.0.0.3 "EHLO probe.test" "$m" "RCPT TO:<x@exim.test>" "QUIT")
eq "Exim: no enhanced codes" "$(line 2 "$r" | grep -c ENHANCED)" 0
eq "Exim's unknown" "$(line 4 "$r")" "550 Unrouteable address"
r=$(talk 127.0.0.4 "EHLO probe.test" "$m" "RCPT TO:<x@m365.test>" "QUIT")
eq "Microsoft 365's unknown" "$(line 4 "$r" | cut -c1-50)" "550 5.4.1 Recipient address rejected: Access denie"
r=$(talk 127.0.0.5 "EHLO probe.test" "$m" "RCPT TO:<x@gmail.test>" "QUIT")
eq "Google's unknown, four lines" "$(line 4 "$r" | tr '|' '\n' | cut -c1-9 | tr '\n' ' ')" \
	"550-5.1.1 550-5.1.1 550-5.1.1 550 5.1.1 "

# ---- catch-all, greylisting ------------------------------------------------
r=$(talk 127.0.0.6 "EHLO probe.test" "$m" "RCPT TO:<zq8x1@any.test>" "RCPT TO:<full@any.test>" "QUIT")
eq "catch-all: a random address 250" "$(line 4 "$r")" "250 2.1.5 Ok"
eq "... a listed mailbox as listed" "$(line 5 "$r" | cut -c1-9)" "552 5.2.2"

r=$(talk 127.0.0.7 "EHLO probe.test" "$m" "RCPT TO:<a@grey.test>" "RCPT TO:<a@grey.test>" "QUIT")
eq "greylisting: the first RCPT 450" "$(line 4 "$r")" \
	"450 4.2.0 <a@grey.test>: Recipient address rejected: Greylisted, try again in 1 seconds"
eq "... and the next, before the delay" "$(line 5 "$r" | cut -c1-9)" "450 4.2.0"
sleep 1.2
r=$(talk 127.0.0.7 "EHLO probe.test" "$m" "RCPT TO:<a@grey.test>" "RCPT TO:<b@grey.test>" "QUIT")
eq "... after the delay, the address is answered" "$(line 4 "$r" | cut -c1-9)" "550 5.1.1"
eq "... another address is greylisted on its own" "$(line 5 "$r" | cut -c1-9)" "450 4.2.0"

# ---- blocks, refusal, tarpit, drop, too many ---------------------------------
r=$(talk 127.0.0.8 "EHLO probe.test" "$m" "QUIT")
eq "block at the banner: 554 5.7.1, a block list" "$(line 1 "$r")" \
	"554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1"
eq "... then 503 but to QUIT" "$(line 3 "$r" | cut -c1-3) $(line 4 "$r" | cut -c1-3)" "503 221"
r=$(talk 127.0.0.9 "EHLO probe.test" "$m" "RCPT TO:<a@b.test>" "QUIT")
eq "block at RCPT: 550 5.7.1" "$(line 4 "$r" | cut -c1-9)" "550 5.7.1"
check "... naming the block list" sh -c "printf '%s' '$(line 4 "$r")' | grep -q zen.spamhaus.org"

eq "refuse: 421 at once, then closed" "$(talk 127.0.0.10 "EHLO probe.test" | tr '\n' ' ')" \
	"421 4.3.2 Service not available, closing transmission channel closed "
eq "refuse \"closed\": not listened on" "$(talk 127.0.0.11 "EHLO probe.test")" refused

r=$(python3 - "$smtp_port" <<'PY'
import socket, sys, time
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.12", int(sys.argv[1])), timeout=10)
s.recv(100)
print(time.monotonic() - t0 >= 0.3)
PY
)
eq "tarpit: the banner no sooner than the delay" "$r" True

r=$(talk 127.0.0.13 "EHLO probe.test" "$m" "RCPT TO:<a@drop.test>" "QUIT")
eq "drop: the connection closed at the third command" "$(line 4 "$r")" closed
eq "... the log says so" "$(logq '[(e["by"], e["rcpts"]) for e in L if e["ev"] == "close" and e["host"] == "127.0.0.13"]')" \
	"[('drop', 0)]"

r=$(talk 127.0.0.14 "EHLO probe.test" "$m" "RCPT TO:<a@many.test>" "RCPT TO:<b@many.test>" "RCPT TO:<c@many.test>" \
	"RCPT TO:<d@many.test>" "QUIT")
eq "too many: 3 recipients, then 452 4.5.3" "$(line 6 "$r" | cut -c1-3) $(line 7 "$r" | cut -c1-9)" "250 452 4.5.3"

# ---- STARTTLS --------------------------------------------------------------
r=$(talk 127.0.0.15 "EHLO probe.test" "STARTTLS" "EHLO probe.test" "$m" "RCPT TO:<ok@tls.test>" "QUIT")
check "STARTTLS offered in the EHLO reply" sh -c "printf '%s' '$(line 2 "$r")' | grep -q '|250-STARTTLS|'"
eq "... 220, then TLS" "$(line 3 "$r")" "220 2.0.0 Ready to start TLS"
eq "... not offered again in TLS" "$(line 4 "$r" | grep -c STARTTLS)" 0
eq "... the session goes on in TLS" "$(line 6 "$r")" "250 2.1.5 Ok"
eq "... the log records TLS" "$(logq 'sum(e["ev"] == "tls" and e["host"] == "127.0.0.15" for e in L)')" 1
r=$(talk 127.0.0.15 "EHLO probe.test" "$m" "RCPT TO:<ok@tls.test>" "QUIT")
eq "... not required: MAIL without TLS" "$(line 3 "$r")" "250 2.1.0 Ok"

r=$(talk 127.0.0.16 "EHLO probe.test" "$m" "RCPT TO:<ok@tls.test>" "STARTTLS" "EHLO probe.test" "$m" "RCPT TO:<ok@tls.test>" "QUIT")
eq "STARTTLS required: MAIL 530 before TLS" "$(line 3 "$r")" "530 5.7.0 Must issue a STARTTLS command first"
eq "... RCPT too" "$(line 4 "$r" | cut -c1-9)" "530 5.7.0"
eq "... and in TLS, MAIL and RCPT" "$(line 7 "$r" | cut -c1-3) $(line 8 "$r" | cut -c1-3)" "250 250"

r=$(talk 127.0.0.18 "EHLO probe.test" "STARTTLS" "$m" "RCPT TO:<ok@tls.test>" "RSET" "STARTTLS" "EHLO probe.test" "$m" \
	"RCPT TO:<ok@tls.test>" "QUIT")
eq "STARTTLS at RCPT: the first STARTTLS 454" "$(line 3 "$r")" "454 4.7.0 TLS not available due to local problem"
eq "... MAIL without TLS, RCPT 530" "$(line 4 "$r" | cut -c1-3) $(line 5 "$r" | cut -c1-9)" "250 530 5.7.0"
eq "... RSET, the next STARTTLS 220" "$(line 6 "$r" | cut -c1-3) $(line 7 "$r" | cut -c1-3)" "250 220"
eq "... and in TLS, RCPT answered" "$(line 10 "$r")" "250 2.1.5 Ok"

# ---- a reply over 64 KiB ---------------------------------------------------
r=$(talk 127.0.0.19 "EHLO probe.test" "$m" "QUIT")
eq "flood: the MAIL reply's lines, each within 512 octets, over 64 KiB in all" \
	"$(line 3 "$r" | tr '|' '\n' | awk '{ n++; b += length($0) + 2; if (length($0) + 2 > m) m = length($0) + 2 }
		END { print n, m, (b > 65536) }')" "161 422 1"
eq "... in the reply's code, the reply itself last" "$(line 3 "$r" | tr '|' '\n' | sed -n '1p;$p' | cut -c1-4 | tr '\n' /)" \
	"250-/250 /"
eq "... the session goes on" "$(line 4 "$r")" "221 2.0.0 Bye"

r=$(talk 127.0.0.17 "HELO probe.test" "$m" "RCPT TO:<a@old.test>" "RSET" "NOOP" "VRFY a" "HELP" "QUIT")
eq "raw banner and MAIL reply" "$(line 1 "$r") / $(line 3 "$r")" "220 mail.old.test ESMTP Exim 4.96 / 250 OK"
eq "HELO, RSET, NOOP, VRFY, an unknown command" \
	"$(for n in 2 5 6 7 8; do line $n "$r" | cut -c1-3; done | tr '\n' ' ')" "250 250 250 252 502 "
r=$(talk 127.0.0.17 "EHLO" "NOOP" "$(head -c 70000 /dev/zero | tr '\0' x)" "NOOP")
eq "EHLO without a name; a line of 70000 bytes, then closed" \
	"$(line 2 "$r" | cut -c1-3) $(line 3 "$r" | cut -c1-3) $(line 4 "$r") $(line 5 "$r")" \
	"501 250 500 5.5.6 Error: line too long closed"
r=$(talk 127.0.0.2 "$m" "RCPT TO:<alice@shop.test>" "EHLO probe.test" "RCPT TO:<alice@shop.test>" "QUIT")
eq "out of order: MAIL before EHLO, RCPT before MAIL" "$(line 2 "$r" | cut -c1-3) $(line 5 "$r" | cut -c1-3)" "503 503"

# ---- sessions at once, in the log ------------------------------------------
python3 - "$smtp_port" <<'PY'
import socket, sys
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.3", port)); a.recv(100)
b = socket.create_connection(("127.0.0.3", port)); b.recv(100)
for s in (a, b):
    s.sendall(b"QUIT\r\n")
    while s.recv(100):
        pass
PY
eq "two sessions at once to one host: counted" "$(logq '[e["concurrent"] for e in L if e["ev"] == "open" and e["host"] == "127.0.0.3"]')" \
	"[1, 1, 2]"
eq "no session left open" "$(logq 'sum(e["ev"] == "open" for e in L) - sum(e["ev"] == "close" for e in L)')" 0

# ---- the SOCKS5 proxy ------------------------------------------------------
r=$(via_socks=1 talk 127.0.0.2 "EHLO probe.test" "$m" "RCPT TO:<alice@shop.test>" "QUIT")
eq "through the SOCKS5 proxy" "$(line 1 "$r") / $(line 4 "$r")" "220 mx1.shop.test ESMTP / 250 2.1.5 Ok"
# socks REQUEST: the proxy's reply code to the CONNECT (or other) REQUEST
# given in hex, after the greeting with no authentication
socks() {
	python3 - "$socks_port" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"\5\1\0")
assert s.recv(2) == b"\5\0"
s.sendall(bytes.fromhex(sys.argv[2]))
print(s.recv(10)[1])
PY
}
p=$(printf '%04x' "$smtp_port")
eq "SOCKS5: a domain address (an address literal)" "$(socks "05010003093132372e302e302e32$p")" 0
eq "SOCKS5: IPv4 outside loopback refused by rule" "$(socks "05010001c0000201$p")" 2
eq "SOCKS5: IPv6 ::1, where nothing listens" "$(socks "0501000400000000000000000000000000000001$p")" 5
eq "SOCKS5: BIND not supported" "$(socks "050200017f000002$p")" 7
eq "SOCKS5: a name that is not local" "$(socks "050100030b6d782e676d61696c2e636f$p")" 4
eq "... each CONNECT logged" "$(logq '[(e["dest"], e["reply"]) for e in L if e["ev"] == "socks"][:3]')" \
	"[('127.0.0.2:$smtp_port', 0), ('127.0.0.2:$smtp_port', 0), ('192.0.2.1:$smtp_port', 2)]"
# A client that holds a session open while the server stops.
python3 - "$smtp_port" "$t/held" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.2", int(sys.argv[1])), timeout=30)
s.recv(100)
open(sys.argv[2], "w").close()
s.recv(100)
PY
holder=$!
await "a session held open" test -e "$t/held"
sp=$smtpd_pid
smtpd_stop
check "stopped by SIGTERM" sh -c "! kill -0 $sp 2>/dev/null"
wait $holder
eq "... the session held logged as closed by the stop" \
	"$(logq '[e["by"] for e in L if e["ev"] == "close" and e["host"] == "127.0.0.2"][-1]')" stop
eq "... nothing on stderr" "$(cat "$t/smtpd.err")" ""

# ---- workers, and bad scripts ------------------------------------------------
smtpd_start "$t/script.json" --cert "$t/tls/cert.pem" --key "$t/tls/key.pem" --workers 2
for n in 1 2 3 4 5 6; do talk 127.0.0.2 "QUIT" >/dev/null; done
r=$(talk 127.0.0.7 "EHLO probe.test" "$m" "RCPT TO:<w@grey.test>" "QUIT")
eq "--workers 2: greylisted" "$(line 4 "$r" | cut -c1-3)" 450
sleep 1.2
r=$(for n in 1 2 3 4 5 6; do talk 127.0.0.7 "EHLO probe.test" "$m" "RCPT TO:<w@grey.test>" "QUIT" | sed -n 4p | cut -c1-3; done | sort -u)
eq "... then accepted by every worker after the delay" "$r" 550
smtpd_stop
eq "... a log each, the sessions in them" \
	"$(cat "$t/smtpd.log.0" "$t/smtpd.log.1" | grep -c '"ev": "close", "sid": [0-9]*, "host": "127.0.0.2", "by": "quit"')" 6
check "... both workers took sessions" grep -q '"ev": "open"' "$t/smtpd.log.0" "$t/smtpd.log.1"

printf '{"hosts": {"192.0.2.1": {}}}' >"$t/bad.json"
exits 2 "a host outside loopback refused" python3 tests/smtpd.py --script "$t/bad.json" --port 0
eq "... saying which" "$(cat "$t/err")" "smtpd.py: $t/bad.json: host 192.0.2.1 is not a loopback address"
printf '{"hosts": {"127.0.0.2": {"starttls": "offered"}}}' >"$t/bad.json"
exits 2 "STARTTLS without a certificate refused" python3 tests/smtpd.py --script "$t/bad.json" --port 0
printf '{"hosts": {"127.0.0.2": {"greylisting": 5}}}' >"$t/bad.json"
exits 2 "an unknown key refused" python3 tests/smtpd.py --script "$t/bad.json" --port 0
printf '{"hosts": {"127.0.0.2": {"mailboxes": {"a": "gone"}}}}' >"$t/bad.json"
exits 2 "a mailbox state that is none refused" python3 tests/smtpd.py --script "$t/bad.json" --port 0
printf '{"hosts": {"127.0.0.2": {"delay": "slow"}}}' >"$t/bad.json"
exits 2 "a delay that is no number refused" python3 tests/smtpd.py --script "$t/bad.json" --port 0
eq "... saying which" "$(cat "$t/err")" "smtpd.py: $t/bad.json: host 127.0.0.2: delay 'slow' is no number of seconds"

echo "smtpd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
