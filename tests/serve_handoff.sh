#!/bin/sh
# serve_handoff.sh LEADGATE - the handoff inside `leadgate serve`: the
# outbox drained on the service's own loop, with no `handoff run`.  A
# stage move recorded by `leadgate score` on the service's database
# reaches tests/hookd.py (a receiver on 127.0.0.1 that checks the
# Standard Webhooks signature) within seconds, under the outbox's
# webhook-id, and is recorded delivered; a message queued while the
# service is down goes at its next start; POST
# /v1/contacts/{email}/decision accepts the handoff as `decide accept`
# does; a service past a deadline escalates; `report sla` and GET
# /v1/reports/sla (the same bytes); the handoff's /metrics; `handoff run`
# while the service sends a message to a slow receiver leaves it alone
# (the service's claim), and it arrives once.  leadgate(1)'s [handoff]
# example as written, its port replaced.  Then, with link_base and
# link_secret added, the one-click accept link in the delivered payloads:
# a GET shows the page and accepts nothing, the POST accepts, a changed
# link is 403, an expired one 410, the old rep's after an escalation 409;
# in headless Chromium (tests/page.py) when installed; its routes limited
# by address.  Last, list.gate_changed as bounces push a list over the gate.
# Servers stopped by PID.  Prints "N passed, N failed" last.
set -u
. tests/lib.sh
suite_init lg-serve-handoff "$@"
srv= hook=
trap 'kill $hook 2>/dev/null; serve_cleanup $srv' EXIT
need curl python3 sqlite3
export XDG_CONFIG_HOME="$t/xdg" XDG_DATA_HOME="$t/xdg"
unset LEADGATE_DB

logq() { python3 - "$t/hook.log" "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2], {"rows": rows, "json": json}))
PY
}
now=2026-03-02T09:00:00Z
cat >"$t/contacts.csv" <<'CSV'
Email,First Name,Job Title,Company,Industry,Employees,Country
ann@acme-soft.com,Ann,Chief Executive Officer,Acme Soft,Retail,5,Germany
bo@beta-soft.com,Bo,Chief Executive Officer,Beta Soft,Retail,5,Germany
al@acme-soft.com,Al,Chief Executive Officer,Acme Soft,Retail,5,Germany
CSV
dns_zone "$t/zone" "acme-soft.com. 3600 MX 10 mx.acme-soft.com." "beta-soft.com. 3600 MX 10 mx.beta-soft.com."
dns_start "$t/zone"
db=$t/lg.db
"$lg" verify --db "$db" --now "$now" $dns --list crm -q -o /dev/null "$t/contacts.csv" 2>/dev/null
ev() { # ev ID EMAIL: a demo request at $now, which makes an MQL
	printf '{"event_id":"%s","email":"%s","type":"demo_request","channel":"web","asset":"demo","occurred_at":"%s"}\n' \
		"$1" "$2" "$now" >"$t/ev.ndjson"
	"$lg" events import --db "$db" --now "$now" "$t/ev.ndjson" >/dev/null 2>&1
}

hookd_start hook 0 whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
hook=$hookpid hport=$hookport
[ -n "$hport" ] || { echo "serve_handoff.sh: hookd.py did not start"; cat "$t/hook.err"; exit 1; }
: >"$t/hook.log"
awk '/^\.Sh HANDOFF/ { h = 1 } h && /^\.Bd -literal/ { p = 1; next } p && /^\.Ed/ { exit } p' \
	doc/leadgate.1 | sed "s|http://127.0.0.1:8099/hook|http://127.0.0.1:$hport/hook|" >"$t/lg.conf"
printf '\n[scoring]\nmql = 70\n' >>"$t/lg.conf"
export LEADGATE_CONFIG="$t/lg.conf"
rows() { logq 'len(rows)'; }

key_make k_leads sales leads
key_make k_admin ops admin
serve_start srv "$t/lg.conf"
srv=$pid

# --- a move by `leadgate score`: delivered by the service ---------------------
ev d1 ann@acme-soft.com
exits 0 "score moves ann to MQL (another process, the same database)" \
	"$lg" --db "$db" --now "$now" score -o /dev/null
eq "... one message in the outbox" "$(sq "SELECT type || '|' || target FROM outbox")" "lead.handoff|sales"
has_rows() { [ "$(rows)" = "$1" ]; }
await "the receiver gets it from the service, no handoff run" has_rows 1
eq "... signed" "$(logq 'rows[0]["sig_ok"]')" True
eq "... for ann, owner ana" \
	"$(logq '(lambda b: (b["type"], b["data"]["email"], b["data"]["owner"]["name"]))(json.loads(rows[0]["body"]))')" \
	"('lead.handoff', 'ann@acme-soft.com', 'ana')"
eq "... under the outbox's webhook-id" "$(logq 'rows[0]["id"]')" "$(sq 'SELECT id FROM outbox')"
delivered() { [ "$(sq "SELECT state || '|' || attempts || '|' || last_status FROM outbox")" = "delivered|1|200" ]; }
await "... recorded delivered by the service" delivered
sleep 2
eq "... and sent once" "$(rows)" 1

# --- POST .../decision accept: the handoff accepted, as decide does -------------
req "POST decision without a key" 401 -X POST -d '{"decision":"accept","by":"ana"}' \
	"$url/v1/contacts/ann@acme-soft.com/decision"
req "POST decision accept by ana" 200 -H "$(auth "$k_leads")" -X POST \
	-d '{"decision":"accept","by":"ana"}' "$url/v1/contacts/ann@acme-soft.com/decision"
eq "... the answer says so" "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["handoff_accepted"])' "$t/body")" True
eq "... the handoff accepted by ana" \
	"$(sq "SELECT h.state || '|' || h.accepted_by FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = 'ann@acme-soft.com'")" \
	"accepted|ana"
req "POST decision with an unknown decision" 400 -H "$(auth "$k_leads")" -X POST \
	-d '{"decision":"maybe"}' "$url/v1/contacts/ann@acme-soft.com/decision"

# --- queued while the service is down: sent at its next start -----------------
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=
ev d2 bo@beta-soft.com
exits 0 "score moves bo to MQL, the service stopped" "$lg" --db "$db" --now "$now" score -o /dev/null
eq "... pending" "$(sq "SELECT state FROM outbox WHERE body LIKE '%bo@beta-soft.com%'")" pending
serve_start srv2 "$t/lg.conf"
srv=$pid
await "the service started again sends it" has_rows 2
eq "... bo to cy (ben is away), signed" \
	"$(logq '(lambda r, b: (b["data"]["email"], b["data"]["owner"]["name"], r["sig_ok"]))(rows[-1], json.loads(rows[-1]["body"]))')" \
	"('bo@beta-soft.com', 'cy', True)"
both() { [ "$(sq "SELECT group_concat(state, ',') FROM outbox")" = "delivered,delivered" ]; }
await "... both delivered" both
metric() { # metric LINE: /metrics has LINE
	curl -s -H "$(auth "$k_admin")" "$url/metrics" >"$t/metrics" && grep -qxF "$1" "$t/metrics"
}
await "/metrics: the delivery by target and outcome" metric 'leadgate_handoff_deliveries_total{target="sales",outcome="delivered"} 1'
await "/metrics: the outbox by state" metric 'leadgate_handoff_outbox{state="delivered"} 2'
check "/metrics: nothing pending" grep -qxF 'leadgate_handoff_outbox{state="pending"} 0' "$t/metrics"
check "/metrics: ann accepted in 0 s, in the first bucket of the time-to-accept histogram" \
	grep -qxF 'leadgate_handoff_accept_seconds_bucket{le="60"} 1' "$t/metrics"
check "/metrics: ... its count" grep -qxF 'leadgate_handoff_accept_seconds_count 1' "$t/metrics"
check "/metrics: no retry" grep -qxF 'leadgate_handoff_deliveries_total{target="sales",outcome="retry"} 0' "$t/metrics"
check "/metrics: each metric's HELP and TYPE" sh -c "grep -c '^# TYPE leadgate_handoff_' '$t/metrics' | grep -qx 4"
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=

# --- the SLA applied by the service: past bo's deadline, bo escalated ------------
lgc() { "$lg" --db "$db" "$@"; }
now=2026-03-02T09:11:00Z
serve_start srv4 "$t/lg.conf"
srv=$pid
await "the service past bo's deadline sends an escalation" has_rows 3
eq "... bo escalated from cy to ana, signed" \
	"$(logq '(lambda r, b: (b["type"], b["data"]["email"], b["data"]["owner"]["name"], b["data"]["previous_owner"]["name"], r["sig_ok"]))(rows[-1], json.loads(rows[-1]["body"]))')" \
	"('lead.escalated', 'bo@beta-soft.com', 'ana', 'cy', True)"
eq "... the miss recorded" "$(sq "SELECT h.rep || '|' || h.escalations FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = 'bo@beta-soft.com'")" "ana|1"
await "/metrics: the escalation counted" metric 'leadgate_handoff_escalations_total 1'
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=
now=2026-03-02T09:00:00Z

# --- the SLA report: bo accepted by ana 2 min after the escalation ------------
exits 0 "ana accepts bo 2 min after" lgc decide --now 2026-03-02T09:13:00Z bo@beta-soft.com accept --by ana
exits 0 "ana rejects ann: no budget" lgc decide --now 2026-03-02T09:20:00Z ann@acme-soft.com reject --reason no_budget --by ana
exits 0 "report sla --format json" lgc report sla --format json
cp "$t/out" "$t/sla.json"
jq() { python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$t/sla.json" "$1"; }
eq "... ana: handed 2, accepted 2, both in the SLA, median 0 s, p90 120 s, no escalation, a rejection for no budget" \
	"$(jq '[(r["rep"], r["team"], r["handed"], r["accepted"], r["accepted_in_sla"], r["median_accept_s"], r["p90_accept_s"], r["escalations"], r["rejected"], r["rejections"]) for r in o["reps"] if r["rep"] == "ana"]')" \
	"[('ana', 'sales', 2, 2, 2, 0, 120, 0, 1, {'no_budget': 1})]"
eq "... cy: handed 1, escalated away, none accepted" \
	"$(jq '[(r["handed"], r["accepted"], r["median_accept_s"], r["escalations"]) for r in o["reps"] if r["rep"] == "cy"]')" \
	"[(1, 0, None, 1)]"
eq "... the team: 2 leads, 2 accepted, 1 escalation, 1 rejection" \
	"$(jq '[(r["team"], r["handed"], r["accepted"], r["accepted_in_sla"], r["escalations"], r["rejected"]) for r in o["teams"]]')" \
	"[('sales', 2, 2, 2, 1, 1)]"
exits 0 "report sla as text" lgc report sla
grep -Eq '^ana +2 +2 +2 +0s +2m00s +0 +1$' "$t/out" && grep -q '^  rejected no_budget ' "$t/out" &&
	ok "... ana's line" || { notok "... ana's line"; sed 's/^/#   /' "$t/out"; }
exits 64 "report with something else" lgc report slas
serve_start srv3 "$t/lg.conf"
srv=$pid
req "GET /v1/reports/sla" 200 -H "$(auth "$k_leads")" "$url/v1/reports/sla"
cmp -s "$t/body" "$t/sla.json" && ok "... report sla --format json, byte for byte" || notok "... report sla --format json, byte for byte"
req "GET /v1/reports/sla without a key" 401 "$url/v1/reports/sla"
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=

# --- handoff run beside the service: a message the service claimed is not sent twice ---
now=2026-03-02T09:30:00Z
sed "s|^webhook = \(http://127.0.0.1:[0-9]*\)/hook|webhook = \1/slow|" "$t/lg.conf" >"$t/slow.conf"
check "the slow receiver's configuration" grep -q '^webhook = http://127.0.0.1:[0-9]*/slow$' "$t/slow.conf"
serve_start claim "$t/slow.conf"
srv=$pid
: >"$t/hook.log"
ev d3 al@acme-soft.com
exits 0 "score moves al to MQL" lgc score --now "$now" -c "$t/slow.conf" -o /dev/null
claimed() { [ "$(sq "SELECT count(*) FROM outbox WHERE url LIKE '%/slow' AND claimed_until IS NOT NULL AND state = 'pending'")" = 1 ]; }
await "the service takes al's message and claims it (the receiver takes 3 s)" claimed
exits 0 "handoff run while the service sends it" lgc handoff run --now "$now" -c "$t/slow.conf"
grep -q ' 0 sent' "$t/err" && ok "... sends nothing" || { notok "... sends nothing"; sed 's/^/#   /' "$t/err"; }
slow_done() { [ "$(sq "SELECT state || '|' || ifnull(claimed_until, 'none') FROM outbox WHERE url LIKE '%/slow'")" = "delivered|none" ]; }
await "... the service's attempt recorded delivered, the claim ended" slow_done
eq "... the receiver had it once" "$(rows)" 1
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=
exits 0 "ana accepts al (no escalation of al later on)" lgc decide --now "$now" al@acme-soft.com accept --by ana

grep -q 'handoff' "$t"/srv*.err "$t"/claim.err && { notok "the services' logs name no handoff failure"; grep handoff "$t"/srv*.err "$t"/claim.err | sed 's/^/#   /'; } ||
	ok "the services' logs name no handoff failure"

# --- the one-click accept link ----------------------------------------------------
# [handoff] link_base and link_secret added to the example; links last 1 h.
# cid, dee (acme: ana owns the account) and eve (beta: ana since bo's
# escalation) are handed to ana at 09:00; the receiver's log starts empty.
now=2026-03-02T09:00:00Z
: >"$t/hook.log"
sed 's|^\[handoff\]$|[handoff]\nlink_base = https://leadgate.ourco.example\nlink_secret = whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nlink_ttl = 1h|' \
	"$t/lg.conf" >"$t/link.conf"
grep -q '^link_secret = ' "$t/link.conf" || echo "serve_handoff.sh: link.conf has no link_secret"
export LEADGATE_CONFIG="$t/link.conf"
cat >"$t/more.csv" <<'CSV'
Email,First Name,Job Title,Company,Industry,Employees,Country
cid@acme-soft.com,Cid,Chief Executive Officer,Acme Soft,Retail,5,Germany
dee@acme-soft.com,Dee,Chief Executive Officer,Acme Soft,Retail,5,Germany
eve@beta-soft.com,Eve,Chief Executive Officer,Beta Soft,Retail,5,Germany
CSV
"$lg" verify --db "$db" --now "$now" $dns --list crm -q -o /dev/null "$t/more.csv" 2>/dev/null
ev l1 cid@acme-soft.com
ev l2 dee@acme-soft.com
ev l3 eve@beta-soft.com
exits 0 "score moves cid, dee and eve to MQL" "$lg" --db "$db" --now "$now" score -o /dev/null
serve_start srv5 "$t/link.conf"
srv=$pid
await "the service delivers their three handoffs" has_rows 3
# body EMAIL TYPE: the data of the last message of TYPE about EMAIL
data_of() { logq "[json.loads(r['body'])['data'] for r in rows if json.loads(r['body'])['type'] == '$2' and json.loads(r['body'])['data']['email'] == '$1'][-1]$3"; }
hid() { sq "SELECT h.id FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = '$1'"; }
state() { sq "SELECT h.state || '|' || h.rep || '|' || coalesce(h.accepted_by, '-') FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = '$1'"; }
au=$(data_of cid@acme-soft.com lead.handoff "['accept_url']")
exp1=$(($(date -d 2026-03-02T09:00:00Z +%s) + 3600))
case $au in
"https://leadgate.ourco.example/v1/handoffs/$(hid cid@acme-soft.com)/accept?rep=ana&exp=$exp1&sig="???????????????????????????????????????????)
	ok "lead.handoff carries data.accept_url: link_base, the handoff, ana, 09:00 + link_ttl, a signature" ;;
*) notok "lead.handoff's accept_url: '$au'" ;;
esac
lpath=${au#https://leadgate.ourco.example}
link=$url$lpath
req "GET the link, no key" 200 "$link"
eq "... an HTML page" "$(hdr Content-Type)" "text/html; charset=utf-8"
grep -q 'cid@acme-soft.com' "$t/body" && grep -q '<form method="post"><button type="submit">Accept</button></form>' "$t/body" &&
	ok "... naming the lead, with one Accept button that POSTs" || { notok "... the page"; sed 's/^/#   /' "$t/body"; }
eq "... the URL leaves no Referer" "$(hdr Referrer-Policy)" no-referrer
eq "... a GET accepts nothing" "$(state cid@acme-soft.com)" "open|ana|-"
req "GET the link as JSON" 200 -H 'Accept: application/json' "$link"
eq "... state open" "$(python3 -c 'import json, sys; b = json.load(open(sys.argv[1])); print(b["state"], b["rep"], b["email"])' "$t/body")" "open ana cid@acme-soft.com"
req "HEAD the link" 200 -I "$link"
eq "... accepts nothing" "$(state cid@acme-soft.com)" "open|ana|-"
# tampered: each value changed, or the signature missing
for v in "rep=cy:${link%%rep=ana*}rep=cy${link#*rep=ana}" \
	"exp:${link%%exp=*}exp=$((exp1 + 86400))&sig=${link##*sig=}" \
	"id:$url/v1/handoffs/$(($(hid cid@acme-soft.com) + 1))/accept?${link#*\?}" \
	"sig:${link%?}A" "no sig:${link%%&sig=*}"; do
	req "POST a link with its ${v%%:*} changed" 403 -X POST -H 'Accept: application/json' "${v#*:}"
	errcode forbidden
done
req "... a changed link as a page" 403 -X POST "${link%%rep=ana*}rep=cy${link#*rep=ana}"
grep -q 'signature does not hold' "$t/body" && ok "... says its signature does not hold" || notok "... says its signature does not hold"
eq "... nothing accepted" "$(state cid@acme-soft.com)" "open|ana|-"
req "POST the link accepts, no key" 200 -X POST "$link"
grep -q 'accepted at 2026-03-02T09:00:00Z' "$t/body" && ok "... the page says so" || { notok "... the page says so"; sed 's/^/#   /' "$t/body"; }
eq "... the handoff accepted by ana" "$(state cid@acme-soft.com)" "accepted|ana|ana"
eq "... cid moved to SAL by ana, as decide does" \
	"$(sq "SELECT m.to_stage || '|' || m.who FROM moves m JOIN contacts c ON c.id = m.contact_id WHERE c.address = 'cid@acme-soft.com' ORDER BY m.id DESC LIMIT 1")" "sal|ana"
req "POST it again" 200 -X POST -H 'Accept: application/json' "$link"
eq "... already accepted, by ana" "$(python3 -c 'import json, sys; b = json.load(open(sys.argv[1])); print(b["state"], b["accepted_by"], b["accepted_now"])' "$t/body")" "accepted ana False"
head -c 5000 /dev/zero | tr '\0' x >"$t/big"
req "a POST body past 4 KiB" 413 -X POST --data-binary "@$t/big" "$link"
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=

# 09:06: dee's and eve's SLA passed: escalated from ana to cy (ben is away)
now=2026-03-02T09:06:00Z
serve_start srv6 "$t/link.conf"
srv=$pid
await "the service escalates dee and eve" has_rows 5
cu=$(data_of dee@acme-soft.com lead.escalated "['accept_url']")
case $cu in
"https://leadgate.ourco.example/v1/handoffs/$(hid dee@acme-soft.com)/accept?rep=cy&exp=$(($(date -d $now +%s) + 3600))&sig="*)
	ok "lead.escalated carries cy's link" ;;
*) notok "lead.escalated's accept_url: '$cu'" ;;
esac
au=$(data_of dee@acme-soft.com lead.handoff "['accept_url']")
req "ana's link to dee, after the escalation" 409 -X POST -H 'Accept: application/json' "$url${au#https://leadgate.ourco.example}"
errcode escalated
req "... as a page" 409 "$url${au#https://leadgate.ourco.example}"
grep -q 'escalated to cy' "$t/body" && ok "... says to whom" || { notok "... says to whom"; sed 's/^/#   /' "$t/body"; }
eq "... nothing accepted" "$(state dee@acme-soft.com)" "open|cy|-"
req "cy's link accepts" 200 -X POST -H 'Accept: application/json' "$url${cu#https://leadgate.ourco.example}"
eq "... by cy" "$(state dee@acme-soft.com)" "accepted|cy|cy"
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=

# 10:00:01: ana's links of 09:00 have expired
now=2026-03-02T10:00:01Z
serve_start srv7 "$t/link.conf"
srv=$pid
link=$url$lpath
req "ana's link to cid, expired" 410 -X POST -H 'Accept: application/json' "$link"
errcode expired
req "... as a page" 410 "$link"
grep -q 'expired at 2026-03-02T10:00:00Z' "$t/body" && ok "... says when it expired" || { notok "... says when"; sed 's/^/#   /' "$t/body"; }
req "... its expiry moved on: not signed" 403 -X POST "${link%%exp=*}exp=$((exp1 + 3600))&sig=${link##*sig=}"
# eve's SLA with cy passed at 09:11: escalated again, back to ana
await "eve escalated again, to ana" has_rows 6
eu=$(data_of eve@beta-soft.com lead.escalated "['accept_url']")
eq "... ana's new link" "$(echo "$eu" | sed 's/.*rep=\([a-z]*\)&.*/\1/')" ana
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chromium" ]; then
	# a real browser: the page, its button, the POST it makes
	timeout 300 python3 tests/page.py "$chromium" "$t/browser" "$url" - \
		--accept "$url${eu#https://leadgate.ourco.example}" \
		--shot "$(dirname "$lg")/test-artifacts/accept.png" --out "$t/accept.json" >"$t/page.tap" 2>"$t/page.err"
	[ $? -eq 0 ] || { notok "page.py --accept exited non-zero"; tail -n 5 "$t/page.err" | sed 's/^/#   /'; }
	cat "$t/page.tap"
	pass=$((pass + $(grep -c '^ok - ' "$t/page.tap")))
	fail=$((fail + $(grep -c '^not ok - ' "$t/page.tap")))
	eq "... the browser's click accepted eve, by ana" "$(state eve@beta-soft.com)" "accepted|ana|ana"
else
	req "... its POST accepts (no chromium: curl)" 200 -X POST "$url${eu#https://leadgate.ourco.example}"
	eq "... eve accepted by ana" "$(state eve@beta-soft.com)" "accepted|ana|ana"
fi
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=
serve_start srv8 "$t/lg.conf"
srv=$pid
link=$url$lpath
req "a service with no link_secret has no links" 404 -H 'Accept: application/json' "$link"
errcode not_found
serve_stop "$srv"
srv=
# The link's routes have no key: each client address has its own bucket,
# at [serve] rate and burst.  Two guesses, then 429 with Retry-After; the
# key's routes do not share the bucket.
{ cat "$t/link.conf"; printf '[serve]\nrate = 0.01\nburst = 2\n'; } >"$t/ratelimit.conf"
serve_start srv9 "$t/ratelimit.conf"
srv=$pid
bad="$url${lpath%%sig=*}sig=AAAA"
req "a guessed signature" 403 -X POST -H 'Accept: application/json' "$bad"
req "... a second" 403 "$bad"
req "... a third: over the address's rate" 429 -X POST -H 'Accept: application/json' "$bad"
errcode rate_limited
grep -qi '^retry-after: [1-9]' "$t/head" && ok "... with Retry-After" || notok "... with Retry-After"
req "... a key's route is not held back by it" 200 -H "$(auth "$k_leads")" "$url/v1/reports/sla"
serve_stop "$srv"
srv=
grep -q 'an accept link' "$t"/srv[5-9].err && { notok "the services' logs name no accept link failure"; grep 'accept link' "$t"/srv[5-9].err | sed 's/^/#   /'; } ||
	ok "the services' logs name no accept link failure"

# --- list.gate_changed: a list whose bounces push it over the gate ---------------
# [handoff] secret and events, no routes: the service drains the outbox all
# the same.  The gate at 20 %, the observed rate counted from 4 exported:
# one hard bounce of 4 leaves it passing (Wilson lower bound 4.6 %), three
# block it (30 %), a fourth keeps it blocked.
db=$t/gate.db now=2026-03-02T09:00:00Z
: >"$t/hook.log"
cat >"$t/events.conf" <<CONF
[handoff]
allow_private_targets = yes
secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
events = http://127.0.0.1:$hport/ok

[gate]
threshold = 20%
min_exported = 4
CONF
cp "$t/events.conf" "$t/gate.conf"
export LEADGATE_CONFIG="$t/gate.conf"
printf 'Email\na1@acme-soft.com\na2@acme-soft.com\na3@acme-soft.com\na4@acme-soft.com\n' >"$t/news.csv"
gq() { sq "SELECT count(*) FROM outbox WHERE type = 'list.gate_changed'"; }
exits 0 "verify --list news: 4 deliverable contacts pass the gate" \
	"$lg" verify --db "$db" --now "$now" $dns --list news -o /dev/null "$t/news.csv"
eq "... its verdict kept, passing" "$(sq "SELECT list || '|' || blocked FROM list_gates")" "news|0"
eq "... a list passing at its first weighing is not told" "$(gq)" 0
exits 0 "export --for-sequence news" "$lg" export --db "$db" --now "$now" --for-sequence -o "$t/news.out" news
bounce() { # bounce FILE ADDRESS...: hard bounces an hour after the export
	f=$1; shift
	echo 'email,type,code,reason,time' >"$f"
	for a; do echo "$a,hard,5.1.1,550 user unknown,2026-03-02T10:00:00Z"; done >>"$f"
}
bounce "$t/b1.csv" a1@acme-soft.com
exits 0 "bounces import: 1 hard bounce of 4 exported" "$lg" bounces import --db "$db" --now "$now" "$t/b1.csv"
eq "... still passing: nothing told" "$(gq)|$(sq "SELECT blocked FROM list_gates WHERE list = 'news'")" "0|0"
bounce "$t/b2.csv" a2@acme-soft.com a3@acme-soft.com
exits 0 "bounces import: 2 more" "$lg" bounces import --db "$db" --now "$now" "$t/b2.csv"
eq "... blocked: one list.gate_changed, to [handoff] events" \
	"$(sq "SELECT group_concat(target || '|' || url, ' ') FROM outbox WHERE type = 'list.gate_changed'")" \
	"events|http://127.0.0.1:$hport/ok"
eq "... the verdict kept, with its reason" "$(sq "SELECT blocked || '|' || reasons FROM list_gates WHERE list = 'news'")" "1|observed"
exits 1 "gate news agrees: blocked" "$lg" gate --db "$db" --now "$now" news
bounce "$t/b3.csv" a4@acme-soft.com
exits 0 "bounces import: a fourth" "$lg" bounces import --db "$db" --now "$now" "$t/b3.csv"
eq "... the same verdict again: nothing more told" "$(gq)" 1
exits 0 "bounces import of the same file again" "$lg" bounces import --db "$db" --now "$now" "$t/b2.csv"
eq "... nothing more told" "$(gq)" 1
serve_start gate "$t/gate.conf"
srv=$pid
await "the service sends list.gate_changed (no routes configured)" has_rows 1
eq "... signed with [handoff] secret" "$(logq 'rows[0]["sig_ok"]')" True
eq "... list, blocked, was_blocked, reasons" \
	"$(logq '(lambda b: (b["type"], b["data"]["list"], b["data"]["blocked"], b["data"]["was_blocked"], b["data"]["reasons"], b["data"]["exported"], b["data"]["hard_bounces"]))(json.loads(rows[0]["body"]))')" \
	"('list.gate_changed', 'news', True, False, ['observed'], 4, 3)"
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=
printf '[gate]\nthreshold = 1%%\n' >>"$t/gate.conf"
printf 'Email\nb1@beta-soft.com\n' >"$t/tiny.csv"
exits 1 "verify --list tiny: one contact, blocked at 1 %" \
	"$lg" verify --db "$db" --now "$now" $dns --list tiny -o /dev/null "$t/tiny.csv"
eq "... a list blocked at its first weighing is told" \
	"$(sq "SELECT count(*) FROM outbox WHERE type = 'list.gate_changed' AND body LIKE '%\"was_blocked\":null%'")" 1

# Bounces pushed to the service: their lists are weighed by its rounds (at
# most every 5 s, however many posts came), and a change told once.
{ cat "$t/events.conf"; printf '\n[esp]\npostmark.user = pm\npostmark.password = pm-s3cret\n'; } >"$t/push.conf"
export LEADGATE_CONFIG="$t/push.conf"
printf 'Email\np1@acme-soft.com\np2@acme-soft.com\np3@acme-soft.com\np4@acme-soft.com\n' >"$t/push.csv"
exits 0 "verify --list push: 4 deliverable contacts" \
	"$lg" verify --db "$db" --now "$now" $dns --list push -o /dev/null "$t/push.csv"
exits 0 "export --for-sequence push" "$lg" export --db "$db" --now "$now" --for-sequence -o "$t/push.out" push
pq() { sq "SELECT count(*) FROM outbox WHERE type = 'list.gate_changed' AND body LIKE '%\"list\":\"push\"%'"; }
: >"$t/hook.log"
serve_start push "$t/push.conf"
srv=$pid
for a in p1 p2 p3; do
	sed -e "s/john@example.com/$a@acme-soft.com/; s/2019-11-05T16:33:54.9070259Z/2026-03-02T10:00:00Z/" \
		-e "s/\"ID\": 4323372036854775807/\"ID\": 1000$a/; s/883953f4-6105-42a2-a16a-/$a-6105-42a2-a16a-/" \
		tests/data/bounces/postmark-hard.json | sed "s/1000p\([0-9]\)/100\1/" >"$t/pm-$a.json"
	req "a Postmark hard bounce of $a pushed" 200 -u pm:pm-s3cret --data-binary @"$t/pm-$a.json" "$url/v1/bounces/postmark"
done
pushed() { [ "$(pq)" = 1 ]; }
await "the service weighs push's gate again: blocked, one list.gate_changed" pushed
sent_push() { [ "$(logq '[json.loads(r["body"])["data"]["list"] for r in rows].count("push")')" = 1 ]; }
await "... and sends it" sent_push
eq "... blocked by what was observed" \
	"$(logq '[(d["blocked"], d["was_blocked"], d["hard_bounces"]) for d in (json.loads(r["body"])["data"] for r in rows) if d["list"] == "push"][0]')" \
	"(True, False, 3)"
serve_stop "$srv"
eq "the service stopped cleanly" $? 0
srv=
grep -q 'gates' "$t/push.err" && { notok "the service's log names no gate failure"; sed 's/^/#   /' "$t/push.err"; } ||
	ok "the service's log names no gate failure"

echo "serve_handoff: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
