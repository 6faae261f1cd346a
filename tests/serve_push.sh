#!/bin/sh
# serve_push.sh LEADGATE - what the ESPs and event sources push to
# `leadgate serve` (POST /v1/bounces/..., /v1/events, the SNS subscription
# messages), through a real HTTP client (curl): the same fixtures as the
# file importers, signed (python3 hmac for Mailgun; SendGrid's vector made
# by openssl, tests/vectors/esp/gen.sh), unsigned and wrongly signed; the
# counts answered equal `bounces import --format json` / `events import
# --format json` of the same bytes into a twin database; the SNS
# subscriptions confirmed against a python3 HTTPS server that plays the
# SNS host.  unbound on loopback (tests/dnsd.sh) and the servers are
# stopped by PID.  Prints "N passed, N failed" last.
set -u
. tests/lib.sh
suite_init lg-push "$@"
srv= srv2= fake=
trap 'serve_cleanup $srv $srv2 $fake' EXIT
need curl python3 sqlite3 openssl

dns_zone "$t/zone" "acme-soft.com. 3600 MX 10 mx.acme-soft.com."
: >"$t/zone.conf"
dns_start "$t/zone"
# The SendGrid vector is signed at 1765000000 (2025-12-06T05:46:40Z):
# the servers' clock is a few minutes later, within the window.
now=2025-12-06T05:50:00Z
now_s=1765000200
db=$t/lg.db   # the servers'
twin=$t/twin.db # the file importer's
v=tests/vectors/esp
d=tests/data/bounces
mg_key=key-test-4f1c9a7e2b6d8053

key_make k_bounces esp-proxy bounces
key_make k_events tracker events
key_make k_verify ci verify
key_make k_admin root admin
key_make k_leads sales leads

start() { serve_start "$@"; } # start NAME CONFIG: PID in $pid, address in $url
cat >"$t/esp.conf" <<EOF
[serve]
rate = 1000
burst = 1000

[esp]
mailgun.signing_key = $mg_key
sendgrid.public_key = $(cat $v/sendgrid-pub.b64)
ses.user = sns
ses.password = ses-s3cret
postmark.user = pm
postmark.password = pm-s3cret
sns_confirm_via = 127.0.0.1:$(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EOF
# (sns_confirm_via: a port nothing listens on, so that a confirmation
# fails here at once and never goes to the internet; the end of this file
# has a server that plays the SNS host.)
start esp "$t/esp.conf"
srv=$pid esp_url=$url
printf '[serve]\nrate = 1000\nburst = 1000\n' >"$t/bare.conf"
start bare "$t/bare.conf"
srv2=$pid bare=$url url=$esp_url

json_post() { echo "Content-Type: application/json"; }
# same_counts NAME FILE: $t/body holds the counts `bounces import
# --format json` printed for FILE into the twin (all but "file")
same_counts() {
	got=$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.loads(open(sys.argv[2]).read().splitlines()[-1])
a.pop("file"); b.pop("file")
print("same" if a == b else "differ: %s / %s" % (a, b))' "$t/body" "$2" 2>&1)
	eq "$1" "$got" same
}
twin_import() { # twin_import KIND FILE: the CLI's counts into $t/cli.json
	"$lg" --db "$twin" --now "$now" "$1" import --format json "$2" >"$t/cli.json" 2>"$t/cli.err" ||
		{ notok "$1 import of $2 into the twin"; sed 's/^/#   /' "$t/cli.err"; }
}
bounces() { sqlite3 -batch "$1" "SELECT count(*) FROM bounces"; }

# --- the CLI's view -------------------------------------------------------
"$lg" --db "$t/cli-only.db" --now "$now" bounces import --format json $d/sendgrid.json $d/postmark-hard.json \
	>"$t/two.json" 2>"$t/two.err"
eq "bounces import --format json: a line per file" "$(wc -l <"$t/two.json" | tr -d ' ')" 2
eq "bounces import --format json: its counts" "$(python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
print(o["format"], o["added"] + o["duplicates"] > 0, sorted(o["by_type"]))' "$t/two.json")" \
	"sendgrid True ['block', 'complaint', 'hard', 'soft', 'unsubscribe']"

# --- each provider, signed as it signs -----------------------------------
# SES through SNS: basic auth
twin_import bounces $d/ses-sns.json
req "ses: a Notification with SNS's basic auth" 200 -u sns:ses-s3cret -H "$(json_post)" \
	--data-binary @$d/ses-sns.json "$url/v1/bounces/ses"
same_counts "ses: the counts are the importer's" "$t/cli.json"
twin_import bounces $d/ses-sns.json
req "ses: the same notification again" 200 -u sns:ses-s3cret --data-binary @$d/ses-sns.json "$url/v1/bounces/ses"
same_counts "ses: again, counted once (as the importer)" "$t/cli.json"
eq "ses: imported once" "$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["added"], o["duplicates"] > 0)' "$t/body")" "0 True"
req "ses: no credentials" 401 -D "$t/head" --data-binary @$d/ses-sns.json "$url/v1/bounces/ses"
errcode unauthorized
eq "ses: 401 asks for basic auth, which SNS then sends" \
	"$(grep -i '^WWW-Authenticate:' "$t/head" | cut -d: -f2- | tr -d '\r' | sed 's/^ //')" \
	'Basic realm="leadgate", charset="UTF-8"'
req "postmark: a key of no scope bounces is no basic auth" 401 -D "$t/head" -H "$(auth lg_nosuchkey)" \
	--data-binary @$d/postmark-hard.json "$url/v1/bounces/postmark"
eq "postmark: 401 for a key asks for a key" "$(grep -i '^WWW-Authenticate:' "$t/head" | cut -d: -f2- | tr -d '\r ')" Bearer
req "ses: a wrong password" 401 -u sns:guess --data-binary @$d/ses-sns.json "$url/v1/bounces/ses"
errcode unauthorized

# Postmark: basic auth
twin_import bounces $d/postmark-hard.json
req "postmark: a bounce with basic auth" 200 -u pm:pm-s3cret --data-binary @$d/postmark-hard.json "$url/v1/bounces/postmark"
same_counts "postmark: the counts are the importer's" "$t/cli.json"
req "postmark: no credentials" 401 --data-binary @$d/postmark-hard.json "$url/v1/bounces/postmark"
req "postmark: SES's credentials" 401 -u sns:ses-s3cret --data-binary @$d/postmark-hard.json "$url/v1/bounces/postmark"
before=$(bounces "$db")
req "postmark: SendGrid's events are not Postmark's" 400 -u pm:pm-s3cret --data-binary @$d/sendgrid.json "$url/v1/bounces/postmark"
errcode bad_request
req "postmark: a body that is no bounce at all" 400 -u pm:pm-s3cret --data-binary 'hello' "$url/v1/bounces/postmark"
eq "a refused body imports nothing" "$(bounces "$db")" "$before"

# SendGrid: ECDSA over timestamp || body
sg_sig=$(cat $v/sendgrid-sig.b64) sg_ts=$(cat $v/sendgrid-ts.txt)
twin_import bounces $d/sendgrid.json
req "sendgrid: a signed post" 200 -H "X-Twilio-Email-Event-Webhook-Signature: $sg_sig" \
	-H "X-Twilio-Email-Event-Webhook-Timestamp: $sg_ts" --data-binary @$d/sendgrid.json "$url/v1/bounces/sendgrid"
same_counts "sendgrid: the counts are the importer's" "$t/cli.json"
req "sendgrid: unsigned" 401 --data-binary @$d/sendgrid.json "$url/v1/bounces/sendgrid"
errcode unauthorized
req "sendgrid: signed for another time" 401 -H "X-Twilio-Email-Event-Webhook-Signature: $sg_sig" \
	-H "X-Twilio-Email-Event-Webhook-Timestamp: $((sg_ts + 1))" --data-binary @$d/sendgrid.json "$url/v1/bounces/sendgrid"
printf ' ' >"$t/sg-changed.json"; cat $d/sendgrid.json >>"$t/sg-changed.json"
req "sendgrid: the signature of another body" 401 -H "X-Twilio-Email-Event-Webhook-Signature: $sg_sig" \
	-H "X-Twilio-Email-Event-Webhook-Timestamp: $sg_ts" --data-binary @"$t/sg-changed.json" "$url/v1/bounces/sendgrid"

# Mailgun: HMAC-SHA256 of timestamp || token, signed here
mg_sign() { # mg_sign KEY TIMESTAMP TOKEN OUT: the webhook fixture signed so
	python3 - "$@" <<'PY'
import hashlib, hmac, json, sys
key, ts, token, out = sys.argv[1:5]
body = json.load(open("tests/data/bounces/mailgun-webhook.json"))
body["signature"] = {"timestamp": ts, "token": token,
                     "signature": hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()}
json.dump(body, open(out, "w"))
PY
}
mg_sign $mg_key $now_s tok-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "$t/mg1.json"
twin_import bounces "$t/mg1.json"
req "mailgun: a signed post" 200 --data-binary @"$t/mg1.json" "$url/v1/bounces/mailgun"
same_counts "mailgun: the counts are the importer's" "$t/cli.json"
n=$(bounces "$db")
req "mailgun: the same token again is a replay" 409 --data-binary @"$t/mg1.json" "$url/v1/bounces/mailgun"
errcode replayed
eq "mailgun: a replay imports nothing" "$(bounces "$db")" "$n"
mg_sign $mg_key $now_s tok-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb "$t/mg2.json"
req "mailgun: the same event under a new token" 200 --data-binary @"$t/mg2.json" "$url/v1/bounces/mailgun"
eq "mailgun: the same event counts once" "$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["added"], o["duplicates"] > 0)' "$t/body")" "0 True"
mg_sign key-wrong $now_s tok-cccccccccccccccccccccccccccccccccccccccccccccccc "$t/mg3.json"
req "mailgun: signed with another key" 401 --data-binary @"$t/mg3.json" "$url/v1/bounces/mailgun"
errcode unauthorized
mg_sign $mg_key $((now_s - 3600)) tok-dddddddddddddddddddddddddddddddddddddddddddddddd "$t/mg4.json"
req "mailgun: signed an hour ago" 401 --data-binary @"$t/mg4.json" "$url/v1/bounces/mailgun"
req "mailgun: unsigned" 401 --data-binary @$d/mailgun-events.json "$url/v1/bounces/mailgun"
eq "the counts of both databases agree" "$(bounces "$db")" "$(bounces "$twin")"

# --- an API key in place of the provider's credentials --------------------
req "a key of the scope bounces, unsigned" 200 -H "$(auth "$k_bounces")" --data-binary @$d/ses-bounce.json "$url/v1/bounces/ses"
req "a key without the scope bounces" 403 -H "$(auth "$k_verify")" --data-binary @$d/ses-bounce.json "$url/v1/bounces/ses"
errcode forbidden
req "an unknown key" 401 -H "$(auth lg_nosuchkey)" --data-binary @$d/ses-bounce.json "$url/v1/bounces/ses"
grep -q "POST /v1/bounces/ses 200 [0-9.]*ms key=esp-proxy" "$t/esp.err" && ok "the log names the key" ||
	notok "the log names the key"
for e in ses sendgrid mailgun postmark; do
	req "nothing configured: $e refuses a post without a key" 401 --data-binary @$d/sendgrid.json "$bare/v1/bounces/$e"
done
twin_import bounces $d/mailgun-events.json
req "nothing configured: a key is taken" 200 -H "$(auth "$k_bounces")" --data-binary @$d/mailgun-events.json "$bare/v1/bounces/mailgun"
same_counts "nothing configured: the counts are the importer's" "$t/cli.json"

# --- SNS subscription messages ---------------------------------------------
n=$(bounces "$db")
req "ses: a SubscriptionConfirmation is recorded" 200 -u sns:ses-s3cret --data-binary @$v/sns-subscribe.json "$url/v1/bounces/ses"
eq "ses: its URL shown, its confirmation failed" "$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1])); print(o["type"], o["url_is_sns"], o["confirmed"], o["subscribe_url"].startswith("https://sns.us-east-1.amazonaws.com/"))' "$t/body")" \
	"subscription-confirmation True False True"
grep -q "SNS subscription confirmation for topic 'arn:aws:sns:us-east-1:123456789012:ses-bounces': to confirm it, visit https://sns" "$t/esp.err" &&
	ok "the log shows the URL to visit" || notok "the log shows the URL to visit"
req "ses: an UnsubscribeConfirmation is recorded" 200 -u sns:ses-s3cret --data-binary @$v/sns-unsubscribe.json "$url/v1/bounces/ses"
python3 -c '
import json, sys
m = json.load(open(sys.argv[1])); m["TopicArn"] = "\u00e9" * 200
json.dump(m, open(sys.argv[2], "w"))' $v/sns-subscribe.json "$t/sns-long.json"
req "ses: a topic too long to keep whole" 200 -u sns:ses-s3cret --data-binary @"$t/sns-long.json" "$url/v1/bounces/ses"
eq "ses: a topic cut in a character is shown as null" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["topic_arn"])' "$t/body")" None
req "ses: a SubscriptionConfirmation without credentials" 401 --data-binary @$v/sns-subscribe.json "$url/v1/bounces/ses"
eq "subscription messages import nothing" "$(bounces "$db")" "$n"
req "the subscriptions, to an admin key" 200 -H "$(auth "$k_admin")" "$url/v1/bounces/ses/subscriptions"
eq "the subscriptions, newest first" "$(python3 -c '
import json, sys
print(" ".join(s["type"] + "@" + s["received_at"] for s in json.load(open(sys.argv[1]))["subscriptions"]))' "$t/body")" \
	"subscription-confirmation@2025-12-06T05:50:00Z unsubscribe-confirmation@2025-12-06T05:50:00Z subscription-confirmation@2025-12-06T05:50:00Z"
req "the subscriptions, to a key of the scope bounces" 403 -H "$(auth "$k_bounces")" "$url/v1/bounces/ses/subscriptions"
req "the subscriptions, without a key" 401 "$url/v1/bounces/ses/subscriptions"

# --- events ----------------------------------------------------------------
cat >"$t/ev.ndjson" <<'EOF'
{"event_id":"d1","email":"Ann@Acme-Soft.com","type":"demo_request","channel":"web","asset":"demo","occurred_at":"2025-11-02T09:00:00Z"}
not an event
{"event_id":"d4","email":"vp@acme-soft.com","type":"time_travel","occurred_at":"2025-11-01T09:00:00Z"}
{"event_id":"f1","domain":"www.acme-soft.com","type":"funding","occurred_at":"2025-10-20T00:00:00Z","properties":{"round":"B"}}
EOF
twin_import events "$t/ev.ndjson"
req "events: NDJSON posted" 200 -H "$(auth "$k_events")" -H "Content-Type: application/x-ndjson" \
	--data-binary @"$t/ev.ndjson" "$url/v1/events"
same_counts "events: the counts are the importer's" "$t/cli.json"
twin_import events "$t/ev.ndjson"
req "events: posted again" 200 -H "$(auth "$k_events")" --data-binary @"$t/ev.ndjson" "$url/v1/events"
same_counts "events: again, counted once (as the importer)" "$t/cli.json"
eq "events: the events of both databases" "$(sqlite3 -batch "$db" 'SELECT event_id, address, account FROM events ORDER BY 1')" \
	"$(sqlite3 -batch "$twin" 'SELECT event_id, address, account FROM events ORDER BY 1')"
req "events: CSV is not NDJSON" 400 -H "$(auth "$k_events")" --data-binary 'event_id,email,type,occurred_at' "$url/v1/events"
errcode bad_request
req "events: no key" 401 --data-binary @"$t/ev.ndjson" "$url/v1/events"
req "events: a key without the scope events" 403 -H "$(auth "$k_bounces")" --data-binary @"$t/ev.ndjson" "$url/v1/events"

# --- one contact: the scoring commands' views -----------------------------
printf 'Email,First Name,Job Title,Company\nann@acme-soft.com,Ann,Chief Executive Officer,Acme Soft\nvp@acme-soft.com,Bob,VP Sales,Acme Soft\n' >"$t/contacts.csv"
"$lg" --db "$db" --now "$now" verify $dns --list crm -q -o /dev/null "$t/contacts.csv" 2>"$t/verify.err"
"$lg" --db "$db" --now "$now" qualify ann@acme-soft.com --format json >"$t/qualify.json" 2>"$t/cli.err"
[ -s "$t/qualify.json" ] || { notok "qualify --format json printed nothing"; sed 's/^/#   /' "$t/cli.err"; }
"$lg" --db "$db" --now "$now" score --explain ann@acme-soft.com --format jsonl >"$t/explain.json" 2>"$t/cli.err"
[ -s "$t/explain.json" ] || { notok "score --explain printed nothing"; sed 's/^/#   /' "$t/cli.err"; }
req "contacts: qualify" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/Ann%40Acme-Soft.com/qualify"
cmp -s "$t/body" "$t/qualify.json" && ok "contacts: qualify is qualify --format json, byte for byte" ||
	notok "contacts: qualify differs from qualify --format json"
req "contacts: score" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/ann@acme-soft.com/score?explain=1"
cmp -s "$t/body" "$t/explain.json" && ok "contacts: score is score --explain --format jsonl, byte for byte" ||
	notok "contacts: score differs from score --explain --format jsonl"
"$lg" --db "$db" --now "$now" contact ann@acme-soft.com --format json >"$t/contact.json" 2>"$t/cli.err"
[ -s "$t/contact.json" ] || { notok "contact --format json printed nothing"; sed 's/^/#   /' "$t/cli.err"; }
req "contacts: the contact" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/ann%40acme-soft.com"
cmp -s "$t/body" "$t/contact.json" && ok "contacts: the contact is contact --format json, byte for byte" ||
	{ notok "contacts: the contact differs from contact --format json"; head -c 400 "$t/body" "$t/contact.json" | sed 's/^/#   /'; }
for r in "" /qualify /score; do
	req "contacts: a contact the store lacks$r" 404 -H "$(auth "$k_leads")" "$url/v1/contacts/nobody%40acme-soft.com$r"
	errcode contact_not_found
done
# evidence and decisions: the same jobs as evidence add and decide, on the
# twin (the same contacts) by the command line
"$lg" --db "$twin" --now "$now" verify $dns --list crm -q -o /dev/null "$t/contacts.csv" 2>"$t/verify.err"
"$lg" --db "$twin" --now "$now" evidence add ann@acme-soft.com --criterion budget --status met \
	--confidence 0.8 --source call --note "asked on the call" --format json >"$t/ev.json" 2>"$t/cli.err"
[ -s "$t/ev.json" ] || { notok "evidence add --format json printed nothing"; sed 's/^/#   /' "$t/cli.err"; }
req "contacts: evidence recorded" 200 -H "$(auth "$k_leads")" \
	-d '{"criterion": "budget", "status": "met", "confidence": 0.8, "source": "call", "note": "asked on the call"}' \
	"$url/v1/contacts/ann%40acme-soft.com/evidence"
cmp -s "$t/body" "$t/ev.json" && ok "contacts: evidence is evidence add --format json, byte for byte" ||
	{ notok "contacts: evidence differs from evidence add --format json"; head -c 300 "$t/body" "$t/ev.json" | sed 's/^/#   /'; }
eq "contacts: the evidence is in the store" "$(sqlite3 -batch "$db" "SELECT count(*) FROM qevidence")" \
	"$(sqlite3 -batch "$twin" "SELECT count(*) FROM qevidence")"
req "contacts: evidence of no criterion" 400 -H "$(auth "$k_leads")" \
	-d '{"criterion": "luck", "status": "met", "confidence": 0.8, "source": "call"}' "$url/v1/contacts/ann%40acme-soft.com/evidence"
errcode bad_request
req "contacts: evidence that is not JSON" 400 -H "$(auth "$k_leads")" -d 'budget=met' "$url/v1/contacts/ann%40acme-soft.com/evidence"
req "contacts: evidence of a contact the store lacks" 404 -H "$(auth "$k_leads")" \
	-d '{"criterion": "budget", "status": "met", "confidence": 0.8, "source": "call"}' "$url/v1/contacts/nobody%40acme-soft.com/evidence"
errcode contact_not_found
"$lg" --db "$twin" --now "$now" decide vp@acme-soft.com reject --reason no_budget --by rep1 --format json >"$t/dec.json" 2>"$t/cli.err"
[ -s "$t/dec.json" ] || { notok "decide --format json printed nothing"; sed 's/^/#   /' "$t/cli.err"; }
req "contacts: a decision" 200 -H "$(auth "$k_leads")" -d '{"decision": "reject", "reason": "no_budget", "by": "rep1"}' \
	"$url/v1/contacts/VP%40acme-soft.com/decision"
cmp -s "$t/body" "$t/dec.json" && ok "contacts: the decision is decide --format json, byte for byte" ||
	{ notok "contacts: the decision differs from decide --format json"; head -c 400 "$t/body" "$t/dec.json" | sed 's/^/#   /'; }
req "contacts: a reject without a reason" 400 -H "$(auth "$k_leads")" -d '{"decision": "reject"}' "$url/v1/contacts/vp%40acme-soft.com/decision"
errcode bad_request
req "contacts: a decision without a key" 401 -d '{"decision": "accept"}' "$url/v1/contacts/vp%40acme-soft.com/decision"
req "contacts: a decision by a key without leads" 403 -H "$(auth "$k_events")" -d '{"decision": "accept"}' "$url/v1/contacts/vp%40acme-soft.com/decision"
req "contacts: no key" 401 "$url/v1/contacts/ann%40acme-soft.com"
req "contacts: a key without the scope leads" 403 -H "$(auth "$k_events")" "$url/v1/contacts/ann%40acme-soft.com/qualify"

grep -E '@|lg_[A-Za-z0-9]{8}' "$t/esp.err" | grep -v 'listening' >"$t/leak"
eq "the log holds no address or key" "$(wc -l <"$t/leak" | tr -d ' ')" 0

# --- SNS subscription messages: kept in the store, across a restart --------
req "the subscriptions, before a restart" 200 -H "$(auth "$k_admin")" "$url/v1/bounces/ses/subscriptions"
cp "$t/body" "$t/subs-before.json"
kill "$srv"
wait "$srv"
srv=
start esp2 "$t/esp.conf"
srv=$pid
req "the subscriptions, after a restart" 200 -H "$(auth "$k_admin")" "$url/v1/bounces/ses/subscriptions"
eq "the subscriptions outlive a restart" "$(python3 -c '
import json, sys
print(len(json.load(open(sys.argv[1]))["subscriptions"]))' "$t/body")" 3
cmp -s "$t/body" "$t/subs-before.json" && ok "... the same as before it" ||
	notok "the subscriptions differ after a restart"
"$lg" --db "$db" bounces subscriptions --format json >"$t/subs-cli.json" 2>"$t/cli.err"
eq "bounces subscriptions --format json is the route's view" "$(cat "$t/subs-cli.json")" "$(cat "$t/body")"
"$lg" --db "$db" bounces subscriptions >"$t/subs-cli.txt" 2>"$t/cli.err"
eq "bounces subscriptions: each confirmation's URL to visit" \
	"$(grep -ac '^    to confirm it, visit https://sns.us-east-1.amazonaws.com/' "$t/subs-cli.txt")" 2
eq "bounces subscriptions: newest first" "$(grep -av '^ ' "$t/subs-cli.txt" | awk '{print $2}' | tr '\n' ' ')" \
	"subscription-confirmation unsubscribe-confirmation subscription-confirmation "
i=0
while [ $i -lt 33 ]; do
	curl -s -o /dev/null -u sns:ses-s3cret --data-binary @$v/sns-unsubscribe.json "$url/v1/bounces/ses"
	i=$((i + 1))
done
req "the subscriptions, after 36 messages" 200 -H "$(auth "$k_admin")" "$url/v1/bounces/ses/subscriptions"
eq "only the newest 32 are kept" "$(python3 -c '
import json, sys
print(sorted(set(s["type"] for s in json.load(open(sys.argv[1]))["subscriptions"])))' "$t/body")" \
	"['unsubscribe-confirmation']"
eq "... in the store too" "$(sqlite3 -batch "$db" 'SELECT count(*) FROM sns_messages')" 32
eq "bounces subscriptions --clear forgets them" "$("$lg" --db "$db" bounces subscriptions --clear 2>&1)" \
	"forgot 32 SNS subscription messages"
req "the subscriptions, cleared" 200 -H "$(auth "$k_admin")" "$url/v1/bounces/ses/subscriptions"
eq "... none left" "$(cat "$t/body")" '{"subscriptions":[]}'
exits 64 "bounces subscriptions takes no --list" "$lg" --db "$db" bounces subscriptions --list x

# --- SNS subscriptions confirmed -------------------------------------------
# A python3 HTTPS server on loopback plays sns.us-east-1.amazonaws.com
# (its certificate made here by openssl, trusted through sns_confirm_ca;
# the server connects to it through sns_confirm_via): it writes each
# GET's Host, Action and Token to a file, and answers 200 to a Token
# that starts with "good", 404 to any other.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sns.us-east-1.amazonaws.com \
	-addext subjectAltName=DNS:sns.us-east-1.amazonaws.com \
	-keyout "$t/sns-key.pem" -out "$t/sns-cert.pem" 2>/dev/null
cat >"$t/fakesns.py" <<'PY'
import http.server, os, ssl, sys, urllib.parse

class Sns(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        token = q.get("Token", ["-"])[0]
        with open(sys.argv[3], "a") as f:
            f.write("%s %s %s\n" % (self.headers.get("Host"), q.get("Action", ["-"])[0], token))
        code = 200 if token.startswith("good") else 404
        body = b"<ConfirmSubscriptionResponse/>" if code == 200 else b"<Error/>"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

s = http.server.HTTPServer(("127.0.0.1", 0), Sns)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(sys.argv[4] + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
os.rename(sys.argv[4] + ".tmp", sys.argv[4])
s.serve_forever()
PY
: >"$t/sns-gets"
python3 "$t/fakesns.py" "$t/sns-cert.pem" "$t/sns-key.pem" "$t/sns-gets" "$t/sns-port" 2>"$t/fakesns.err" &
fake=$!
i=0
while [ $i -lt 100 ] && [ ! -s "$t/sns-port" ] && kill -0 $fake 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
[ -s "$t/sns-port" ] || { echo "serve_push.sh: the fake SNS server did not start:"; cat "$t/fakesns.err"; exit 1; }
sed "s/^sns_confirm_via = .*/sns_confirm_via = 127.0.0.1:$(cat "$t/sns-port")\nsns_confirm_ca = sns-cert.pem/" \
	"$t/esp.conf" >"$t/sns.conf"
kill "$srv"
wait "$srv"
srv=
start sns "$t/sns.conf"
srv=$pid
# sns_subscribe TOKEN HOST TOPIC: the fixture with that token, URL host and topic
sns_subscribe() {
	python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
m["Token"], m["TopicArn"] = sys.argv[2], sys.argv[4]
m["SubscribeURL"] = "https://%s/?Action=ConfirmSubscription&TopicArn=%s&Token=%s" % (sys.argv[3], sys.argv[4], sys.argv[2])
json.dump(m, sys.stdout)' $v/sns-subscribe.json "$@" >"$t/sns-msg.json"
}
state() { python3 -c '
import json, sys
o = json.load(open(sys.argv[1])); print(o["state"], o["confirmed"], o["error"] is not None)' "$t/body"; }

sns_subscribe good-7f3a sns.us-east-1.amazonaws.com arn:aws:sns:us-east-1:123456789012:sns-good
req "ses: a SubscriptionConfirmation on an SNS host" 200 -u sns:ses-s3cret --data-binary @"$t/sns-msg.json" "$url/v1/bounces/ses"
eq "... is confirmed" "$(state)" "confirmed True False"
eq "... by one GET of its SubscribeURL, with its token" "$(cat "$t/sns-gets")" \
	"sns.us-east-1.amazonaws.com ConfirmSubscription good-7f3a"
grep -q "SNS subscription for topic 'arn:aws:sns:us-east-1:123456789012:sns-good' confirmed" "$t/sns.err" &&
	ok "... the log says so" || notok "the log says the subscription is confirmed"

sns_subscribe other-51c9 sns.example.com arn:aws:sns:us-east-1:123456789012:sns-other
req "ses: a SubscriptionConfirmation whose URL is not on an SNS host" 200 -u sns:ses-s3cret --data-binary @"$t/sns-msg.json" "$url/v1/bounces/ses"
eq "... is left to confirm" "$(state)" "to_confirm False False"

sns_subscribe gone-2b8e sns.us-east-1.amazonaws.com arn:aws:sns:us-east-1:123456789012:sns-gone
req "ses: a SubscriptionConfirmation the SNS host answers 404" 200 -u sns:ses-s3cret --data-binary @"$t/sns-msg.json" "$url/v1/bounces/ses"
eq "... failed, and says why" "$(state)" "confirm_failed False True"
eq "... the error names the status" "$(python3 -c 'import json,sys; print("HTTP 404" in json.load(open(sys.argv[1]))["error"])' "$t/body")" True
eq "only SNS hosts' URLs were fetched" "$(cut -d' ' -f3 "$t/sns-gets" | tr '\n' ' ')" "good-7f3a gone-2b8e "

req "the subscriptions, with their states" 200 -H "$(auth "$k_admin")" "$url/v1/bounces/ses/subscriptions"
eq "... newest first" "$(python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["subscriptions"]: print(m["topic_arn"].split(":")[-1], m["state"])' "$t/body" | tr '\n' ' ')" \
	"sns-gone confirm_failed sns-other to_confirm sns-good confirmed "
"$lg" --db "$db" bounces subscriptions --format json >"$t/subs-cli.json" 2>"$t/cli.err"
eq "bounces subscriptions --format json: the same states" "$(cat "$t/subs-cli.json")" "$(cat "$t/body")"
"$lg" --db "$db" bounces subscriptions >"$t/subs-cli.txt" 2>"$t/cli.err"
eq "bounces subscriptions: each state" "$(grep -av '^ ' "$t/subs-cli.txt" | awk '{print $4, $5}' | tr '\n' ' ')" \
	"arn:aws:sns:us-east-1:123456789012:sns-gone confirm_failed arn:aws:sns:us-east-1:123456789012:sns-other to_confirm arn:aws:sns:us-east-1:123456789012:sns-good confirmed "
eq "bounces subscriptions: a URL to visit for those not confirmed" \
	"$(grep -ac '^    to confirm it, visit https://sns.us-east-1.amazonaws.com/' "$t/subs-cli.txt") $(grep -ac '^    its URL is not on an SNS host: https://sns.example.com/' "$t/subs-cli.txt")" "1 1"

# Without the CA file the fake's certificate is no SNS host's: the TLS
# check refuses it, and nothing is asked of it.
grep -v '^sns_confirm_ca' "$t/sns.conf" >"$t/sns-noca.conf"
kill "$srv"
wait "$srv"
srv=
start snsnoca "$t/sns-noca.conf"
srv=$pid
sns_subscribe good-c4d1 sns.us-east-1.amazonaws.com arn:aws:sns:us-east-1:123456789012:sns-noca
req "ses: an SNS host whose certificate is not trusted" 200 -u sns:ses-s3cret --data-binary @"$t/sns-msg.json" "$url/v1/bounces/ses"
eq "... is not confirmed" "$(state)" "confirm_failed False True"
eq "... and was never asked" "$(grep -c good-c4d1 "$t/sns-gets")" 0
kill "$fake"
wait "$fake" 2>/dev/null
fake=

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
