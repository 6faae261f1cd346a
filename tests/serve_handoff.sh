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
# (the service's claim), and it arrives once.  leadgate(1)'s
# [handoff] example as written, its port replaced.
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

python3 tests/hookd.py --port 0 --log "$t/hook.log" --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
	>"$t/hook.port" 2>"$t/hook.err" &
hook=$!
i=0
while [ $i -lt 50 ] && ! grep -q '^ready' "$t/hook.port" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
hport=$(sed -n 's/^ready //p' "$t/hook.port")
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
serve_start srv5 "$t/slow.conf"
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

grep -q 'handoff' "$t"/srv*.err && { notok "the services' logs name no handoff failure"; grep handoff "$t"/srv*.err | sed 's/^/#   /'; } ||
	ok "the services' logs name no handoff failure"

echo "serve_handoff: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
