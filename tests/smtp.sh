#!/bin/sh
# smtp.sh [LEADGATE] - the SMTP stage through the built binary: `verify
# --smtp` against real servers on loopback, unbound (tests/dnsd.sh)
# pointing each test domain's MX hosts at 127.0.0.x addresses where the
# scripted SMTP server (tests/smtpd.py) plays one behaviour each.  Every
# row of the verdict table comes out of the binary with its status,
# reason, flags and verify_smtp; the identity is required (exit 78); the
# store keeps the evidence and the catch-all state (--list), and a
# greylisted address comes first in `refresh --smtp`; the service's
# probes (POST /v1/verify "smtp": true) keep the catch-all states they
# find for the next runs, and leave a UTF-8 local part unprobed; `serve`
# checks [smtp] at its start (exit 78) and probes through a proxy whose
# name it resolved there; a provider in the table is never probed; and
# the server's log shows the prober's manners: no DATA ever, QUIT at
# the end of a session that was not cut, no more sessions at once to a
# host than the cap, and one session a domain (plus one per 452 and per
# greylisting retry).  Both servers are started here and stopped by PID.
#
# Prints "ok - ..." or "not ok - ..." a check, then "smtp: N passed, N
# failed"; exits non-zero if a check failed.
set -u
. tests/lib.sh # ok, notok, eq, exits, check, sq, smtp_cert, smtpd_start, smtpd_stop, serve_start ...
need python3 openssl sqlite3
suite_init lg-smtp "$@"
smtpd_pid=
pid=
trap 'smtpd_stop; [ -n "$pid" ] && serve_stop "$pid"; sh tests/dnsd.sh stop "$t/dns"; rm -rf "$t"' EXIT
trap 'exit 130' INT TERM HUP PIPE
pass=0 fail=0
db=$t/lg.db
now=2026-12-01T09:00:00Z

# --- the world: one domain a behaviour, its MX host at 127.0.0.N ------------
smtp_cert "$t/tls"
cat >"$t/script.json" <<'JSON'
{"hosts": {
  "127.0.0.11": {"name": "mx.mbx-ok.io", "mta": "postfix",
                 "mailboxes": {"ann": "ok", "bob": "unknown", "cy": "disabled", "dee": "full", "info": "ok",
                               "hal": "550 <hal@mbx-ok.io>: User unknown",
                               "ivy": "550 5.5.1 <ivy@mbx-ok.io>: syntax of the day"}},
  "127.0.0.12": {"name": "mx.mbx-ms.io", "mta": "microsoft", "mailboxes": {"eve": "ok"}},
  "127.0.0.13": {"name": "mx.mbx-catch.io", "catch_all": true},
  "127.0.0.14": {"name": "mx.mbx-block.io", "block": "rcpt", "mailboxes": {"ann": "ok"}},
  "127.0.0.15": {"name": "mx.mbx-ban.io", "block": "banner"},
  "127.0.0.16": {"name": "mx.mbx-grey.io", "greylist": 1, "mailboxes": {"ann": "ok"}},
  "127.0.0.17": {"name": "mx.mbx-stuck.io", "greylist": 1000, "mailboxes": {"ann": "ok"}},
  "127.0.0.18": {"name": "mx.mbx-slow.io", "delay": 4, "mailboxes": {"ann": "ok"}},
  "127.0.0.19": {"name": "mx.mbx-busy.io", "refuse": true},
  "127.0.0.20": {"name": "mx1.mbx-multi.io", "refuse": "closed"},
  "127.0.0.21": {"name": "mx2.mbx-multi.io", "mailboxes": {"ann": "ok", "bob": "unknown"}},
  "127.0.0.22": {"name": "mx.mbx-many.io", "max_rcpt": 3,
                 "mailboxes": {"a1": "ok", "a2": "ok", "a3": "ok", "a4": "ok", "a5": "ok"}},
  "127.0.0.23": {"name": "mx.mbx-tls.io", "starttls": "offered", "mailboxes": {"ann": "ok"}},
  "127.0.0.24": {"name": "mx.mbx-tlsreq.io", "starttls": "required", "mailboxes": {"ann": "ok"}},
  "127.0.0.25": {"name": "mta5.am0.yahoodns.net", "mailboxes": {"ann": "unknown"}},
  "127.0.0.26": {"name": "mx.mbx-drop.io", "drop_after": 3},
  "127.0.0.27": {"name": "mx.mbx-gone.io", "refuse": "closed"},
  "127.0.0.28": {"name": "mx.mbx-catch2.io", "catch_all": true}
}}
JSON
dns_zone "$t/zone" \
	"mbx-ok.io. MX 10 mx.mbx-ok.io." "mx.mbx-ok.io. A 127.0.0.11" \
	"mbx-ms.io. MX 0 mx.mbx-ms.io." "mx.mbx-ms.io. A 127.0.0.12" \
	"mbx-catch.io. MX 10 mx.mbx-catch.io." "mx.mbx-catch.io. A 127.0.0.13" \
	"mbx-block.io. MX 10 mx.mbx-block.io." "mx.mbx-block.io. A 127.0.0.14" \
	"mbx-ban.io. MX 10 mx.mbx-ban.io." "mx.mbx-ban.io. A 127.0.0.15" \
	"mbx-grey.io. MX 10 mx.mbx-grey.io." "mx.mbx-grey.io. A 127.0.0.16" \
	"mbx-stuck.io. MX 10 mx.mbx-stuck.io." "mx.mbx-stuck.io. A 127.0.0.17" \
	"mbx-slow.io. MX 10 mx.mbx-slow.io." "mx.mbx-slow.io. A 127.0.0.18" \
	"mbx-busy.io. MX 10 mx.mbx-busy.io." "mx.mbx-busy.io. A 127.0.0.19" \
	"mbx-multi.io. MX 10 mx1.mbx-multi.io." "mx1.mbx-multi.io. A 127.0.0.20" \
	"mbx-multi.io. MX 20 mx2.mbx-multi.io." "mx2.mbx-multi.io. A 127.0.0.21" \
	"mbx-many.io. MX 10 mx.mbx-many.io." "mx.mbx-many.io. A 127.0.0.22" \
	"mbx-tls.io. MX 10 mx.mbx-tls.io." "mx.mbx-tls.io. A 127.0.0.23" \
	"mbx-tlsreq.io. MX 10 mx.mbx-tlsreq.io." "mx.mbx-tlsreq.io. A 127.0.0.24" \
	"mbx-yahoo.io. MX 1 mta5.am0.yahoodns.net." "mta5.am0.yahoodns.net. A 127.0.0.25" \
	"mbx-drop.io. MX 10 mx.mbx-drop.io." "mx.mbx-drop.io. A 127.0.0.26" \
	"mbx-gone.io. MX 10 mx.mbx-gone.io." "mx.mbx-gone.io. A 127.0.0.27" \
	"mbx-catch2.io. MX 10 mx.mbx-catch2.io." "mx.mbx-catch2.io. A 127.0.0.28" \
	"mbx-nomail.io. MX 0 ."
dns_start "$t/zone"
smtpd_start "$t/script.json" --cert "$t/tls/cert.pem" --key "$t/tls/key.pem" --socks 0

# Timeouts short enough for a test, long enough for a loaded machine:
# only the tarpit (4 s a reply) outlasts its greeting's 1.5 s.
cat >"$t/lg.conf" <<CONF
[smtp]
helo = probe.leadgate-test.io
mail_from = verify@leadgate-test.io
banner_timeout = 1500
reply_timeout = 3000
connect_timeout = 2000
interval = 0
greylist_delay = 1
allow_private = yes
CONF
cat >"$t/in.csv" <<'CSV'
email,note
ann@mbx-ok.io,accepted
bob@mbx-ok.io,5.1.1
cy@mbx-ok.io,5.2.1
dee@mbx-ok.io,5.2.2
hal@mbx-ok.io,550 user unknown
ivy@mbx-ok.io,5.5.1
info@mbx-ok.io,a role address accepted
sales@mbx-ok.io,a role address refused
eve@mbx-ms.io,microsoft accepted
zed@mbx-ms.io,microsoft 5.4.1
ann@mbx-catch.io,catch-all
ann@mbx-block.io,5.7.1 at rcpt
ann@mbx-ban.io,5.7.1 at the banner
ann@mbx-grey.io,greylisted then accepted
ann@mbx-stuck.io,greylisted past the wait
ann@mbx-slow.io,tarpit
ann@mbx-busy.io,421
ann@mbx-multi.io,first mx refuses
bob@mbx-multi.io,first mx refuses
a1@mbx-many.io,452 after three
a2@mbx-many.io,452 after three
a3@mbx-many.io,452 after three
a4@mbx-many.io,452 after three
a5@mbx-many.io,452 after three
ann@mbx-tls.io,starttls offered
ann@mbx-tlsreq.io,starttls required
ann@mbx-yahoo.io,provider skipped
ann@mbx-drop.io,dropped mid-session
ann@mbx-gone.io,no connection
ann@mbx-nomail.io,null mx
jürgen@mbx-ok.io,a UTF-8 local part: not probed
not-an-address,syntax
CSV

# --- without an identity: exit 78, nothing written --------------------------
exits 78 "--smtp without [smtp] helo" "$lg" verify $dns --smtp -o "$t/none.csv" "$t/in.csv"
check "--smtp without helo: says what is missing" grep -q "needs \[smtp\] helo" "$t/err"
check "--smtp without helo: no output" test ! -e "$t/none.csv"
printf '[smtp]\nhelo = localhost\nmail_from = a@localhost\n' >"$t/bad.conf"
exits 78 "helo localhost refused" "$lg" verify -c "$t/bad.conf" $dns --smtp "$t/in.csv"
exits 64 "--smtp with --no-dns" "$lg" verify -c "$t/lg.conf" --no-dns --smtp "$t/in.csv"
# Port 25 closed everywhere: said as such, the rows unknown.
printf 'email\nann@mbx-gone.io\n' >"$t/gone.csv"
exits 0 "every mail host unreachable" "$lg" verify -c "$t/lg.conf" $dns --smtp \
	--smtp-port "$smtp_port" "$t/gone.csv"
check "... asks whether port 25 is blocked" grep -q "is outgoing port 25 blocked" "$t/err"
check "... the row unknown" grep -q "^ann@mbx-gone.io,unknown,smtp.no_connect," "$t/out"

# --- every row of the table ---------------------------------------------------
# (exit 1: the gate blocks so short a list)
exits 1 "verify --smtp" "$lg" --db "$db" --now "$now" verify -c "$t/lg.conf" $dns --smtp \
	--smtp-port "$smtp_port" --smtp-greylist-wait 3 -l probes -o "$t/out.csv" "$t/in.csv"
cp "$t/err" "$t/verify.err"
# row EMAIL STATUS REASON FLAGS SMTP: the output row of EMAIL says so
# (columns: email, note, status, reason, flags, ..., verify_smtp last; SMTP
# "*": any reply)
row() {
	line=$(grep -F -- "$1," "$t/out.csv" | head -n 1)
	got=$(echo "$line" | awk -F, '{ print $3 "|" $4 "|" $5 "|" $NF }')
	[ "$5" = "*" ] && got=${got%|*}"|*"
	eq "$1: $2 $3" "$got" "$2|$3|$4|$5"
}
row ann@mbx-ok.io deliverable ok "" "250 2.1.5"
row jürgen@mbx-ok.io deliverable ok smtputf8 ""
row bob@mbx-ok.io undeliverable smtp.no_mailbox "" "550 5.1.1"
row cy@mbx-ok.io undeliverable smtp.disabled "" "550 5.2.1"
row dee@mbx-ok.io risky smtp.mailbox_full "" "552 5.2.2"
row hal@mbx-ok.io undeliverable smtp.no_mailbox "" "550"
row ivy@mbx-ok.io unknown smtp.undecided "" "550 5.5.1"
row info@mbx-ok.io risky class.role role "250 2.1.5"
row sales@mbx-ok.io undeliverable smtp.no_mailbox role "550 5.1.1"
row eve@mbx-ms.io deliverable ok "" "250 2.1.5"
row zed@mbx-ms.io undeliverable smtp.no_mailbox "" "550 5.4.1"
row ann@mbx-catch.io risky smtp.catch_all accept_all "250 2.1.5"
row ann@mbx-block.io unknown smtp.blocked "" "550 5.7.1"
row ann@mbx-ban.io unknown smtp.blocked "" "*"
row ann@mbx-grey.io deliverable ok "" "250 2.1.5"
row ann@mbx-stuck.io unknown smtp.greylisted "" "450 4.2.0"
row ann@mbx-busy.io unknown smtp.timeout "" "*"
row ann@mbx-multi.io deliverable ok "" "250 2.1.5"
row bob@mbx-multi.io undeliverable smtp.no_mailbox "" "550 5.1.1"
for a in a1 a2 a3 a4 a5; do row $a@mbx-many.io deliverable ok "" "250 2.1.5"; done
row ann@mbx-tls.io deliverable ok "" "250 2.1.5"
row ann@mbx-tlsreq.io deliverable ok "" "250 2.1.5"
row ann@mbx-yahoo.io deliverable ok smtp_skipped ""
row ann@mbx-nomail.io undeliverable dns.null_mx "" ""
row not-an-address undeliverable syntax.no_at "" ""
# A tarpit, a drop, no connection: never undeliverable, and which reason
# says so
row ann@mbx-gone.io unknown smtp.no_connect "" "*"
line=$(grep -F "ann@mbx-slow.io," "$t/out.csv")
case $line in *",unknown,smtp.timeout,"*) ok "the tarpit: unknown, smtp.timeout" ;;
*) notok "the tarpit: $line" ;; esac
line=$(grep -F "ann@mbx-drop.io," "$t/out.csv")
case $line in *",unknown,smtp."*) ok "a drop mid-session: unknown" ;;
*) notok "a drop mid-session: $line" ;; esac
check "no row is undeliverable but by a mailbox's own reply" \
	sh -c "! grep ',undeliverable,smtp\.' '$t/out.csv' | grep -v ',smtp\.no_mailbox,\|,smtp\.disabled,'"
eq "every row, in input order" "$(cut -d, -f1 "$t/out.csv")" "$(cut -d, -f1 "$t/in.csv")"
check "the header ends in verify_smtp" sh -c "head -n 1 '$t/out.csv' | grep -q ',verified_at,verify_smtp\$'"
check "the summary counts the sessions" grep -q "^  smtp .*sessions" "$t/verify.err"

# --- the store: the evidence, the catch-all state, greylisting ---------------
eq "the evidence of a refused mailbox" \
	"$(sq "SELECT smtp_outcome, smtp_reply FROM contacts WHERE address = 'bob@mbx-ok.io'")" "3|550 5.1.1"
eq "a session over TLS is recorded as such" \
	"$(sq "SELECT smtp_tls FROM contacts WHERE address = 'ann@mbx-tlsreq.io'")" "1"
eq "a skipped address has no SMTP evidence" \
	"$(sq "SELECT smtp_outcome IS NULL FROM contacts WHERE address = 'ann@mbx-yahoo.io'")" "1"
eq "catch-all states kept" \
	"$(sq "SELECT domain || ':' || catch_all FROM smtp_domains WHERE domain IN ('mbx-catch.io', 'mbx-ok.io') ORDER BY domain")" \
	"mbx-catch.io:2
mbx-ok.io:1"
eq "kept for 7 days" "$(sq "SELECT min(expires_at - found_at) FROM smtp_domains")" "604800"
eq "the greylisted address waits first for refresh" \
	"$(sq "SELECT c.address FROM reverify r JOIN contacts c ON c.id = r.contact_id WHERE r.why = 'smtp.greylisted'")" \
	"ann@mbx-stuck.io"
exits 0 "contact shows the SMTP evidence" "$lg" --db "$db" --now "$now" contact bob@mbx-ok.io
check "contact: smtp no_mailbox (550 5.1.1)" grep -q "smtp no_mailbox (550 5.1.1)" "$t/out"
exits 0 "contact --format json" "$lg" --db "$db" --now "$now" contact -f json ann@mbx-tlsreq.io
check "contact json: the smtp object" python3 -c "
import json, sys
o = json.load(open(sys.argv[1]))
s = o['verdict']['smtp']
assert s['outcome'] == 'accepted' and s['reply'] == '250 2.1.5' and s['tls'] is True, s
assert o['history'][0]['smtp']['outcome'] == 'accepted'
" "$t/out"

# --- the manners, from the server's log --------------------------------------
# settled: wait (5 s at most) until the server has logged the close of
# every session it logged open
settled() {
	i=0
	while [ $i -lt 50 ] && ! python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
sys.exit(sum(e['ev'] == 'open' for e in L) != sum(e['ev'] == 'close' for e in L))
" "$t/smtpd.log"; do
		sleep 0.1
		i=$((i + 1))
	done
}
settled # the server logs a session's close after the client left
cp "$t/smtpd.log" "$t/verify.log"
manners() { # manners NAME LOG: the log of a run shows good manners
	python3 - "$2" <<'PY' && ok "$1: no DATA, QUIT, the per-host cap, sessions per domain" ||
import json, sys, collections
L = [json.loads(x) for x in open(sys.argv[1])]
cmds = [e for e in L if e["ev"] == "cmd"]
assert not [e for e in cmds if e["cmd"].upper().startswith("DATA")], "DATA sent"
assert max(e.get("concurrent", 0) for e in L if e["ev"] == "open") <= 2, "more than 2 at once"
closes = [e for e in L if e["ev"] == "close"]
cut = {"drop", "refuse", "idle", "stop", "error"}
quits = {e["sid"] for e in cmds if e["cmd"].upper() == "QUIT"}
# A session the prober ended itself (not cut by the server, not a tarpit
# it gave up on) ends with QUIT.
slow = {e["sid"] for e in L if e["ev"] == "open" and e["host"] == "127.0.0.18"}
bad = [e for e in closes if e["by"] == "client" and e["sid"] not in quits | slow]
assert not bad, f"sessions closed without QUIT: {bad[:3]}"
# One session a domain, plus one per 452 and per greylisting retry.
per = collections.Counter(d for e in closes for d in e.get("domains", []))
n452 = collections.Counter()
n450 = collections.Counter()
for e in cmds:
    r = e.get("reply") or ""
    if e["cmd"].upper().startswith("RCPT") and "@" in e["cmd"]:
        dom = e["cmd"].split("@")[-1].rstrip(">").lower()
        if r.startswith("452"):
            n452[dom] += 1
        if r.startswith("450"):
            n450[dom] += 1
for d, n in per.items():
    assert n <= 1 + n452[d] + n450[d], f"{d}: {n} sessions, {n452[d]} 452s, {n450[d]} 450s"
PY
		notok "$1: manners (see above)"
}
manners "verify --smtp" "$t/verify.log"
check "the provider in the table was never asked" \
	python3 -c "
import json, sys
assert not [e for e in map(json.loads, open(sys.argv[1])) if e.get('host') == '127.0.0.25']
" "$t/verify.log"
check "452 after three: a second session" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
n = len([e for e in L if e['ev'] == 'open' and e['host'] == '127.0.0.22'])
assert n == 2, n
" "$t/verify.log"
check "the first MX refused, the second answered" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
assert [e for e in L if e['ev'] == 'cmd' and e['host'] == '127.0.0.21' and 'mbx-multi.io' in e['cmd']]
" "$t/verify.log"
check "STARTTLS was used where offered" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
assert {e['host'] for e in L if e['ev'] == 'tls'} >= {'127.0.0.23', '127.0.0.24'}
" "$t/verify.log"

# --- a second run: the catch-all state from the store, no probe again --------
# (the log is read from here on: the server keeps writing where it was)
mark=$(wc -l <"$t/smtpd.log")
printf 'email\nann@mbx-catch.io\nzoe@mbx-catch.io\n' >"$t/again.csv"
exits 1 "verify --smtp again" "$lg" --db "$db" --now "$now" verify -c "$t/lg.conf" $dns --smtp \
	--smtp-port "$smtp_port" -l again -o "$t/again.out" "$t/again.csv"
check "again: still catch-all" grep -q "^zoe@mbx-catch.io,risky,smtp.catch_all,accept_all," "$t/again.out"
settled
tail -n +$((mark + 1)) "$t/smtpd.log" >"$t/again.log"
check "again: one RCPT a known address, no made-up one" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
r = [e['cmd'] for e in L if e['ev'] == 'cmd' and e['cmd'].upper().startswith('RCPT')]
assert len(r) == 2, r
" "$t/again.log"

# --- refresh --smtp: the greylisted address first ----------------------------
mark=$(wc -l <"$t/smtpd.log")
exits 0 "refresh --smtp --budget 1" "$lg" --db "$db" --now 2026-12-01T10:00:00Z refresh \
	-c "$t/lg.conf" $dns --smtp --smtp-port "$smtp_port" --smtp-greylist-wait 3 --budget 1 \
	--older-than 30d
eq "refresh took the greylisted address first" \
	"$(sq "SELECT c.address FROM evidence e JOIN contacts c ON c.id = e.contact_id WHERE e.how = 'refresh'")" \
	"ann@mbx-stuck.io"
settled
tail -n +$((mark + 1)) "$t/smtpd.log" >"$t/refresh.log"
check "refresh asked its mail host" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
assert [e for e in L if e['ev'] == 'cmd' and 'ann@mbx-stuck.io' in e['cmd']]
" "$t/refresh.log"
manners "refresh --smtp" "$t/refresh.log"
exits 78 "refresh --smtp without helo" "$lg" --db "$db" refresh $dns --smtp

# --- refresh --smtp --list: the address as the list spelled it ---------------
# (the store keys a contact by its case-folded address; a local part's
# case is the mail host's to judge, RFC 5321 2.4)
printf 'email\nAnn.Lee@MBX-ok.io\n' >"$t/case.csv"
"$lg" --db "$db" --now "$now" verify -c "$t/lg.conf" $dns -l case -o "$t/case.out" \
	"$t/case.csv" 2>"$t/err"
eq "the contact is kept under its key" \
	"$(sq "SELECT count(*) FROM contacts WHERE address = 'ann.lee@mbx-ok.io'")" "1"
settled
mark=$(wc -l <"$t/smtpd.log")
exits 0 "refresh --smtp --list case" "$lg" --db "$db" --now 2027-03-01T09:00:00Z refresh \
	-c "$t/lg.conf" $dns --smtp --smtp-port "$smtp_port" --list case --older-than 30d
settled
tail -n +$((mark + 1)) "$t/smtpd.log" >"$t/case.log"
check "refresh probed Ann.Lee as the list spelled it, not its key" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
r = [e['cmd'] for e in L if e['ev'] == 'cmd' and e['cmd'].upper().startswith('RCPT')]
assert [c for c in r if 'Ann.Lee@mbx-ok.io' in c], r
assert not [c for c in r if 'ann.lee@' in c], r
" "$t/case.log"

# --- the API: "smtp": true on POST /v1/verify, ?smtp=true on POST /v1/jobs ---
if command -v curl >/dev/null 2>&1; then
	# the mail hosts' port for the service's prober, in its configuration
	sed "s/^\[smtp\]\$/[smtp]\nport = $smtp_port/" "$t/lg.conf" >"$t/serve.conf"
	key_make key api verify,jobs
	pid=
	serve_start serve "$t/serve.conf"
	req "verify one, smtp" 200 -H "$(auth "$key")" -X POST \
		-d '{"email": "bob@mbx-ok.io", "smtp": true}' "$url/v1/verify"
	check "verify one, smtp: the mailbox's verdict" python3 -c "
import json, sys
o = json.load(open(sys.argv[1]))
assert (o['verify_status'], o['verify_reason'], o['verify_smtp']) == (
    'undeliverable', 'smtp.no_mailbox', '550 5.1.1'), o
" "$t/body"
	req "verify one, no smtp" 200 -H "$(auth "$key")" -X POST \
		-d '{"email": "bob@mbx-ok.io"}' "$url/v1/verify"
	check "verify one, no smtp: the domain's verdict" python3 -c "
import json, sys
o = json.load(open(sys.argv[1]))
assert (o['verify_status'], o['verify_smtp']) == ('deliverable', None), o
" "$t/body"
	req "verify one, smtp not a boolean" 400 -H "$(auth "$key")" -X POST \
		-d '{"email": "bob@mbx-ok.io", "smtp": "yes"}' "$url/v1/verify"
	# Two at once: one waits on a tarpit, the other is answered all the same.
	curl -s -o "$t/slow.json" -H "$(auth "$key")" -X POST \
		-d '{"email": "ann@mbx-slow.io", "smtp": true}' "$url/v1/verify" &
	slow=$!
	req "verify one, smtp, beside a slow one" 200 -H "$(auth "$key")" -X POST \
		-d '{"email": "ann@mbx-catch.io", "smtp": true}' "$url/v1/verify"
	wait $slow
	check "the slow one: smtp.timeout" grep -q '"verify_reason":"smtp.timeout"' "$t/slow.json"
	printf 'email\nann@mbx-ok.io\nbob@mbx-ok.io\n' >"$t/job.csv"
	req "POST /v1/jobs?smtp=true" 202 -H "$(auth "$key")" -H 'Content-Type: text/csv' \
		--data-binary "@$t/job.csv" "$url/v1/jobs?smtp=true"
	jid=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$t/body")
	check "the job says smtp" grep -q '"smtp": *true' "$t/body"
	done_job() {
		curl -s -H "$(auth "$key")" "$url/v1/jobs/$jid" | grep -q '"status": *"done"'
	}
	await "the job is done" done_job
	curl -s -o "$t/job.out" -H "$(auth "$key")" "$url/v1/jobs/$jid/results"
	check "the job's results: probed" grep -q "^bob@mbx-ok.io,undeliverable,smtp.no_mailbox,.*,550 5.1.1\r\{0,1\}\$" "$t/job.out"
	req "POST /v1/jobs?smtp=maybe" 400 -H "$(auth "$key")" -H 'Content-Type: text/csv' \
		--data-binary "@$t/job.csv" "$url/v1/jobs?smtp=maybe"
	# A UTF-8 local part: not probed (RFC 6531), its DNS verdict stands,
	# and no session reaches a mail host (mbx-tls.io was not asked yet).
	settled
	mark=$(wc -l <"$t/smtpd.log")
	req "verify one, smtp, a UTF-8 local part" 200 -H "$(auth "$key")" -X POST \
		-d '{"email": "jürgen@mbx-tls.io", "smtp": true}' "$url/v1/verify"
	check "a UTF-8 local part: its DNS verdict, flag smtputf8, no SMTP reply" python3 -c "
import json, sys
o = json.load(open(sys.argv[1]))
assert (o['verify_status'], o['verify_reason'], o['verify_smtp']) == ('deliverable', 'ok', None), o
assert 'smtputf8' in o['verify_flags'], o
" "$t/body"
	# a catch-all domain next: its session (waited for) comes after any
	# the UTF-8 address would have started
	req "verify one, smtp, a catch-all domain" 200 -H "$(auth "$key")" -X POST \
		-d '{"email": "ann@mbx-catch2.io", "smtp": true}' "$url/v1/verify"
	check "the catch-all domain: smtp.catch_all" \
		grep -q '"verify_reason":"smtp.catch_all"' "$t/body"
	settled
	tail -n +$((mark + 1)) "$t/smtpd.log" >"$t/api.log"
	check "a UTF-8 local part: no session to its mail host" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
assert not [e for e in L if e.get('host') == '127.0.0.23'], 'a session to mx.mbx-tls.io'
assert not [e for e in L if e['ev'] == 'cmd' and 'rgen@' in e['cmd']], 'jürgen asked'
" "$t/api.log"
	# The catch-all state the service found is kept in the store (by a
	# worker: it may come a moment after the answer) ...
	catch2_kept() {
		[ "$(sq "SELECT catch_all || ':' || (expires_at - found_at) FROM smtp_domains WHERE domain = 'mbx-catch2.io'")" = "2:604800" ]
	}
	await "the service keeps the catch-all state it found, for 7 days" catch2_kept
	serve_stop "$pid"
	# ... and a later verify --smtp of the domain does not ask a made-up
	# address again: one RCPT, the address's.
	settled
	mark=$(wc -l <"$t/smtpd.log")
	printf 'email\nzoe@mbx-catch2.io\n' >"$t/catch2.csv"
	exits 1 "verify --smtp after the service's probe" "$lg" --db "$db" --now "$now" verify \
		-c "$t/lg.conf" $dns --smtp --smtp-port "$smtp_port" -l catch2 -o "$t/catch2.out" \
		"$t/catch2.csv"
	check "... still catch-all" grep -q "^zoe@mbx-catch2.io,risky,smtp.catch_all,accept_all," "$t/catch2.out"
	settled
	tail -n +$((mark + 1)) "$t/smtpd.log" >"$t/catch2.log"
	check "... one RCPT, no made-up one" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
r = [e['cmd'] for e in L if e['ev'] == 'cmd' and e['cmd'].upper().startswith('RCPT')]
assert len(r) == 1 and 'zoe@' in r[0], r
" "$t/catch2.log"

	# [smtp] is checked when the service starts: a proxy whose name does
	# not resolve, or a refused identity, is a configuration error (78).
	sed "s/^\[smtp\]\$/[smtp]\nproxy = socks5:\/\/no-such-proxy.invalid:1080/" "$t/serve.conf" \
		>"$t/badproxy.conf"
	# (timeout: a service that starts all the same is stopped)
	exits 78 "serve: a proxy that does not resolve" timeout 20 "$lg" --db "$db" serve \
		--listen 127.0.0.1:0 --config "$t/badproxy.conf" $dns
	check "... says which" grep -q "proxy 'socks5://no-such-proxy.invalid:1080': cannot resolve" "$t/err"
	exits 78 "serve: a refused identity" timeout 20 "$lg" --db "$db" serve \
		--listen 127.0.0.1:0 --config "$t/bad.conf" $dns
	check "... says why" grep -q "helo 'localhost'" "$t/err"
	# A proxy by name: resolved at the start, the probes go through it.
	pname=localhost
	first=$(python3 -c "import socket; print(socket.getaddrinfo('localhost', None, 0, socket.SOCK_STREAM)[0][4][0])")
	[ "$first" = 127.0.0.1 ] || pname=127.0.0.1 # the proxy listens on 127.0.0.1 only
	sed "s/^\[smtp\]\$/[smtp]\nproxy = socks5:\/\/$pname:$socks_port/" "$t/serve.conf" >"$t/proxy.conf"
	settled
	mark=$(wc -l <"$t/smtpd.log")
	serve_start proxy "$t/proxy.conf"
	req "verify one, smtp, through the proxy ($pname)" 200 -H "$(auth "$key")" -X POST \
		-d '{"email": "a1@mbx-many.io", "smtp": true}' "$url/v1/verify"
	check "... the mailbox's verdict" python3 -c "
import json, sys
o = json.load(open(sys.argv[1]))
assert (o['verify_status'], o['verify_smtp']) == ('deliverable', '250 2.1.5'), o
" "$t/body"
	serve_stop "$pid"
	settled
	tail -n +$((mark + 1)) "$t/smtpd.log" >"$t/proxy.log"
	check "... the session went through the proxy" python3 -c "
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
assert [e for e in L if e['ev'] == 'socks' and e['reply'] == 0 and e['dest'].startswith('127.0.0.22:')], L
" "$t/proxy.log"
	# Without the identity, probing is refused: 409 smtp_unavailable.
	serve_start bare ""
	req "verify one, smtp, no identity" 409 -H "$(auth "$key")" -X POST \
		-d '{"email": "bob@mbx-ok.io", "smtp": true}' "$url/v1/verify"
	errcode smtp_unavailable
	req "POST /v1/jobs?smtp=true, no identity" 409 -H "$(auth "$key")" \
		-H 'Content-Type: text/csv' --data-binary "@$t/job.csv" "$url/v1/jobs?smtp=true"
	serve_stop "$pid"
	pid=
else
	notok "curl is not installed: the API's probing is not tested"
fi

echo "smtp: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
