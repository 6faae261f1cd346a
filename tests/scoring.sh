#!/bin/sh
# scoring.sh LEADGATE - the scoring and qualification commands through the
# real binary: verify --list (with a DNS server on loopback, tests/dnsd.sh),
# events import, score and score --explain, decide, evidence add, qualify,
# report rejections, funnel, and the refresh of a contact a rep found bad.
# The database is read back with the sqlite3 shell.
#
# Prints "ok - ..." or "not ok - ..." a check, then "scoring: N passed, N
# failed"; exits non-zero if a check failed.  Every command gets --db and
# --now: nothing touches the user's files or reads the clock.
set -u
lg=${1:-build/leadgate}
case $lg in /*) ;; *) lg=$(pwd)/$lg ;; esac
command -v sqlite3 >/dev/null 2>&1 || { echo "scoring.sh: the sqlite3 shell is missing (make deps)" >&2; exit 1; }
t=$(mktemp -d "${TMPDIR:-/tmp}/lg-scoring.XXXXXX") || exit 1
bg=""
cleanup() {
	for p in $bg; do kill -9 "$p" 2>/dev/null; done
	sh tests/dnsd.sh stop "$t/dns"
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

printf '[scoring]\ncompetitor = competitor-co.com\n' >"$t/lg.conf"
export LEADGATE_CONFIG="$t/lg.conf" XDG_CONFIG_HOME="$t/xdg" XDG_DATA_HOME="$t/xdg"
unset LEADGATE_DB
db=$t/lg.db

. tests/lib.sh # ok, notok, eq, exits, sq
has() { if grep -qF -- "$3" "$2"; then ok "$1"; else notok "$1: '$3' not in $2"; sed 's/^/#   /' "$2" | head -n 8; fi; }
field() { # field CSV EMAIL COLUMN-NAME: one cell of leadgate score's output
	awk -F, -v e="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		$1 == e { print $k }' "$1"
}

now0=2026-03-02T09:00:00Z
now10=2026-03-12T09:00:00Z
now30=2026-04-01T09:00:00Z

# --- the list and its zone ---------------------------------------------------
cat >"$t/contacts.csv" <<'EOF'
Email,First Name,Job Title,Company,Industry,Employees,Country
ann@acme-soft.com,Ann,Chief Executive Officer,Acme Soft,Retail,5,Germany
vp@acme-soft.com,Bob,VP Sales,Acme Soft,Software,250,Germany
dead@no-such-domain-xyz.com,Carl,Chief Executive Officer,Gone,Retail,5,Germany
intern@acme-soft.com,Dee,Marketing Intern,Acme Soft,Retail,5,Germany
rival@competitor-co.com,Eve,CEO,Competitor,Retail,5,Germany
quiet@acme-soft.com,Fay,Manager,Acme Soft,Retail,20,France
EOF
{ cat samples/samples.zone
  echo "acme-soft.com. 3600 MX 10 mx.acme-soft.com."
  echo "competitor-co.com. 3600 MX 10 mx.competitor-co.com."; } >"$t/zone"
port=$(sh tests/dnsd.sh start "$t/dns" "$t/zone") || exit 1
dns="--dns 127.0.0.1:$port --dns-timeout 200"

# six records are too few to pass the 1 % gate: exit 1, and the list is recorded
exits 1 "verify --list crm" "$lg" verify --db "$db" --now "$now0" $dns --list crm \
	--source hubspot -q -o "$t/verified.csv" "$t/contacts.csv"
eq "the profile columns are kept" "$(sq "SELECT p.title || '|' || p.industry || '|' || p.employees \
	|| '|' || p.region FROM profiles p JOIN contacts c ON c.id = p.contact_id \
	WHERE c.address = 'vp@acme-soft.com'")" "VP Sales|Software|250|Germany"
printf 'email,employees\ne1@acme-soft.com,"1,200"\ne2@acme-soft.com,1.200\ne3@acme-soft.com,51-200\ne4@acme-soft.com,10K\ne5@acme-soft.com,2.5k\ne6@acme-soft.com,n/a\n' >"$t/emp.csv"
"$lg" verify --db "$t/emp.db" --now "$now0" $dns --list emp -q -o /dev/null "$t/emp.csv" 2>/dev/null
eq "employees as exports write them" "$(sqlite3 -batch "$t/emp.db" "SELECT group_concat(coalesce(p.employees, 'none'), ' ') FROM \
	(SELECT p.employees FROM contacts c LEFT JOIN profiles p ON p.contact_id = c.id ORDER BY c.address) p")" "1200 1200 51 10000 2500 none"
eq "the list source is kept" "$(sq "SELECT source FROM contacts WHERE address = 'ann@acme-soft.com'")" hubspot

# --- events import -------------------------------------------------------------
cat >"$t/ev.ndjson" <<'EOF'
{"event_id":"d1","email":"Ann@Acme-Soft.com","type":"demo_request","channel":"web","asset":"demo","occurred_at":"2026-03-02T09:00:00Z"}
{"event_id":"d2","email":"dead@no-such-domain-xyz.com","type":"demo_request","channel":"web","occurred_at":"2026-03-02T09:00:00Z"}
{"event_id":"d3","email":"rival@competitor-co.com","type":"demo_request","channel":"web","occurred_at":"2026-03-02T09:00:00Z"}
not an event
{"event_id":"d4","email":"vp@acme-soft.com","type":"time_travel","occurred_at":"2026-03-01T09:00:00Z"}
{"event_id":"d5","type":"email_open","occurred_at":"2026-03-01T09:00:00Z"}
{"event_id":"f1","domain":"www.acme-soft.com","type":"funding","occurred_at":"2026-02-20T00:00:00Z","properties":{"round":"B"}}
{"event_id":"f2","email":"bob@competitor-co.com","type":"hiring_surge","Occurred_At":"2026-02-21T00:00:00Z","count":7}
{"event_id":"n1","email":"ann@acme-soft.com","type":"email_open","occurred_at":null}
EOF
exits 0 "events import (NDJSON)" "$lg" events import --db "$db" --now "$now0" "$t/ev.ndjson"
has "a line that is not JSON is reported with its line" "$t/err" "ev.ndjson:4: not JSON (not imported)"
has "an event without email or domain is reported" "$t/err" "ev.ndjson:6: neither email nor domain"
has "an unknown type is reported, and kept" "$t/err" "ev.ndjson:5: unknown event type 'time_travel' (imported"
has "a null time is no time" "$t/err" "ev.ndjson:9: no occurred_at (not imported)"
has "the summary counts" "$t/err" "6 events new (4 of contacts, 2 of accounts, 1 of unknown types), 0 imported before, 3 not imported"
eq "an account's event given with an address is the account's" "$(sq "SELECT account || '|' || coalesce(address, '-') || '|' || count FROM events WHERE event_id = 'f2'")" "competitor-co.com|-|7"
eq "an address is kept normalized" "$(sq "SELECT address FROM events WHERE event_id = 'd1'")" "ann@acme-soft.com"
eq "an account is its registrable domain" "$(sq "SELECT account FROM events WHERE event_id = 'f1'")" "acme-soft.com"
eq "other properties are kept as JSON" "$(sq "SELECT props FROM events WHERE event_id = 'f1'")" '{"round":"B"}'
exits 0 "events import again" "$lg" events import --db "$db" --now "$now0" "$t/ev.ndjson"
has "importing again adds nothing" "$t/err" "0 events new (0 of contacts, 0 of accounts, 0 of unknown types), 6 imported before"
eq "no event twice" "$(sq "SELECT count(*) FROM events")" 6

# vp: high-intent events on two channels; the oldest comes last (late)
cat >"$t/ev.csv" <<'EOF'
Event ID,Email,Type,Channel,Asset,Occurred At,Campaign
v1,vp@acme-soft.com,pricing_visit,web,pricing,2026-03-01T09:00:00Z,spring
v2,vp@acme-soft.com,demo_request,web,demo,2026-03-02T09:00:00Z,
v3,vp@acme-soft.com,email_reply,email,,2026-02-28T09:00:00Z,spring
v4,vp@acme-soft.com,email_open,email,,yesterday,
EOF
exits 0 "events import (CSV)" "$lg" events import --db "$db" --now "$now0" "$t/ev.csv"
has "a bad time is reported with its line" "$t/err" "ev.csv:5: occurred_at is not a time"
eq "CSV: 3 events" "$(sq "SELECT count(*) FROM events WHERE address = 'vp@acme-soft.com' AND type <> 'time_travel'")" 3
eq "CSV: other columns are properties" "$(sq "SELECT props FROM events WHERE event_id = 'v1'")" '{"Campaign":"spring"}'
printf 'email,type\nx@y.com,demo_request\n' >"$t/noid.csv"
exits 65 "a CSV without event_id is not an events file" "$lg" events import --db "$db" --now "$now0" "$t/noid.csv"
exits 66 "a missing file" "$lg" events import --db "$db" --now "$now0" "$t/missing.ndjson"
printf '\357\273\277{"event_id":"bom1","email":"ann@acme-soft.com","type":"email_open","channel":7,"asset":2026,"occurred_at":"2026-02-01T00:00:00Z"}\n' >"$t/bom.ndjson"
exits 0 "NDJSON with a byte order mark" "$lg" events import --db "$db" --now "$now0" "$t/bom.ndjson"
eq "... its first line is an event; numbers as text, each its own" "$(sq "SELECT channel || '|' || asset FROM events WHERE event_id = 'bom1'")" "7|2026"
printf 'event_id,email,type,occurred_at\npipe1,ann@acme-soft.com,email_open,2026-02-02T00:00:00Z\n' |
	"$lg" events import --db "$db" --now "$now0" /dev/stdin >"$t/out" 2>"$t/err"
eq "a CSV from a pipe" "$(sq "SELECT count(*) FROM events WHERE event_id = 'pipe1'")" 1
sq "DELETE FROM events WHERE event_id IN ('bom1', 'pipe1')" >/dev/null
exits 66 "events import of missing files only" "$lg" events import --db "$t/none.db" "$t/missing.csv" "$t/missing.ndjson"
exits 66 "bounces import of a missing file" "$lg" bounces import --db "$t/none.db" "$t/missing.csv"
if [ -e "$t/none.db" ]; then notok "a missing file makes a database"; else ok "a missing file makes no database"; fi
# A batch: what cannot be used is named, the rest is imported, exit 65.
exits 65 "events import of a batch with a missing file and one that is no events file" \
	"$lg" events import --db "$t/batch.db" --now "$now0" "$t/ev.csv" "$t/missing.ndjson" "$t/noid.csv" "$t/ev.ndjson"
has "... the missing file is named" "$t/err" "missing.ndjson: No such file or directory (not imported)"
has "... so is the file that is no events file" "$t/err" "noid.csv:1: not an events file: no event_id column (not imported)"
has "... the count at the end" "$t/err" "events import: 2 of 4 files not imported"
eq "... the files before and after are imported" "$(sqlite3 -batch "$t/batch.db" "SELECT count(*) FROM events")" 9

# --- score ------------------------------------------------------------------------
exits 0 "score" "$lg" score --db "$db" --now "$now0" -o "$t/s0.csv"
has "the summary" "$t/err" "6 contacts scored"
eq "C-level + demo request today = 80" "$(field "$t/s0.csv" ann@acme-soft.com total)" 80.00
eq "... and an MQL" "$(field "$t/s0.csv" ann@acme-soft.com stage)" mql
eq "... grade" "$(field "$t/s0.csv" ann@acme-soft.com grade)" B1
eq "a row says who it is: name, company, title" \
	"$(field "$t/s0.csv" ann@acme-soft.com name)|$(field "$t/s0.csv" ann@acme-soft.com company)|$(field "$t/s0.csv" ann@acme-soft.com title)" \
	"Ann|Acme Soft|Chief Executive Officer"
eq "... the columns beside the address" "$(head -n 1 "$t/s0.csv" | cut -d, -f1-5)" "email,name,company,title,fit"
printf 'Last Name,E-mail,First Name\nDoe,jo@acme-soft.com,Jo\n' >"$t/names.csv"
"$lg" verify --db "$t/names.db" --now "$now0" $dns --list n -q -o /dev/null "$t/names.csv" 2>/dev/null
"$lg" score --db "$t/names.db" --now "$now0" -q -o "$t/names-s.csv" 2>/dev/null
eq "a name from first and last name columns" "$(field "$t/names-s.csv" jo@acme-soft.com name)" "Jo Doe"
eq "the same with an undeliverable address: confidence 0" "$(field "$t/s0.csv" dead@no-such-domain-xyz.com confidence)" 0.000
eq "... never an MQL" "$(field "$t/s0.csv" dead@no-such-domain-xyz.com stage)" lead
eq "... not eligible" "$(field "$t/s0.csv" dead@no-such-domain-xyz.com eligible)" no
eq "a competitor: -50" "$(field "$t/s0.csv" rival@competitor-co.com fit)" -20.00
eq "... never an MQL" "$(field "$t/s0.csv" rival@competitor-co.com stage)" lead
eq "an intern: -30 (a negative number, not a formula)" "$(field "$t/s0.csv" intern@acme-soft.com fit)" -30.00
eq "ICP fit, high intent on two channels: HQL" "$(field "$t/s0.csv" vp@acme-soft.com stage)" hql
eq "moves recorded: ceo lead -> mql by auto" \
	"$(sq "SELECT from_stage || '>' || to_stage || '|' || who || '|' || score FROM moves m JOIN contacts c \
	ON c.id = m.contact_id WHERE c.address = 'ann@acme-soft.com'")" "lead>mql|auto|80.0"
eq "moves recorded: vp lead -> mql -> hql" "$(sq "SELECT group_concat(to_stage, ',') FROM (SELECT to_stage \
	FROM moves m JOIN contacts c ON c.id = m.contact_id WHERE c.address = 'vp@acme-soft.com' ORDER BY m.id)")" "mql,hql"
eq "every move says why" "$(sq "SELECT count(*) FROM moves WHERE why = ''")" 0

exits 0 "score again" "$lg" score --db "$db" --now "$now0" -o "$t/s0b.csv"
eq "scoring again moves nothing" "$(sq "SELECT count(*) FROM moves")" 3
exits 0 "score --format jsonl" "$lg" score --db "$db" --now "$now0" --dry-run -f jsonl -o "$t/s0.jsonl"
eq "jsonl: one valid object a contact" "$(sqlite3 -batch :memory: "SELECT count(*) FROM json_each(json('[' || \
	replace(trim(CAST(readfile('$t/s0.jsonl') AS TEXT), char(10)), char(10), ',') || ']'))")" 6
head -n 1 "$t/s0.jsonl" >"$t/first.json"
eq "jsonl: numbers are numbers" "$(sqlite3 -batch :memory: \
	"SELECT json_type(CAST(readfile('$t/first.json') AS TEXT), '\$.total')")" real
if grep -q '[0-9]\.[0-9]\{5,\}' "$t/s0.jsonl"; then notok "jsonl: numbers as printed"; else ok "jsonl: numbers as printed"; fi
exits 0 "score --list crm" "$lg" score --db "$db" --now "$now0" --list crm --dry-run -o "$t/s0l.csv"
eq "score --list: every member" "$(tail -n +2 "$t/s0l.csv" | wc -l | tr -d ' ')" 6
exits 66 "score --list of no such list" "$lg" score --db "$db" --now "$now0" --list nope

# --- the account, recorded at verify time (schema 5) ---------------------------
eq "each contact's account is recorded" "$(sq "SELECT count(*) FROM contacts WHERE account IS NULL")" 0
eq "... as its registrable domain" \
	"$(sq "SELECT group_concat(DISTINCT account) FROM contacts WHERE address LIKE '%@acme-soft.com'")" acme-soft.com
exits 0 "score --dry-run" "$lg" score --db "$db" --now "$now0" --dry-run -o "$t/acct5.csv"
# the same database as schema 4 made it: no account column
sqlite3 -batch "$db" ".backup '$t/v4.db'"
sqlite3 -batch "$t/v4.db" "ALTER TABLE contacts DROP COLUMN account; DROP TABLE handoff_steps; DROP TABLE list_gates; DROP TABLE handoffs; DROP TABLE outbox; DROP TABLE rotations; DROP TABLE endpoints_disabled; DROP TABLE sns_messages; DROP TABLE jobs; DROP TABLE api_keys; DROP TABLE smtp_evidence; DROP TABLE smtp_domains; ALTER TABLE contacts DROP COLUMN smtp_outcome; ALTER TABLE contacts DROP COLUMN smtp_reply; ALTER TABLE contacts DROP COLUMN smtp_tls; ALTER TABLE contacts DROP COLUMN smtp_at; PRAGMA user_version = 4"
exits 0 "score --dry-run of a schema 4 database (read as it is)" \
	"$lg" score --db "$t/v4.db" --now "$now0" --dry-run -o "$t/acct4.csv"
eq "... scores every contact the same" "$(cmp "$t/acct5.csv" "$t/acct4.csv" && echo same)" same
exits 0 "score of a schema 4 database upgrades it" "$lg" score --db "$t/v4.db" --now "$now0" -o "$t/acct4m.csv"
eq "... to the latest schema" "$(sqlite3 -batch "$t/v4.db" "PRAGMA user_version")" 14
eq "... filling every contact's account" \
	"$(sqlite3 -batch "$t/v4.db" "SELECT count(*) FROM contacts WHERE account IS NULL")" 0
eq "... and scores every contact the same" "$(cmp "$t/acct5.csv" "$t/acct4m.csv" && echo same)" same
# An account's event given with a cell of several addresses: the account
# of the first, whose contact it is, as scoring finds it (not the domain
# after the last @).
printf '%s\n' '{"event_id":"m1","email":"pat@acme-soft.com, pat@competitor-co.com","type":"funding","occurred_at":"2026-02-20T00:00:00Z"}' >"$t/multi.ndjson"
exits 0 "events import of an account's event with several addresses" \
	"$lg" events import --db "$t/v4.db" --now "$now0" "$t/multi.ndjson"
eq "... is the first address's account" \
	"$(sqlite3 -batch "$t/v4.db" "SELECT account FROM events WHERE event_id = 'm1'")" acme-soft.com

# --- explain --------------------------------------------------------------------
exits 0 "score --explain" "$lg" score --db "$db" --now "$now0" --explain ann@acme-soft.com
has "explain: the demo request" "$t/out" "+50.00  event      demo_request"
has "explain: the title" "$t/out" "+30.00  title      c_level"
has "explain: the total" "$t/out" "= 80.00"
exits 0 "score --explain 30 days later" "$lg" score --db "$db" --now "$now30" --explain ann@acme-soft.com
has "thirty quiet days later the demo contributes 25" "$t/out" "+25.00  event      demo_request"
# the lines add up to the total as printed, for every contact
for e in ann@acme-soft.com vp@acme-soft.com rival@competitor-co.com intern@acme-soft.com; do
	"$lg" score --db "$db" --now "$now0" --explain "$e" >"$t/x" 2>/dev/null
	sum=$(awk '/^ +[-+][0-9]/ { s += $1 } END { printf "%.2f", s }' "$t/x")
	tot=$(awk '/^  = / { print $2 }' "$t/x")
	eq "explain $e: the lines add up to the total" "$sum" "$tot"
done
exits 0 "score --explain, JSON" "$lg" score --db "$db" --now "$now0" --explain vp@acme-soft.com -f jsonl
eq "explain JSON: contributions + rounding = total" "$(sqlite3 -batch :memory: "SELECT round((SELECT sum(json_extract(value, '\$.contribution')) \
	FROM json_each(j, '\$.contributions')) + json_extract(j, '\$.rounding') - json_extract(j, '\$.total'), 6) \
	FROM (SELECT CAST(readfile('$t/out') AS TEXT) AS j)")" 0.0
exits 66 "explain of no such contact" "$lg" score --db "$db" --now "$now0" --explain nobody@acme-soft.com
exits 64 "explain takes no --output" "$lg" score --db "$db" --now "$now0" --explain ann@acme-soft.com -o "$t/x"

# --- hysteresis ----------------------------------------------------------------------
exits 0 "score 10 days later" "$lg" score --db "$db" --now "$now10" -o "$t/s10.csv"
eq "below 80 but not below 60 for 7 days: still an MQL" "$(field "$t/s10.csv" ann@acme-soft.com stage)" mql
exits 0 "score 30 days later" "$lg" score --db "$db" --now "$now30" --dry-run -o "$t/s30.csv"
eq "below 60 for 7 days: recycled" "$(field "$t/s30.csv" ann@acme-soft.com stage)" recycled
eq "--dry-run records nothing" "$(sq "SELECT count(*) FROM moves WHERE to_stage = 'recycled'")" 0

# --- the rep's side: decide, evidence, qualify -> SQL -------------------------------
exits 1 "qualify: blocked" "$lg" qualify --db "$db" --now "$now0" vp@acme-soft.com
has "qualify: needs a rep's accept" "$t/out" "accepted by a rep (stage hql)"
has "qualify: needs a buying role" "$t/out" "a confirmed buying role"
has "qualify: the checklist's count" "$t/out" "BANT does not pass (0 of 4 met)"
exits 1 "qualify --framework CHAMP: blocked" "$lg" qualify --db "$db" --now "$now0" vp@acme-soft.com --framework CHAMP
has "... CHAMP's checklist does not pass" "$t/out" "CHAMP does not pass (0 of 4 met)"
has "... names the framework that decides SQL" "$t/out" "SQL is decided by BANT (the configured framework), which does not pass (0 of 4 met)."
has "... and blocks on it" "$t/out" "  - BANT passes: "
exits 0 "decide accept" "$lg" decide --db "$db" --now "$now0" vp@acme-soft.com accept --by alice
eq "accept: SAL" "$(sq "SELECT stage FROM stages s JOIN contacts c ON c.id = s.contact_id WHERE c.address = 'vp@acme-soft.com'")" sal
eq "the rep's move says who" "$(sq "SELECT who FROM moves WHERE to_stage = 'sal'")" alice
for c in budget:met:0.9 authority:met:0.8 need:met:0.9 timeline:partial:0.9; do
	IFS=: read -r crit st conf <<EOF
$c
EOF
	exits 0 "evidence add $crit" "$lg" evidence add vp@acme-soft.com --db "$db" --now "$now0" \
		--criterion "$crit" --status "$st" --confidence "$conf" --source call
done
exits 64 "evidence: a bad status" "$lg" evidence add vp@acme-soft.com --db "$db" --now "$now0" \
	--criterion budget --status maybe --confidence 0.5 --source call
exits 64 "evidence: a criterion of another framework" "$lg" evidence add vp@acme-soft.com --db "$db" \
	--now "$now0" --criterion champion --status met --confidence 0.5 --source call
exits 66 "evidence: no such contact" "$lg" evidence add nobody@acme-soft.com --db "$db" --now "$now0" \
	--criterion budget --status met --confidence 0.5 --source call
exits 66 "evidence: no database" "$lg" evidence add nobody@acme-soft.com --db "$t/none2.db" \
	--criterion budget --status met --confidence 0.5 --source call
if [ -e "$t/none2.db" ]; then notok "evidence add made a database"; else ok "evidence add makes no database"; fi
exits 0 "qualify: nothing blocks SQL" "$lg" qualify --db "$db" --now "$now0" vp@acme-soft.com
has "qualify: the checklist passes" "$t/out" "  BANT passes (3 of 4 met)"
has "qualify: the stage as recorded" "$t/out" "stage sal"
has "qualify: what the next score does" "$t/out" "Nothing blocks SQL: the next leadgate score moves it."
eq "qualify: the configured framework's checklist names no other" "$(grep -c 'SQL is decided by' "$t/out")" 0
# another framework's checklist shown; SQL is still judged by the configured
# one (BANT), and the output says so rather than contradict itself
exits 0 "qualify --framework MEDDIC" "$lg" qualify --db "$db" --now "$now0" vp@acme-soft.com --framework MEDDIC
has "... shows MEDDIC's checklist" "$t/out" "MEDDIC checklist:"
has "... which does not pass" "$t/out" "  MEDDIC does not pass (0 of 6 met)"
has "... names the framework that decides SQL" "$t/out" "SQL is decided by BANT (the configured framework), which passes (3 of 4 met)."
has "... and SQL is judged by BANT" "$t/out" "Nothing blocks SQL"
exits 0 "qualify --format json" "$lg" qualify --db "$db" --now "$now0" vp@acme-soft.com --format json
eq "qualify JSON: sql_ready" "$(sqlite3 -batch :memory: "SELECT json_extract(CAST(readfile('$t/out') AS TEXT), '\$.sql_ready')")" 1
exits 0 "qualify --framework MEDDIC --format json" "$lg" qualify --db "$db" --now "$now0" vp@acme-soft.com --framework MEDDIC --format json
eq "qualify JSON: the checklist shown, the framework deciding SQL and what each says" \
	"$(sqlite3 -batch :memory: "SELECT json_extract(j, '\$.framework') || '|' || json_extract(j, '\$.passes') || '|' || \
	json_extract(j, '\$.sql_framework') || '|' || json_extract(j, '\$.sql_framework_passes') || '|' || \
	json_extract(j, '\$.sql_ready') FROM (SELECT CAST(readfile('$t/out') AS TEXT) AS j)")" "MEDDIC|0|BANT|1|1"
exits 0 "score: SAL -> SQL" "$lg" score --db "$db" --now "$now0" -o "$t/s1.csv"
eq "SQL" "$(field "$t/s1.csv" vp@acme-soft.com stage)" sql
exits 0 "decide accept of an SQL" "$lg" decide --db "$db" --now "$now0" vp@acme-soft.com accept
has "... is SQL already: no move recorded" "$t/err" "is sql already; no move recorded"
eq "... still SQL" "$(sq "SELECT stage FROM stages s JOIN contacts c ON c.id = s.contact_id WHERE c.address = 'vp@acme-soft.com'")" sql

# a rep recycles an MQL whose total is still high: the next score leaves it
# recycled until the lead does something new
exits 0 "decide recycle" "$lg" decide --db "$db" --now "$now0" ann@acme-soft.com recycle --reason bad_timing
exits 0 "score after the recycle" "$lg" score --db "$db" --now "$now0" -o "$t/s2.csv"
eq "... stays recycled (nothing new since)" "$(field "$t/s2.csv" ann@acme-soft.com stage)" recycled
printf '{"event_id":"a9","email":"ann@acme-soft.com","type":"pricing_visit","occurred_at":"2026-03-02T10:00:00Z"}\n' >"$t/ev2.ndjson"
exits 0 "a new event" "$lg" events import --db "$db" --now "$now0" "$t/ev2.ndjson"
exits 0 "score after it" "$lg" score --db "$db" --now 2026-03-02T11:00:00Z -o "$t/s3.csv"
eq "... back to MQL" "$(field "$t/s3.csv" ann@acme-soft.com stage)" mql
exits 1 "decide accept of an undeliverable contact is refused" "$lg" decide --db "$db" --now "$now0" dead@no-such-domain-xyz.com accept
exits 64 "decide reject needs a reason" "$lg" decide --db "$db" --now "$now0" intern@acme-soft.com reject
exits 64 "decide: an unknown reason" "$lg" decide --db "$db" --now "$now0" intern@acme-soft.com reject --reason bored
exits 0 "decide reject" "$lg" decide --db "$db" --now "$now0" intern@acme-soft.com reject --reason student_or_personal --by bob
exits 0 "decide reject bad_data" "$lg" decide --db "$db" --now "$now0" quiet@acme-soft.com reject --reason bad_data --by bob --note "wrong person"
eq "bad_data: sent back to re-verification" "$(sq "SELECT count(*) FROM reverify")" 1
exits 0 "refresh takes it first" "$lg" refresh --db "$db" --now "$now0" $dns --budget 1
eq "... re-verified" "$(sq "SELECT count(*) FROM evidence e JOIN contacts c ON c.id = e.contact_id \
	WHERE c.address = 'quiet@acme-soft.com' AND e.how = 'refresh'")" 1
eq "... and no longer waiting" "$(sq "SELECT count(*) FROM reverify")" 0
exits 0 "bad_data on a contact rejected before" "$lg" decide --db "$db" --now "$now0" intern@acme-soft.com reject --reason bad_data
has "... no move" "$t/err" "is disqualified already; no move recorded"
eq "... but sent back to re-verification" "$(sq "SELECT count(*) FROM reverify")" 1

# --- reports ---------------------------------------------------------------------------
exits 0 "report rejections" "$lg" report rejections --db "$db" --now "$now0"
has "report: the rate" "$t/out" "rep decisions: 4, rejections: 2 (50.0 %)"
has "report: by reason" "$t/out" "bad_data"
has "report: by source" "$t/out" "hubspot"
exits 64 "report rejections --format xml" "$lg" report rejections --db "$db" --format xml
has "... says which formats" "$t/err" "--format wants text or json, not 'xml'"
exits 0 "report rejections --format json" "$lg" report rejections --db "$db" --format json
eq "report JSON: by reason" "$(sqlite3 -batch :memory: "SELECT json_extract(CAST(readfile('$t/out') AS TEXT), '\$.by_reason.student_or_personal')")" 1
exits 0 "funnel --customers 10" "$lg" funnel --db "$db" --customers 10
for want in "raw leads *2000" "MQL *870" "SQL *130" "opportunities *36" "customers *10"; do
	if grep -Eq "^$want( |$)" "$t/out"; then ok "funnel: $want"; else notok "funnel: $want"; cat "$t/out"; fi
done
# a handful of contacts in the store: said so, and the default rates used
has "funnel: a handful of history is said to be too few" "$t/out" "raw -> MQL: too few to observe ("
has "... for each step the store records" "$t/out" "MQL -> SQL: too few to observe ("
has "... and the default rate is used" "$t/out" "): the default rate is used"
eq "... with no observed column" "$(grep -c ' observed$' "$t/out")" 0
# the store's history: 120 contacts, 30 of them MQLs -> an observed raw -> MQL rate of 25 %
fdb=$t/funnel.db
awk 'BEGIN { print "Email,Job Title"; for (i = 1; i <= 120; i++) printf "u%d@acme-soft.com,CEO\n", i }' >"$t/f.csv"
awk 'BEGIN { for (i = 1; i <= 30; i++)
	printf "{\"event_id\":\"f%d\",\"email\":\"u%d@acme-soft.com\",\"type\":\"demo_request\",\"occurred_at\":\"2026-03-02T09:00:00Z\"}\n", i, i }' >"$t/f.ndjson"
"$lg" verify --db "$fdb" --now "$now0" $dns --list f -q -o /dev/null "$t/f.csv" 2>/dev/null
"$lg" events import --db "$fdb" --now "$now0" -q "$t/f.ndjson"
"$lg" score --db "$fdb" --now "$now0" -q -o /dev/null
exits 0 "funnel with history" "$lg" funnel --db "$fdb" --customers 10
has "funnel: the history" "$t/out" "observed: 120 contacts, 30 reached MQL or beyond, 0 reached SQL"
if grep -Eq "^raw leads +2000 +43.5 % +3480 +25.0 % observed$" "$t/out"; then ok "funnel: the observed raw -> MQL rate used"
else notok "funnel: the observed raw -> MQL rate used"; cat "$t/out"; fi
if grep -Eq "^MQL +870 +14.9 % +870 +14.9 % default$" "$t/out"; then ok "funnel: too few MQLs: the default MQL -> SQL rate, marked so"
else notok "funnel: too few MQLs: the default MQL -> SQL rate, marked so"; cat "$t/out"; fi
if grep -Eq "^opportunities +36 +27.8 % +36 +27.8 % default$" "$t/out"; then ok "funnel: a step the store does not record: the default rate, marked so"
else notok "funnel: a step the store does not record: the default rate, marked so"; cat "$t/out"; fi
has "funnel: why the MQL -> SQL rate is not observed" "$t/out" \
	"MQL -> SQL: too few to observe (0 of 30 reached SQL; it takes 100, 30 of them moving on): the default rate is used"
exits 0 "funnel --rates with history" "$lg" funnel --db "$fdb" --customers 10 --rates 0.5,0.5,0.5,0.5
if grep -Eq "^MQL +80 +50.0 % +80 +50.0 % given$" "$t/out"; then ok "funnel: a given rate not observed is marked given"
else notok "funnel: a given rate not observed is marked given"; cat "$t/out"; fi
has "... and said to be used" "$t/out" "): the given rate is used"
# 110 MQLs but one SQL: the observed raw -> MQL rate is used, the MQL ->
# SQL rate of 1 in 110 is not (it would ask for 14300 MQLs, not 870)
f2db=$t/funnel2.db
awk 'BEGIN { print "Email,Job Title,Industry,Employees"; for (i = 1; i <= 130; i++) printf "w%d@acme-soft.com,CEO,Software,250\n", i }' >"$t/f2.csv"
awk 'BEGIN { for (i = 1; i <= 110; i++)
	printf "{\"event_id\":\"w%d\",\"email\":\"w%d@acme-soft.com\",\"type\":\"demo_request\",\"channel\":\"web\",\"occurred_at\":\"2026-03-02T09:00:00Z\"}\n", i, i
	print "{\"event_id\":\"wp\",\"email\":\"w1@acme-soft.com\",\"type\":\"pricing_visit\",\"channel\":\"web\",\"occurred_at\":\"2026-03-01T09:00:00Z\"}"
	print "{\"event_id\":\"wr\",\"email\":\"w1@acme-soft.com\",\"type\":\"email_reply\",\"channel\":\"email\",\"occurred_at\":\"2026-02-28T09:00:00Z\"}" }' >"$t/f2.ndjson"
"$lg" verify --db "$f2db" --now "$now0" $dns --list f2 -q -o /dev/null "$t/f2.csv" 2>/dev/null
"$lg" events import --db "$f2db" --now "$now0" -q "$t/f2.ndjson"
"$lg" score --db "$f2db" --now "$now0" -q -o /dev/null
"$lg" decide --db "$f2db" --now "$now0" w1@acme-soft.com accept --by alice 2>/dev/null
for c in budget authority need; do
	"$lg" evidence add w1@acme-soft.com --db "$f2db" --now "$now0" --criterion $c --status met \
		--confidence 0.9 --source call 2>/dev/null
done
"$lg" score --db "$f2db" --now "$now0" -q -o /dev/null
exits 0 "funnel with one SQL" "$lg" funnel --db "$f2db" --customers 10
has "funnel: the history of one SQL" "$t/out" "observed: 130 contacts, 110 reached MQL or beyond, 1 reached SQL"
if grep -Eq "^raw leads +2000 +43.5 % +1029 +84.6 % observed$" "$t/out"; then ok "funnel: 110 of 130: the observed raw -> MQL rate used"
else notok "funnel: 110 of 130: the observed raw -> MQL rate used"; cat "$t/out"; fi
if grep -Eq "^MQL +870 +14.9 % +870 +14.9 % default$" "$t/out"; then ok "funnel: one SQL: no extrapolation, the default MQL -> SQL rate"
else notok "funnel: one SQL: no extrapolation, the default MQL -> SQL rate"; cat "$t/out"; fi
has "funnel: one SQL is said to be too few" "$t/out" \
	"MQL -> SQL: too few to observe (1 of 110 reached SQL; it takes 100, 30 of them moving on): the default rate is used"
eq "... and nothing is said of the step observed" "$(grep -c '^raw -> MQL' "$t/out")" 0
exits 64 "funnel: bad rates" "$lg" funnel --customers 10 --rates 0.5,2,0.1,0.1
has "funnel: bad rates, said" "$t/err" "--rates wants four rates in (0, 1] separated by commas, not '0.5,2,0.1,0.1'"
exits 64 "funnel: three rates" "$lg" funnel --customers 10 --rates 0.5,0.5,0.5
exits 64 "funnel takes no --format" "$lg" funnel --customers 10 -f json

# --- configuration ------------------------------------------------------------------------
printf '[scoring]\nmql = 60\nrecycle = 70\n' >"$t/bad.conf"
exits 78 "recycle above mql is refused" "$lg" score --db "$db" --config "$t/bad.conf"
printf '[scoring]\nevent.trial = 40 nosuchclass\n' >"$t/bad2.conf"
exits 78 "an event of an unknown class" "$lg" score --db "$db" --config "$t/bad2.conf"
has "... named with its line" "$t/err" "bad2.conf:2:"
printf '[scoring]\ntitle.c_level = 30 (unclosed\n' >"$t/bad3.conf"
exits 78 "a bad title pattern" "$lg" score --db "$db" --config "$t/bad3.conf"
printf '[scoring]\nmql = 70\nevent.trial_signup = 40 demo high_intent\n' >"$t/good.conf"
exits 0 "a rubric of one's own" "$lg" score --db "$db" --now "$now0" --config "$t/good.conf" --dry-run -o "$t/sg.csv"

# --- events import of an export of another shape: HubSpot's email events ---------
hdb=$t/hs.db
"$lg" verify --db "$hdb" --now "$now0" $dns --list crm -q -o /dev/null "$t/contacts.csv" 2>/dev/null
cat >"$t/hubspot.csv" <<'EOF'
id,created,type,recipient,portalId,appId,appName,emailCampaignId,url,filteredEvent
hs-1,1772899200000,SENT,ann@acme-soft.com,62515,113,Batch,2001,,false
hs-2,1772899260123,DELIVERED,ann@acme-soft.com,62515,113,Batch,2001,,false
hs-3,1772902800456,OPEN,ann@acme-soft.com,62515,113,Batch,2001,,false
hs-4,1772902900000,CLICK,Ann@Acme-Soft.com,62515,113,Batch,2001,https://acme-soft.com/pricing,false
hs-5,1772902801000,OPEN,quiet@acme-soft.com,62515,113,Batch,2001,,true
hs-6,1772903000000,MYSTERY,quiet@acme-soft.com,62515,113,Batch,2001,,false
hs-7,not-ms,OPEN,quiet@acme-soft.com,62515,113,Batch,2001,,false
hs-8,1772906400000,OPEN,vp@acme-soft.com,62515,113,Batch,2002,,false
hs-9,1772906500000,BOUNCE,vp@acme-soft.com,62515,113,Batch,2002,,false
EOF
exits 65 "a HubSpot email-events CSV without --map" "$lg" events import --db "$hdb" --now "$now10" "$t/hubspot.csv"
has "... says which map reads it" "$t/err" "hubspot.csv:1: not an events file: no occurred_at column (a file of [events.map.hubspot]: give --map hubspot)"
exits 0 "events import --map hubspot" "$lg" events import --db "$hdb" --now "$now10" --map hubspot "$t/hubspot.csv"
has "... the summary counts what the map ignores" "$t/err" "3 events new (3 of contacts, 0 of accounts, 0 of unknown types), 0 imported before, 2 not imported, 4 ignored ([events.map.hubspot])"
has "... a type the map does not list is named with its line" "$t/err" "hubspot.csv:7: type 'MYSTERY' is not in [events.map.hubspot]"
has "... so is a time that is not milliseconds" "$t/err" "hubspot.csv:8: occurred_at is not a time (Unix milliseconds, as the map says)"
eq "... OPEN and CLICK as the rubric's types, times from milliseconds, the campaign as the asset" \
	"$(sqlite3 -batch "$hdb" "SELECT group_concat(event_id || '|' || address || '|' || type || '|' || occurred_at || '|' || asset, ' ') FROM (SELECT * FROM events ORDER BY event_id)")" \
	"hs-3|ann@acme-soft.com|email_open|1772902800|2001 hs-4|ann@acme-soft.com|email_click|1772902900|2001 hs-8|vp@acme-soft.com|email_open|1772906400|2002"
eq "... the click's url is kept" "$(sqlite3 -batch "$hdb" "SELECT json_extract(props, '$.url') FROM events WHERE event_id = 'hs-4'")" "https://acme-soft.com/pricing"
exits 0 "events import --map hubspot again" "$lg" events import --db "$hdb" --now "$now10" --map hubspot "$t/hubspot.csv"
has "... adds nothing" "$t/err" "0 events new (0 of contacts, 0 of accounts, 0 of unknown types), 3 imported before"
exits 0 "score after the HubSpot events" "$lg" score --db "$hdb" --now "$now10" -o "$t/hs-score.csv"
check_pos() { awk -v v="$2" 'BEGIN { exit !(v > 0) }' && ok "$1" || notok "$1: got '$2'"; }
check_pos "... the opens and clicks score" "$(field "$t/hs-score.csv" ann@acme-soft.com engagement)"
eq "... the open HubSpot took for a machine's does not" "$(field "$t/hs-score.csv" quiet@acme-soft.com engagement)" "0.00"
exits 64 "events import --map of no map" "$lg" events import --db "$hdb" --now "$now10" --map salesforce "$t/hubspot.csv"
has "... names the maps there are" "$t/err" "--map 'salesforce': no [events.map.salesforce] in the configuration (maps: hubspot)"
# A map of one's own: an export without event ids, dates as RFC 3339.
cat >"$t/maps.conf" <<'EOF'
[events.map.crm]
email = Contact
type = Activity
occurred_at = When
occurred_at_format = rfc3339
type.Opened = email_open
type.Replied = email_reply
type.Sent = ignore
EOF
cat >"$t/crm.csv" <<'EOF'
Contact,Activity,When,Campaign
vp@acme-soft.com,Replied,2026-03-10T08:00:00Z,spring
vp@acme-soft.com,Sent,2026-03-09T08:00:00Z,spring
vp@acme-soft.com,Opened,1772906400,spring
EOF
exits 0 "events import --map of the configuration" "$lg" events import --db "$hdb" --now "$now10" -c "$t/maps.conf" --map CRM "$t/crm.csv"
has "... its summary" "$t/err" "1 events new (1 of contacts, 0 of accounts, 0 of unknown types), 0 imported before, 1 not imported, 1 ignored ([events.map.crm])"
has "... a time not as the map says is named" "$t/err" "crm.csv:4: occurred_at is not a time (RFC 3339, as the map says)"
eq "... an id is made for an event without one" "$(sqlite3 -batch "$hdb" "SELECT count(*) FROM events WHERE type = 'email_reply' AND event_id LIKE 'crm:%'")" 1
exits 0 "... imported again" "$lg" events import --db "$hdb" --now "$now10" -c "$t/maps.conf" --map crm "$t/crm.csv"
has "... adds nothing" "$t/err" "0 events new (0 of contacts, 0 of accounts, 0 of unknown types), 1 imported before"
printf '[events.map.crm]\ntype.Opened = email_opened\n' >"$t/badmap.conf"
exits 78 "a map to an event type the rubric does not have" "$lg" events import --db "$hdb" --now "$now10" -c "$t/badmap.conf" --map crm "$t/crm.csv"
has "... names it and its line" "$t/err" "badmap.conf:2: type.Opened = email_opened: 'email_opened' is not an event type of the rubric"

# --- a killed import imports each file wholly or not at all ---------------------------------
awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "{\"event_id\":\"k%d\",\"email\":\"u%d@acme-soft.com\",\"type\":\"email_open\",\"occurred_at\":%d}\n",
	       i, i % 5000, 1772000000 + i }' >"$t/big.ndjson"
"$lg" events import --db "$db" --now "$now0" -q "$t/big.ndjson" >/dev/null 2>&1 &
p=$!; bg="$bg $p"
sleep 0.3
kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
n=$(sq "SELECT count(*) FROM events WHERE event_id LIKE 'k%'")
if [ "$n" = 0 ] || [ "$n" = 60000 ]; then ok "killed import: all or nothing ($n)"; else notok "killed import: $n of 60000"; fi
exits 0 "import again after the kill" "$lg" events import --db "$db" --now "$now0" "$t/big.ndjson"
eq "every event once" "$(sq "SELECT count(*) FROM events WHERE event_id LIKE 'k%'")" 60000
eq "integrity" "$(sq 'PRAGMA integrity_check')" ok

echo "scoring: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
