#!/bin/sh
# handoff.sh LEADGATE - the handoff through the real binary: leadgate(1)'s
# [handoff] example as written (its port, and for some checks its path,
# replaced), a stage move recorded by `score`, `handoff run` delivering
# to tests/hookd.py (a receiver on 127.0.0.1 that logs every request and
# checks its Standard Webhooks signature), the retry schedule stepped
# with --now, 429 with Retry-After, dead after the tenth attempt and
# retried, 410, a sender killed in mid-delivery (its claims lapse, then
# every message arrives), two runs at once (none sent twice), the SLA,
# `decide accept`, the account's owner, `report sla` of a team without a
# webhook, a receiver down then up, and one slower than the sender's
# timeout.  The database is read back with the sqlite3 shell.
#
# Prints "ok - ..." or "not ok - ..." a check, then "handoff: N passed, N
# failed"; exits non-zero if a check failed.
set -u
lg=${1:-build/leadgate}
case $lg in /*) ;; *) lg=$(pwd)/$lg ;; esac
command -v sqlite3 >/dev/null 2>&1 || { echo "handoff.sh: the sqlite3 shell is missing (make deps)" >&2; exit 1; }
t=$(mktemp -d "${TMPDIR:-/tmp}/lg-handoff.XXXXXX") || exit 1
hook="" bg=""
cleanup() {
	for p in $hook $bg; do kill -9 "$p" 2>/dev/null; done
	sh tests/dnsd.sh stop "$t/dns"
	[ -n "${KEEP:-}" ] || rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
export XDG_CONFIG_HOME="$t/xdg" XDG_DATA_HOME="$t/xdg"
unset LEADGATE_DB

. tests/lib.sh # ok, notok, eq, exits, sq
# the receiver's log: one JSON line a request; jq is not needed
logq() { python3 - "$t/hook.log" "$1" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])] if len(sys.argv) > 1 else []
print(eval(sys.argv[2], {"rows": rows, "json": json}))
EOF
}

# --- the contacts, their zone, the receiver ------------------------------------
now0=2026-03-02T09:00:00Z
cat >"$t/contacts.csv" <<'EOF'
Email,First Name,Job Title,Company,Industry,Employees,Country
ann@acme-soft.com,Ann,Chief Executive Officer,Acme Soft,Retail,5,Germany
bo@beta-soft.com,Bo,Chief Executive Officer,Beta Soft,Retail,5,Germany
al@acme-soft.com,Al,Chief Executive Officer,Acme Soft,Retail,5,Germany
EOF
{ cat samples/samples.zone
  echo "acme-soft.com. 3600 MX 10 mx.acme-soft.com."
  echo "beta-soft.com. 3600 MX 10 mx.beta-soft.com."; } >"$t/zone"
port=$(sh tests/dnsd.sh start "$t/dns" "$t/zone") || exit 1
base=$t/base.db
"$lg" verify --db "$base" --now "$now0" --dns "127.0.0.1:$port" --list crm -q -o /dev/null \
	"$t/contacts.csv" 2>/dev/null
ev() { # ev ID EMAIL [TIME]: a demo request at TIME (now0), which makes an MQL then
	printf '{"event_id":"%s","email":"%s","type":"demo_request","channel":"web","asset":"demo","occurred_at":"%s"}\n' \
		"$1" "$2" "${3:-$now0}" >"$t/ev.ndjson"
	"$lg" events import --db "$db" --now "${3:-$now0}" "$t/ev.ndjson" >/dev/null 2>&1
}

hookd_start hook 0 whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
hook=$hookpid hport=$hookport
[ -n "$hport" ] || { echo "handoff.sh: hookd.py did not start" >&2; cat "$t/hook.err" >&2; exit 1; }

# conf PATH: the manual's example as written, on the receiver's port, the
# webhook's path replaced by PATH
conf() {
	awk '/^\.Sh HANDOFF/ { h = 1 } h && /^\.Bd -literal/ { p = 1; next } p && /^\.Ed/ { exit } p' \
		doc/leadgate.1 | sed "s|http://127.0.0.1:8099/hook|http://127.0.0.1:$hport$1|" >"$t/lg.conf"
	# a demo request from a CEO scores 80, less the verdict's first minutes
	# of decay: MQL from 70
	printf '\n[scoring]\nmql = 70\n' >>"$t/lg.conf"
}
conf /hook
check "the manual's example names ben away and the webhook" grep -q 'webhook = http://127.0.0.1:' "$t/lg.conf"
export LEADGATE_CONFIG="$t/lg.conf"
lgc() { "$lg" --db "$db" "$@"; }

# --- a stage move hands the lead off: one signed POST, owner ana ---------------
db=$t/main.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
exits 0 "score moves ann to MQL" lgc score --now "$now0" -o /dev/null
eq "... handed to ana in the move's transaction" \
	"$(sq "SELECT h.rep || '|' || h.stage || '|' || h.state FROM handoffs h JOIN contacts c ON c.id = h.contact_id")" "ana|mql|open"
eq "... one message in the outbox" "$(sq "SELECT type || '|' || state || '|' || attempts FROM outbox")" "lead.handoff|pending|0"
exits 0 "handoff run" lgc handoff run --now "$now0"
eq "the receiver got one POST" "$(logq 'len(rows)')" 1
eq "... signed" "$(logq 'rows[0]["sig_ok"]')" True
eq "... of type lead.handoff" "$(logq 'json.loads(rows[0]["body"])["type"]')" lead.handoff
eq "... with the data's keys" "$(logq 'sorted(k for k in json.loads(rows[0]["body"])["data"] if k in ("email","owner","stage","score","verification","events","evidence"))')" \
	"['email', 'events', 'evidence', 'owner', 'score', 'stage', 'verification']"
eq "... for ann@acme-soft.com, owner ana" \
	"$(logq '(lambda d: (d["email"], d["owner"]["name"], d["owner"]["email"], d["stage"]))(json.loads(rows[0]["body"])["data"])')" \
	"('ann@acme-soft.com', 'ana', 'ana@ourco.example', 'mql')"
eq "... the score explained, the demo request among the events" \
	"$(logq '(lambda d: ("contributions" in d["score"], d["events"][0]["type"]))(json.loads(rows[0]["body"])["data"])')" "(True, 'demo_request')"
eq "... under the outbox's webhook-id" "$(logq 'rows[0]["id"]')" "$(sq 'SELECT id FROM outbox')"
eq "... delivered" "$(sq 'SELECT state || "|" || attempts || "|" || last_status FROM outbox')" "delivered|1|200"
exits 0 "a second run" lgc handoff run --now "$now0"
eq "... sends nothing more" "$(logq 'len(rows)')" 1

# --- a second lead goes to cy (ben is away) ------------------------------------
now1=2026-03-02T09:01:00Z
ev d2 bo@beta-soft.com "$now1"
exits 0 "score moves bo to MQL" lgc score --now "$now1" -o /dev/null
exits 0 "handoff run" lgc handoff run --now "$now1"
eq "... bo handed to cy" "$(logq '(lambda d: (d["email"], d["owner"]["name"]))(json.loads(rows[-1]["body"])["data"])')" \
	"('bo@beta-soft.com', 'cy')"
exits 0 "handoff status" lgc handoff status
check "... two delivered to sales" grep -Eq '^sales +0 +0 +2 +0 +0$' "$t/out"

# --- accepted before the deadline: no escalation; not accepted: escalated -------
exits 0 "decide bo accept --by cy before the deadline" lgc decide --now 2026-03-02T09:02:00Z bo@beta-soft.com accept --by cy
eq "... the handoff accepted" "$(sq "SELECT state || '|' || accepted_by FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = 'bo@beta-soft.com'")" "accepted|cy"
exits 0 "handoff run before ann's deadline" lgc handoff run --now 2026-03-02T09:04:59Z
eq "... escalates nothing" "$(logq 'len(rows)')" 2
exits 0 "handoff run past ann's deadline (5m)" lgc handoff run --now 2026-03-02T09:11:00Z
eq "... one message more" "$(logq 'len(rows)')" 3
eq "... lead.escalated for ann, to cy, from ana" \
	"$(logq '(lambda b: (b["type"], b["data"]["email"], b["data"]["owner"]["name"], b["data"]["previous_owner"]["name"]))(json.loads(rows[-1]["body"]))')" \
	"('lead.escalated', 'ann@acme-soft.com', 'cy', 'ana')"
eq "... signed" "$(logq 'rows[-1]["sig_ok"]')" True
eq "... the miss counted, cy the owner now" \
	"$(sq "SELECT rep || '|' || escalations || '|' || state FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = 'ann@acme-soft.com'")" "cy|1|open"
eq "... bo not escalated" "$(sq "SELECT escalations FROM handoffs h JOIN contacts c ON c.id = h.contact_id WHERE c.address = 'bo@beta-soft.com'")" 0

# --- the account's owner: another contact of acme-soft.com goes to cy ---------
# (the rotation's next pick would be ana)
now2=2026-03-02T09:12:00Z
ev d3 al@acme-soft.com "$now2"
exits 0 "score moves al to MQL" lgc score --now "$now2" -o /dev/null
exits 0 "handoff run" lgc handoff run --now "$now2"
eq "... al handed to cy, who owns the account now" \
	"$(logq '(lambda b: (b["type"], b["data"]["email"], b["data"]["owner"]["name"], b["data"]["account"]))(json.loads(rows[-1]["body"]))')" \
	"('lead.handoff', 'al@acme-soft.com', 'cy', 'acme-soft.com')"
eq "... the rotation where ana, cy, then cy alone left it: all credits 0" "$(sq "SELECT state FROM rotations WHERE team = 'sales'")" ""
: >"$t/empty.conf"
exits 0 "handoff run with no [handoff] any more" env LEADGATE_CONFIG="$t/empty.conf" "$lg" --db "$db" handoff run --now 2026-03-09T09:00:00Z
eq "... leaves the open handoffs as they are" "$(sq "SELECT group_concat(rep || ':' || escalations || ':' || state, ' ') FROM handoffs WHERE state = 'open'")" "cy:1:open cy:0:open"

# --- 500 twice, then 200: the schedule stepped with --now, one webhook-id -------
: >"$t/hook.log"
conf /flaky
db=$t/flaky.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
exits 0 "handoff run: 500" lgc handoff run --now "$now0"
eq "... to retry" "$(sq 'SELECT state || "|" || attempts || "|" || last_status FROM outbox')" "pending|1|500"
exits 0 "handoff run again at once" lgc handoff run --now "$now0"
eq "... sends nothing: not due" "$(logq 'len(rows)')" 1
exits 0 "handoff status" lgc handoff status --format json
check "... one retrying" grep -q '"retrying":1' "$t/out"
exits 0 "handoff run 10 s later: 500" lgc handoff run --now 2026-03-02T09:00:10Z
eq "... next attempt after about 5 min" "$(sq "SELECT next_at - strftime('%s', '2026-03-02T09:00:10') BETWEEN 270 AND 330 FROM outbox")" 1
exits 0 "handoff run 4 min later" lgc handoff run --now 2026-03-02T09:04:10Z
eq "... not yet" "$(logq 'len(rows)')" 2
exits 0 "handoff run 6 min later: 200" lgc handoff run --now 2026-03-02T09:06:10Z
handoffs() { logq "[r for r in rows if json.loads(r['body'])['type'] == 'lead.handoff']$1"; }
eq "... three attempts, 500 500 200" "$(handoffs '' | python3 -c 'import ast, sys; print([r["status"] for r in ast.literal_eval(sys.stdin.read())])')" "[500, 500, 200]"
eq "... one webhook-id" "$(logq 'len(set(r["id"] for r in rows if json.loads(r["body"])["type"] == "lead.handoff"))')" 1
eq "... each signed" "$(logq 'all(r["sig_ok"] for r in rows)')" True
eq "... delivered" "$(sq "SELECT state || '|' || attempts FROM outbox WHERE type = 'lead.handoff'")" "delivered|3"
eq "... and, the SLA past meanwhile, an escalation sent" "$(sq "SELECT count(*) FROM outbox WHERE type = 'lead.escalated'")" 1

# --- 429 with Retry-After: 7 ---------------------------------------------------------
: >"$t/hook.log"
conf /limit
db=$t/limit.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
exits 0 "handoff run: 429, Retry-After: 7" lgc handoff run --now "$now0"
eq "... the next attempt 7 s on, not the schedule's 5" \
	"$(sq "SELECT last_status || '|' || (next_at - strftime('%s', '2026-03-02T09:00:00') BETWEEN 7 AND 8) FROM outbox")" "429|1"
exits 0 "handoff run 6 s later" lgc handoff run --now 2026-03-02T09:00:06Z
eq "... not yet" "$(logq 'len(rows)')" 1
exits 0 "handoff run 8 s later" lgc handoff run --now 2026-03-02T09:00:08Z
eq "... delivered" "$(sq 'SELECT state || "|" || attempts FROM outbox')" "delivered|2"

# --- dead after the tenth attempt; retry --dead ----------------------------------------
: >"$t/hook.log"
conf /throttle
db=$t/dead.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
at=$(date -u -d "$now0" +%s)
for i in 1 2 3 4 5 6 7 8 9 10; do # each step of the schedule is under 27 h
	lgc handoff run --now "$(date -u -d "@$((at + (i - 1) * 97200))" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
done # (the SLA passes too: its escalations go to the same receiver)
eq "ten attempts of 502, then dead" "$(logq 'len([r for r in rows if json.loads(r["body"])["type"] == "lead.handoff"])')|$(sq "SELECT state || '|' || attempts FROM outbox WHERE type = 'lead.handoff'")" "10|dead|10"
exits 0 "handoff status" lgc handoff status --format json
check "... one dead" grep -q '"dead":1' "$t/out"
exits 0 "handoff retry --dead" lgc handoff retry --dead --now "$now1"
eq "... pending again, from attempt 0" "$(sq "SELECT state || '|' || attempts FROM outbox WHERE type = 'lead.handoff'")" "pending|0"

# --- 410 disables the endpoint ----------------------------------------------------
: >"$t/hook.log"
conf /gone
db=$t/gone.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
exits 0 "handoff run: 410" lgc handoff run --now "$now0"
eq "... the message disabled" "$(sq 'SELECT state || "|" || last_status FROM outbox')" "disabled|410"
eq "... and its endpoint" "$(sq 'SELECT count(*) FROM endpoints_disabled')" 1
ev d2 bo@beta-soft.com "$now1"
lgc score --now "$now1" -o /dev/null 2>/dev/null
eq "a new message to it is disabled at once" "$(sq "SELECT group_concat(state) FROM outbox")" "disabled,disabled"
exits 0 "handoff run" lgc handoff run --now 2026-03-09T09:00:00Z
eq "... sends it nothing" "$(logq 'len(rows)')" 1
id=$(sq "SELECT id FROM outbox ORDER BY created_at LIMIT 1")
exits 0 "handoff retry ID" lgc handoff retry --now "$now1" "$id"
eq "... pending again, the endpoint enabled" "$(sq "SELECT state || '|' || attempts FROM outbox WHERE id = '$id'")|$(sq 'SELECT count(*) FROM endpoints_disabled')" "pending|0|0"
exits 66 "handoff retry of an unknown ID" lgc handoff retry --now "$now1" msg_none
exits 64 "handoff retry wants an ID or --dead" lgc handoff retry
exits 64 "handoff with no subcommand" lgc handoff

# --- SIGKILL in mid-delivery: nothing lost -----------------------------------------
: >"$t/hook.log"
conf /slow
db=$t/kill.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
ev d2 bo@beta-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
eq "two messages to send" "$(sq "SELECT count(*) FROM outbox WHERE state = 'pending'")" 2
"$lg" --db "$db" handoff run --now "$now0" >/dev/null 2>&1 & # not lgc: $! must be leadgate itself
bg=$!
sleep 1
kill -9 "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
bg=""
eq "killed in mid-delivery: nothing marked delivered" "$(sq "SELECT count(*) FROM outbox WHERE state = 'pending' AND attempts = 0")" 2
eq "... both still claimed by the killed run" "$(sq "SELECT count(*) FROM outbox WHERE claimed_until > strftime('%s', '$now0')")" 2
exits 0 "a run while the claims hold" lgc handoff run --now "$now0"
eq "... sends nothing" "$(sq "SELECT group_concat(state) FROM outbox")|$(logq 'len(rows)')" "pending,pending|0"
one=$(sq "SELECT id FROM outbox ORDER BY id LIMIT 1")
exits 0 "handoff retry of one of them gives up its claim" lgc handoff retry --now "$now0" "$one"
eq "... its claim gone, the other's held" \
	"$(sq "SELECT group_concat(c) FROM (SELECT claimed_until IS NULL AS c FROM outbox ORDER BY id)")" "1,0"
exits 0 "... a run sends it at once" lgc handoff run --now "$now0"
eq "... it alone" "$(sq "SELECT group_concat(state) FROM (SELECT state FROM outbox ORDER BY id)")" "delivered,pending"
# the claims lapse (a take of 32 waits at most 2 turns of the 15 s timeout, plus 45 s)
exits 0 "the next run, once the claims lapsed" lgc handoff run --now 2026-03-02T09:02:00Z
eq "... delivers both" "$(sq "SELECT group_concat(state) FROM outbox")" "delivered,delivered"
sleep 3 # the killed run's requests end on the receiver's side
eq "... every message arrived at least once, with a 200" \
	"$(logq 'sorted(set(r["id"] for r in rows if r["status"] == 200))')" \
	"$(sq "SELECT id FROM outbox ORDER BY id" | python3 -c 'import sys; print(sorted(l.strip() for l in sys.stdin))')"

eq "... and no claim is left" "$(sq "SELECT count(*) FROM outbox WHERE claimed_until IS NOT NULL")" 0

# --- two senders at once: a message claimed by one is not sent by the other -------
: >"$t/hook.log"
conf /slow
db=$t/claim.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
ev d2 bo@beta-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
lgc handoff run --now "$now0" >/dev/null 2>&1 &
bg=$!
sleep 1 # the first run has claimed both, and waits for the slow receiver
exits 0 "a second handoff run while the first sends" lgc handoff run --now "$now0"
wait "$bg"
eq "... the first run ends well" "$?" 0
bg=""
eq "... both delivered" "$(sq "SELECT group_concat(state) FROM outbox")" "delivered,delivered"
eq "... each message arrived once" "$(logq 'sorted(__import__("collections").Counter(r["id"] for r in rows).values())')" "[1, 1]"

# --- nobody eligible at the move: the next run assigns it once a rep is back ----
: >"$t/hook.log"
conf /hook
sed -i -e 's|^email = ana@ourco.example|&\navailable = no|' -e 's|^email = cy@ourco.example|&\navailable = no|' "$t/lg.conf"
db=$t/wait.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
exits 0 "score moves ann to MQL with every rep away" lgc score --now "$now0" -o /dev/null
eq "... the handoff recorded with nobody, no message" \
	"$(sq "SELECT ifnull(rep, '-') || '|' || state || '|' || (SELECT count(*) FROM outbox) FROM handoffs")" "-|unassigned|0"
exits 0 "handoff run, every rep still away" lgc handoff run --now "$now1"
eq "... leaves it waiting" "$(sq "SELECT state FROM handoffs")|$(logq 'len(rows)')" "unassigned|0"
conf /hook
exits 0 "handoff run once ana and cy are back" lgc handoff run --now "$now1"
check "... counts it" grep -q '1 assigned (had nobody)' "$t/err"
eq "... ann given to ana, open, her SLA from now" \
	"$(sq "SELECT rep || '|' || state || '|' || (deadline - handed_at) || '|' || (handed_at = strftime('%s', '2026-03-02T09:01:00')) FROM handoffs")" "ana|open|300|1"
eq "... her lead.handoff sent and delivered" \
	"$(logq '[(json.loads(r["body"])["type"], json.loads(r["body"])["data"]["email"], json.loads(r["body"])["data"]["owner"]["name"], r["status"]) for r in rows]')" \
	"[('lead.handoff', 'ann@acme-soft.com', 'ana', 200)]"
exits 0 "handoff status" lgc handoff status
check "... nothing unassigned" grep -q 'unassigned): 0$' "$t/out"

# --- list = routes on any of the contact's lists -----------------------------------
: >"$t/hook.log"
conf /hook
sed -i 's|^\[route.everyone\]|[route.fair]\nlist = other, Fair-2026\nteam = fair\n\n&|' "$t/lg.conf"
printf '\n[team.fair]\nreps = cy\nwebhook = http://127.0.0.1:%s/hook\nsecret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' "$hport" >>"$t/lg.conf"
db=$t/list.db
cp "$base" "$db"
printf 'Email\nann@acme-soft.com\n' >"$t/fair.csv"
# (a list of one row: the gate may block it, exit 1; its members are kept)
"$lg" verify --db "$db" --now "$now0" --dns "127.0.0.1:$port" --list fair-2026 -q -o /dev/null \
	"$t/fair.csv" 2>/dev/null
eq "ann is in the lists crm and fair-2026" \
	"$(sq "SELECT count(*) FROM members m JOIN lists l ON l.current_run = m.run_id JOIN contacts c ON c.id = m.contact_id WHERE c.address = 'ann@acme-soft.com'")" 2
ev d1 ann@acme-soft.com
ev d2 bo@beta-soft.com
exits 0 "score moves ann and bo to MQL" lgc score --now "$now0" -o /dev/null
eq "... ann routed by her list fair-2026 to cy, bo (crm only) to sales" \
	"$(sq "SELECT group_concat(c.address || ':' || h.team || ':' || h.rep, ' ') FROM handoffs h JOIN contacts c ON c.id = h.contact_id")" \
	"ann@acme-soft.com:fair:cy bo@beta-soft.com:sales:ana"
exits 0 "handoff run" lgc handoff run --now "$now0"
eq "... ann's data names her lists, the latest first" \
	"$(logq '[(d["list"], d["lists"]) for d in (json.loads(r["body"])["data"] for r in rows) if d["email"] == "ann@acme-soft.com"]')" \
	"[('fair-2026', ['fair-2026', 'crm'])]"

# --- the CRM and Slack targets: three more requests, a Salesforce 300 not retried --
# crm FIELD: the manual's example, its team with Slack, HubSpot and
# Salesforce too (all on the receiver; FIELD the Salesforce external id)
crm() {
	conf /hook
	sed -i "s|^secret = .*|&\nslack = http://127.0.0.1:$hport/slack/T0/B0/key\nhubspot = http://127.0.0.1:$hport\nhubspot_token = env:LG_TEST_HS\nsalesforce = http://127.0.0.1:$hport/\nsalesforce_token = file:sf.token\nsalesforce_field = $1|" "$t/lg.conf"
}
printf 'sf-tok\n' >"$t/sf.token"
export LG_TEST_HS=hs-tok
: >"$t/hook.log"
crm Leadgate_Email__c
db=$t/crm.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
exits 0 "score moves ann to MQL, a team with slack, hubspot and salesforce" lgc score --now "$now0" -o /dev/null
eq "... four messages: the webhook's and three targets'" \
	"$(sq "SELECT group_concat(target, ' ') FROM (SELECT target FROM outbox ORDER BY target)")" \
	"sales sales/hubspot sales/salesforce sales/slack"
exits 0 "handoff run" lgc handoff run --now "$now0"
eq "... four requests" "$(logq 'len(rows)')" 4
eq "... Slack: a POST of blocks, unsigned, no token" \
	"$(logq '[(r["method"], "blocks" in json.loads(r["body"]), r["id"], r["authorization"]) for r in rows if r["path"].startswith("/slack/")]')" \
	"[('POST', True, None, None)]"
eq "... the Slack message names ann and her owner" \
	"$(logq '[("ann@acme-soft.com" in r["body"], "ana@ourco.example" in r["body"] or "ana" in r["body"]) for r in rows if r["path"].startswith("/slack/")]')" \
	"[(True, True)]"
eq "... HubSpot: the batch upsert by email with the token and the properties" \
	"$(logq '[(r["method"], r["path"], r["authorization"], (lambda i: (i["id"], i["idProperty"], i["properties"]["leadgate_stage"], i["properties"]["leadgate_owner"], "leadgate_score" in i["properties"], "leadgate_grade" in i["properties"]))(json.loads(r["body"])["inputs"][0])) for r in rows if r["path"].startswith("/crm/")]')" \
	"[('POST', '/crm/v3/objects/contacts/batch/upsert', 'Bearer hs-tok', ('ann@acme-soft.com', 'email', 'mql', 'ana@ourco.example', True, True))]"
eq "... Salesforce: a PATCH by the external id, the file's token, the contact's company" \
	"$(logq '[(r["method"], r["path"], r["authorization"], (lambda b: (b["Email"], b["Leadgate_Stage__c"], b["Leadgate_Owner_Email__c"], b.get("Company"), "Leadgate_Score__c" in b))(json.loads(r["body"]))) for r in rows if r["path"].startswith("/services/")]')" \
	"[('PATCH', '/services/data/v60.0/sobjects/Lead/Leadgate_Email__c/ann%40acme-soft.com', 'Bearer sf-tok', ('ann@acme-soft.com', 'mql', 'ana@ourco.example', 'Acme Soft', True))]"
eq "... all four delivered (Salesforce's 201 too)" \
	"$(sq "SELECT group_concat(state || ':' || last_status, ' ') FROM (SELECT * FROM outbox ORDER BY target)")" \
	"delivered:200 delivered:200 delivered:201 delivered:200"
exits 0 "handoff status" lgc handoff status
check "... by target: sales/salesforce one delivered" grep -Eq '^sales/salesforce +0 +0 +1 +0 +0$' "$t/out"
crm several__c
ev d2 bo@beta-soft.com "$now1"
exits 0 "bo to MQL, the external id matching several Leads" lgc score --now "$now1" -o /dev/null
exits 0 "handoff run" lgc handoff run --now "$now1"
check "... one failed, not retried" grep -q ' 1 failed (not retried)' "$t/err"
eq "... Salesforce's 300 kept dead after one attempt, with the reason" \
	"$(sq "SELECT state || '|' || attempts || '|' || last_status || '|' || (last_error LIKE '%salesforce, not retried%') FROM outbox o WHERE target = 'sales/salesforce' AND body LIKE '%bo@beta-soft.com%'")" \
	"dead|1|300|1"
exits 0 "handoff run an hour later" lgc handoff run --now 2026-03-02T10:01:00Z
eq "... bo's upsert not sent again" \
	"$(sq "SELECT state || '|' || attempts FROM outbox o WHERE target = 'sales/salesforce' AND type = 'lead.handoff' AND body LIKE '%bo@beta-soft.com%'")" "dead|1"
eq "... the receiver saw it once, and bo's escalation once" \
	"$(logq '[r["status"] for r in rows if r["path"].endswith("/several__c/bo%40beta-soft.com")]')" "[300, 300]"
eq "... ann's escalation: her new owner in HubSpot" \
	"$(logq '[i["properties"]["leadgate_owner"] for r in rows if r["path"].startswith("/crm/") for i in json.loads(r["body"])["inputs"] if i["id"] == "ann@acme-soft.com"]')" \
	"['ana@ourco.example', 'cy@ourco.example']"
eq "... ann's escalation on Slack: whose SLA passed, who has her now" \
	"$(logq '[json.loads(r["body"])["text"] for r in rows if r["path"].startswith("/slack/") and "Escalated" in r["body"] and "ann@acme-soft.com" in r["body"]]')" \
	"['Escalated: MQL lead ann@acme-soft.com, SLA missed by ana (ana@ourco.example), for cy (cy@ourco.example)']"
unset LG_TEST_HS
ev d3 al@acme-soft.com "$now1"
lgc score --now "$now1" -o /dev/null 2>/dev/null
exits 78 "a HubSpot token that will not read fails the run" lgc handoff run --now "$now1"
check "... naming the file, line and variable" grep -q 'lg.conf:[0-9]*: hubspot_token: \$LG_TEST_HS is not set' "$t/err"
eq "... its message kept pending, the others sent" \
	"$(sq "SELECT group_concat(target || ':' || state, ' ') FROM (SELECT * FROM outbox WHERE body LIKE '%al@acme-soft.com%' ORDER BY target)")" \
	"sales:delivered sales/hubspot:pending sales/salesforce:dead sales/slack:delivered"
printf '[team.x]\nreps = a\nhubspot = http://127.0.0.1:1\n[rep.a]\nemail = a@b.example\n' >"$t/bad.conf"
exits 78 "hubspot without hubspot_token is refused" "$lg" --db "$db" handoff status --config "$t/bad.conf"
check "... with its line" grep -q 'bad.conf:3: \[team.x\] has hubspot and no hubspot_token' "$t/err"
printf '[team.x]\nreps = a\nsalesforce = https://x.example\nsalesforce_token = t\nsalesforce_field = no-dash\n[rep.a]\nemail = a@b.example\n' >"$t/bad.conf"
exits 78 "a salesforce_field that is no API name is refused" "$lg" --db "$db" handoff status --config "$t/bad.conf"
export LEADGATE_CONFIG="$t/lg.conf"

# --- the SLA report of a team without a webhook: the miss counted against ana ----
# (no message names her: the handoff's steps do)
: >"$t/hook.log"
conf /hook
sed -i -e '/^webhook = /d' -e '/^secret = /d' "$t/lg.conf"
db=$t/quiet.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
exits 0 "a team with no webhook: score moves ann to MQL, handed to ana" lgc score --now "$now0" -o /dev/null
exits 0 "handoff run past ana's deadline" lgc handoff run --now 2026-03-02T09:11:00Z
exits 0 "cy accepts 2 min after the escalation" lgc decide --now 2026-03-02T09:13:00Z ann@acme-soft.com accept --by cy
eq "... no message written, none sent" "$(sq 'SELECT count(*) FROM outbox')|$(logq 'len(rows)')" "0|0"
eq "... the steps: ana's escalated at 09:11, cy's accepted at 09:13" \
	"$(sq "SELECT group_concat(rep || ':' || outcome || ':' || strftime('%H:%M', ended_at, 'unixepoch'), ' ') FROM (SELECT * FROM handoff_steps ORDER BY step)")" \
	"ana:escalated:09:11 cy:accepted:09:13"
exits 0 "report sla --format json" lgc report sla --format json
slaq() { python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$t/out" "$1"; }
eq "... ana: handed 1, none accepted, the escalation hers" \
	"$(slaq '[(r["rep"], r["team"], r["handed"], r["accepted"], r["median_accept_s"], r["escalations"]) for r in o["reps"] if r["rep"] == "ana"]')" \
	"[('ana', 'sales', 1, 0, None, 1)]"
eq "... cy: handed 1, accepted in the SLA 120 s after her own assignment, no escalation" \
	"$(slaq '[(r["handed"], r["accepted"], r["accepted_in_sla"], r["median_accept_s"], r["p90_accept_s"], r["escalations"]) for r in o["reps"] if r["rep"] == "cy"]')" \
	"[(1, 1, 1, 120, 120, 0)]"
eq "... the team: 1 lead, accepted, 1 escalation" \
	"$(slaq '[(r["team"], r["handed"], r["accepted"], r["escalations"]) for r in o["teams"]]')" \
	"[('sales', 1, 1, 1)]"
exits 0 "report sla as text" lgc report sla
grep -Eq '^ana +1 +0 +0 +- +- +1 +0$' "$t/out" && grep -Eq '^cy +1 +1 +1 +2m00s +2m00s +0 +0$' "$t/out" &&
	ok "... ana's and cy's lines" || { notok "... ana's and cy's lines"; sed 's/^/#   /' "$t/out"; }

# --- a receiver that is down, then up: the next due run delivers, one webhook-id ---
dport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf /hook
sed -i "s|http://127.0.0.1:$hport/hook|http://127.0.0.1:$dport/hook|" "$t/lg.conf"
db=$t/down.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
exits 0 "handoff run, nothing listening on the webhook's port" lgc handoff run --now "$now0"
eq "... the message pending, one attempt, no status, the connection's error kept" \
	"$(sq "SELECT state || '|' || attempts || '|' || ifnull(last_status, '-') || '|' || (last_error LIKE '%connect%') FROM outbox")" \
	"pending|1|-|1"
eq "... its next attempt on the schedule (5 s)" \
	"$(sq "SELECT next_at - strftime('%s', '2026-03-02T09:00:00') BETWEEN 4 AND 6 FROM outbox")" 1
exits 0 "handoff run 10 s later, still down" lgc handoff run --now 2026-03-02T09:00:10Z
eq "... two attempts counted, still pending" "$(sq "SELECT state || '|' || attempts FROM outbox")" "pending|2"
exits 0 "handoff status" lgc handoff status --format json
check "... one retrying" grep -q '"retrying":1' "$t/out"
hookd_start hook2 "$dport" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
hook2=$hookpid hook="$hook $hook2"
check "the receiver up on that port" grep -q "^ready $dport\$" "$t/hook2.port"
exits 0 "handoff run before the next attempt is due" lgc handoff run --now 2026-03-02T09:01:00Z
eq "... sends nothing" "$(sq "SELECT state || '|' || attempts FROM outbox")|$(python3 -c 'import sys; print(sum(1 for _ in open(sys.argv[1])))' "$t/hook2.log")" "pending|2|0"
exits 0 "handoff run once it is due (5 min on)" lgc handoff run --now 2026-03-02T09:06:00Z
eq "... delivered on the third attempt" "$(sq "SELECT state || '|' || attempts || '|' || last_status FROM outbox WHERE type = 'lead.handoff'")" "delivered|3|200"
log2q() { python3 - "$t/hook2.log" "$1" <<'EOF2'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2], {"rows": rows, "json": json}))
EOF2
}
eq "... the receiver got it once, signed, under the outbox's webhook-id" \
	"$(log2q '[(r["id"], r["sig_ok"], r["status"]) for r in rows if json.loads(r["body"])["type"] == "lead.handoff"]')" \
	"[('$(sq "SELECT id FROM outbox WHERE type = 'lead.handoff'")', True, 200)]"
kill "$hook2" 2>/dev/null
wait "$hook2" 2>/dev/null
hook=${hook% $hook2}

# --- a receiver slower than the sender's timeout (15 s): given up, sent again ------
: >"$t/hook.log"
conf /stall
db=$t/stall.db
cp "$base" "$db"
ev d1 ann@acme-soft.com
lgc score --now "$now0" -o /dev/null 2>/dev/null
exits 0 "handoff run: the receiver would answer after 20 s" lgc handoff run --now "$now0"
eq "... given up at the timeout: pending, one attempt, no status, the timeout kept" \
	"$(sq "SELECT state || '|' || attempts || '|' || ifnull(last_status, '-') || '|' || (last_error LIKE '%timed out%') FROM outbox")" \
	"pending|1|-|1"
exits 0 "handoff run once the retry is due (10 s on)" lgc handoff run --now 2026-03-02T09:00:10Z
eq "... delivered on the second attempt" "$(sq "SELECT state || '|' || attempts || '|' || last_status FROM outbox")" "delivered|2|200"
eq "... the receiver's second request under that webhook-id, signed" \
	"$(logq '[(r["id"], r["sig_ok"], r["status"]) for r in rows if r["path"] == "/stall" and r["count"] == 2]')" \
	"[('$(sq "SELECT id FROM outbox")', True, 200)]"

echo "handoff: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
