#!/bin/sh
# store.sh LEADGATE - the store through the real binary: verify --list,
# lists, gate, export, bounces import and refresh on databases in a
# temporary directory, with a DNS server on loopback (tests/dnsd.sh)
# serving the samples' zone plus a generated one.  The database is read
# back with the sqlite3 shell.  Processes are killed at random moments
# (SIGKILL) and run again: the database must stay whole and consistent.
#
# Prints "ok - ..." or "not ok - ..." a check, then "store: N passed, N
# failed"; exits non-zero if a check failed.  Every command gets --db and --now: nothing touches
# the user's files or reads the clock.  LG_STORE_SEED repeats the kill
# moments of an earlier run (each run prints its seed).
set -u
lg=${1:-build/leadgate}
case $lg in /*) ;; *) lg=$(pwd)/$lg ;; esac
command -v sqlite3 >/dev/null 2>&1 || { echo "store.sh: the sqlite3 shell is missing (make deps)" >&2; exit 1; }
t=$(mktemp -d "${TMPDIR:-/tmp}/lg-store.XXXXXX") || exit 1
bg="" # leadgate processes running in the background
cleanup() {
	for p in $bg; do kill -9 "$p" 2>/dev/null; done
	sh tests/dnsd.sh stop "$t/dns"
	sh tests/dnsd.sh stop "$t/dns2" 2>/dev/null
	chmod -R u+rwX "$t" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# No configuration but the tests' own, no default database.
: >"$t/empty.conf"
export LEADGATE_CONFIG="$t/empty.conf" XDG_CONFIG_HOME="$t/xdg" XDG_DATA_HOME="$t/xdg"
unset LEADGATE_DB
printf '[gate]\nthreshold = 10%%\n' >"$t/ten.conf"
fx=tests/data/store

. tests/lib.sh # ok, notok, eq, exits, sq
check() { # check NAME COMMAND...: COMMAND succeeds
	name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
has() { grep -qF -- "$2" "$1"; }
jget() { sqlite3 -batch :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
integrity() { sqlite3 -batch "$1" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; } # data rows of a CSV
# col NAME FILE: the cells of column NAME of a CSV whose cells hold no comma
col() { awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) k = i; next } { print $k }' "$2"; }
# addresses FILE: an export's addresses (its Email column, else email), sorted
addresses() {
	if head -n 1 "$1" | grep -q '^email,'; then col email "$1"; else col Email "$1"; fi | LC_ALL=C sort
}
ms() { date +%s%N | cut -c1-13; }

now1=2026-01-10T09:00:00Z   # the first verification
now2=2026-01-12T09:00:00Z   # bounces came in
now40=2026-02-19T09:00:00Z  # 40 days after now1: stale

# --- the zone: the samples' domains and 300 generated ones -------------------
awk 'BEGIN { srand(7); for (i = 0; i < 300; i++) { s = "";
	for (j = 0; j < 9; j++) s = s sprintf("%c", 97 + int(rand() * 26));
	print s "-" i ".com" } }' >"$t/domains"
{ cat samples/samples.zone; awk '{ print $0 ". 3600 MX 10 mx." $0 "." }' "$t/domains"; } >"$t/zone"
cp samples/samples.zone.conf "$t/zone.conf"
port=$(sh tests/dnsd.sh start "$t/dns" "$t/zone") || exit 1
dns="--dns 127.0.0.1:$port --dns-timeout 200"

# gen ROWS FIRST [FROM N]: a list of ROWS rows over the generated domains
# (or the N from the FROMth), addresses numbered from FIRST; every 50th row
# repeats an earlier address in another case (a duplicate).
gen() {
	awk -v rows="$1" -v first="$2" -v from="${3:-0}" -v nd="${4:-0}" 'NR == FNR { d[n++] = $0; next }
	END { print "Email,First Name"
		if (!nd) nd = n
		for (i = 0; i < rows; i++) {
			k = first + i
			if (i % 50 == 49) { k -= 17; a = "User" k "@" toupper(d[from + k % nd]) }
			else a = "user" k "@" d[from + k % nd]
			print a ",P" k } }' "$t/domains" /dev/null
}
distinct() { tail -n +2 "$1" | cut -d, -f1 | tr 'A-Z' 'a-z' | sort -u | wc -l | tr -d ' '; }

t0=$(ms)

# === a list through verify, lists, gate and export ============================
db=$t/s.db
L="--db $db --now $now1"
exits 1 "verify --list: the gate blocks a list this short" \
	"$lg" verify $L $dns --no-progress --list q4 --summary "$t/q4.json" -o "$t/q4.csv" samples/contacts.csv
check "verify --list says the gate blocked" has "$t/err" "gate: BLOCKED for list 'q4'"
# 30 rows: 21 contacts, the row repeating an address, the 8 rows without a
# valid address (syntax, special-use domains, the empty one).
check "verify --list says what became of the rows" has "$t/err" \
	"'q4': 21 contacts recorded; of the 30 rows, 1 duplicate collapsed into them, 8 without a valid address not recorded"
eq "the summary's list counts add up to its rows" \
	"$(jget "$t/q4.json" '$.list.contacts') + $(jget "$t/q4.json" '$.list.duplicates_collapsed') + $(jget "$t/q4.json" '$.list.not_recorded') = $(jget "$t/q4.json" '$.list.rows')" \
	"21 + 1 + 8 = 30"
# The short list is blocked on its size alone: the way out is a threshold
# of its own, at the bound it has, since records like these pass from 765.
check "the blocked line ends with its way out" \
	grep -q "^  blocked: predicted .*records like them pass from 765 on; as it is, it passes at a threshold of its own of 4.67% (\\[gate\\] threshold in a file given with -c): leadgate gate -c FILE q4\$" "$t/err"
eq "verify --list writes every row" "$(rows "$t/q4.csv")" 30
eq "one contact per distinct address" "$(sq 'SELECT count(*) FROM contacts')" 21
eq "one evidence row per contact" "$(sq "SELECT count(*) FROM evidence WHERE how = 'verify'")" 21
eq "schema version" "$(sq 'PRAGMA user_version')" 14
eq "every contact's account is recorded, through the DNS wait too" \
	"$(sq 'SELECT count(*) FROM contacts WHERE account IS NULL')" 0
eq "an account under a public suffix of two labels is the registrable domain" \
	"$(sq "SELECT group_concat(account, ' ') FROM (SELECT account FROM contacts \
	WHERE domain IN ('litware.com.mx', 'tailspin-toys.co.jp') ORDER BY domain)")" "litware.com.mx tailspin-toys.co.jp"
eq "WAL" "$(sq 'PRAGMA journal_mode')" wal

exits 0 "lists" "$lg" lists $L
eq "lists: rows, contacts, gate" "$(awk '$1 == "q4" { print $2, $3, $4, $5, $NF }' "$t/out")" "1 30 21 11 blocked"
eq "lists: nothing exported, so no observed rate" "$(awk '$1 == "q4" { print $(NF - 2), $(NF - 1) }' "$t/out")" "4.67% -"
check "lists: a header" has "$t/out" "NAME"

exits 0 "lists show" "$lg" lists $L show q4
check "lists show: rows and contacts" has "$t/out" "rows 30, unique contacts 21"
check "lists show: statuses" has "$t/out" "status now: deliverable 11, risky 3, undeliverable 5, unknown 2; suppressed 0"
check "lists show: freshness" has "$t/out" "freshness: fresh 21"
check "lists show: exportable" has "$t/out" "exportable now: 11; exported so far: 0"
check "lists show: the gate" has "$t/out" "gate: BLOCKED for list 'q4'"

exits 0 "lists --format json" "$lg" lists $L --format json
cp "$t/out" "$t/lists.json"
eq "json: valid, one list" "$(sqlite3 -batch :memory: "SELECT json_valid(CAST(readfile('$t/lists.json') AS TEXT)), json_array_length(CAST(readfile('$t/lists.json') AS TEXT))")" "1|1"
eq "json: name" "$(jget "$t/lists.json" '$[0].name')" q4
eq "json: rows" "$(jget "$t/lists.json" '$[0].rows')" 30
eq "json: unique contacts" "$(jget "$t/lists.json" '$[0].unique_contacts')" 21
eq "json: deliverable" "$(jget "$t/lists.json" '$[0].by_status.deliverable')" 11
eq "json: exportable" "$(jget "$t/lists.json" '$[0].exportable')" 11
eq "json: gate decision" "$(jget "$t/lists.json" '$[0].gate.decision')" blocked
eq "json: gate why" "$(jget "$t/lists.json" '$[0].gate.why[0]')" predicted
eq "json: verified_at" "$(jget "$t/lists.json" '$[0].verified_at')" "$now1"
exits 0 "lists show --format json" "$lg" lists $L show q4 --format json
eq "json of one list" "$(jget "$t/out" '$.unique_contacts')" 21

exits 1 "gate blocks the short list" "$lg" gate $L q4
check "gate says why" has "$t/out" "95% upper bound 4.67% is above the 1.00% threshold"
exits 1 "gate --format json of the short list" "$lg" gate $L --format json q4
eq "gate json: the way out" "$(jget "$t/out" '$.unblock[0].why') $(jget "$t/out" '$.unblock[0].command')" "predicted leadgate gate -c FILE q4"
eq "gate json: the next step is the first way out" "$(jget "$t/out" '$.next_step')" "leadgate gate -c FILE q4"
case $(jget "$t/out" '$.reasons[0]') in
*"; 95% upper bound 4.67% is above the 1.00% threshold") ok "gate json: the reason, as a sentence" ;;
*) notok "gate json: the reason, as a sentence: $(jget "$t/out" '$.reasons')" ;;
esac
printf '[gate]\nthreshold = 4.67%%\n' >"$t/own.conf"
exits 0 "the threshold it names lets it pass" "$lg" gate $L -c "$t/own.conf" q4
exits 0 "gate passes at a 10% threshold" "$lg" gate $L -c "$t/ten.conf" q4
check "gate says pass" has "$t/out" "gate: pass for list 'q4'"
exits 0 "gate --format json" "$lg" gate $L -c "$t/ten.conf" --format json q4
eq "gate json decision" "$(jget "$t/out" '$.decision')" pass

exits 1 "export --for-sequence refused by the gate" "$lg" export $L --for-sequence -o "$t/seq.csv" q4
check "export says it refused" has "$t/err" "export refused: the gate blocks list 'q4'"
check "a refused export writes no file" test ! -e "$t/seq.csv"
eq "a refused export records nothing" "$(sq 'SELECT count(*) FROM exports')" 0
exits 0 "export --for-sequence at a 10% threshold" "$lg" export $L -c "$t/ten.conf" --for-sequence -o "$t/seq.csv" q4
addresses "$t/seq.csv" >"$t/got"
check "export --for-sequence writes the sendable contacts" cmp -s "$t/got" $fx/sendable.txt
cmp -s "$t/got" $fx/sendable.txt || diff $fx/sendable.txt "$t/got" | sed 's/^/#   /' | head -n 10
eq "every one deliverable and fresh" "$(paste -d, "$(col verify_status "$t/seq.csv" >"$t/c1"; echo "$t/c1")" "$(col freshness "$t/seq.csv" >"$t/c2"; echo "$t/c2")" | sort -u)" "deliverable,fresh"
# A sequencer takes the export as it is: every column of the list's file,
# in its order, the address normalized, then the verdict.
eq "export: the file's columns, then the verdict's" "$(head -n 1 "$t/seq.csv")" \
	"First Name,Last Name,Email,Company,Job Title,Phone,Lifecycle Stage,verify_status,verify_reason,verify_flags,verified_at,freshness"
check "export: a row as the file gave it" grep -q "^Maria,Garcia,maria.garcia@northwind-traders.com,Northwind Traders,VP Sales," "$t/seq.csv"
# A version recorded before the store kept files (schema 2): the address
# alone, then the verdict (in a copy of the database).
sqlite3 "$db" "VACUUM INTO '$t/nofile.db'"
sqlite3 "$t/nofile.db" 'UPDATE runs SET header = NULL, email_col = NULL; DELETE FROM member_rows'
exits 0 "export of a version whose file was not kept" "$lg" export --db "$t/nofile.db" --now "$now1" -o "$t/nofile.csv" q4
eq "... its columns" "$(head -n 1 "$t/nofile.csv")" "email,verify_status,verify_reason,verify_flags,verified_at,freshness"
eq "... every contact" "$(addresses "$t/nofile.csv" | wc -l | tr -d ' ')" 21
exits 0 "lists show after the export" "$lg" lists $L show q4
check "lists show counts the export" has "$t/out" "exported so far: 11, of which hard-bounced 0"
eq "sent rows" "$(sq 'SELECT count(*) FROM sent')" 11
exits 0 "export (everything)" "$lg" export $L -o "$t/all.csv" q4
addresses "$t/all.csv" >"$t/got"
check "export writes every contact" cmp -s "$t/got" $fx/contacts.txt
eq "a plain export is not recorded as sent" "$(sq 'SELECT exported FROM lists')" 11
"$lg" export $L -c "$t/ten.conf" --for-sequence -o "$t/seq2.csv" q4 2>/dev/null
eq "exporting again counts nobody twice" "$(sq 'SELECT exported FROM lists')" 11

# === bounces ========================================================================
L="--db $db --now $now2"
exits 0 "bounces import" "$lg" bounces import $L $fx/bounces.csv
check "bounces import: 3 new" has "$t/err" "3 events new (hard 1, soft 1, block 1"
eq "bounces recorded" "$(sq 'SELECT count(*) FROM bounces')" 3
eq "only the hard bounce suppresses" "$(sq 'SELECT address FROM suppressions')" aisha@fabrikam.io
eq "the hard-bounced contact" "$(sq "SELECT status, reason, suppressed FROM contacts WHERE address = 'aisha@fabrikam.io'")" "2|35|1"
exits 0 "lists show after bounces" "$lg" lists $L show q4
check "the hard bounce counts against the export" has "$t/out" "exported so far: 11, of which hard-bounced 1"
check "lists show counts the suppressed" has "$t/out" "suppressed 1"
exits 0 "the same file again" "$lg" bounces import $L $fx/bounces.csv
check "bounces import again: nothing new" has "$t/err" "0 events new"
eq "importing again adds no bounce" "$(sq 'SELECT count(*) FROM bounces')" 3
exits 0 "a hard bounce from before the export" "$lg" bounces import $L $fx/bounces-early.csv
eq "it suppresses" "$(sq 'SELECT count(*) FROM suppressions')" 2
eq "but is not counted against the export" "$(sq 'SELECT hard_bounced FROM lists')" 1
exits 0 "export --for-sequence after bounces" "$lg" export $L -c "$t/ten.conf" --for-sequence -o "$t/seq3.csv" q4
grep -v -e '^aisha@fabrikam.io$' -e '^sophie.martin@hotmail.fr$' $fx/sendable.txt >"$t/want"
addresses "$t/seq3.csv" >"$t/got"
check "a re-export leaves the suppressed out" cmp -s "$t/got" "$t/want"
exits 0 "export (everything) after bounces" "$lg" export $L -o "$t/all2.csv" q4
check "no export writes a suppressed address" sh -c "! grep -q -e '^aisha@fabrikam.io,' -e '^sophie.martin@hotmail.fr,' '$t/all2.csv'"
exits 1 "verify --list again" "$lg" verify $L $dns --no-progress --list q4 -o "$t/q4b.csv" samples/contacts.csv
eq "verify of a hard-bounced address" "$(grep -F ',aisha@fabrikam.io,' "$t/q4b.csv" | cut -d, -f8,9)" "undeliverable,bounce.hard"
eq "a second version" "$(sq "SELECT count(*) FROM runs WHERE kind = 'verify' AND finished_at IS NOT NULL")" 2
eq "the contact stays bounce.hard" "$(sq "SELECT status, reason FROM contacts WHERE address = 'aisha@fabrikam.io'")" "2|35"
exits 0 "bounces import: a complaint then a hard bounce; an IDN address" "$lg" bounces import $L $fx/bounces-more.csv
check "an IDN address is suppressed as the contact is named" \
	[ "$(sq "SELECT count(*) FROM suppressions WHERE address = 'lukas.mueller@xn--bcher-versand-wob.de'")" = 1 ]
eq "both hard bounces count against the export" "$(sq 'SELECT hard_bounced FROM lists')" 3
exits 1 "verify --list once more" "$lg" verify $L $dns --no-progress --list q4 -o "$t/q4c.csv" samples/contacts.csv
eq "verify of a hard-bounced IDN address" "$(grep -F ',lukas.mueller@bücher-versand.de,' "$t/q4c.csv" | cut -d, -f8,9)" "undeliverable,bounce.hard"
check "verify of an address that complained, then hard-bounced" \
	[ "$(grep -F ',ella.wright@fabrikam.io,' "$t/q4c.csv" | cut -d, -f8,9)" = "undeliverable,bounce.hard" ]
check "the contact that complained, then hard-bounced, stays bounce.hard" \
	[ "$(sq "SELECT status, reason FROM contacts WHERE address = 'ella.wright@fabrikam.io'")" = "2|35" ]
grep -v -e '^ella.wright@fabrikam.io$' -e '^lukas.mueller@xn--bcher-versand-wob.de$' "$t/want" >"$t/want2"
# Postmark: a SubscriptionChange suppresses, and only the Bounce record
# counts (in a copy: the addresses stay sendable in the database above).
sqlite3 "$db" "VACUUM INTO '$t/pm.db'"
cat >"$t/postmark.json" <<'EOF'
[
{"RecordType":"Bounce","ID":4323372036854775900,"Type":"HardBounce","TypeCode":1,"Email":"k.sato@tailspin-toys.co.jp","BouncedAt":"2026-01-11T12:00:00Z","Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist"},
{"RecordType":"SubscriptionChange","Recipient":"k.sato@tailspin-toys.co.jp","SuppressSending":true,"SuppressionReason":"HardBounce","Origin":"Recipient","ChangedAt":"2026-01-11T12:00:01Z"},
{"RecordType":"SubscriptionChange","Recipient":"lily.hall@coho-winery.com","SuppressSending":true,"SuppressionReason":"HardBounce","Origin":"Recipient","ChangedAt":"2026-01-11T12:05:00Z"},
{"RecordType":"SubscriptionChange","Recipient":"maria.garcia@northwind-traders.com","SuppressSending":true,"SuppressionReason":"SpamComplaint","Origin":"Recipient","ChangedAt":"2026-01-11T12:06:00Z"},
{"RecordType":"SubscriptionChange","Recipient":"ryan.allen@graphicdesigninstitute.org","SuppressSending":false,"SuppressionReason":"HardBounce","Origin":"Customer","ChangedAt":"2026-01-11T12:07:00Z"}
]
EOF
hb=$(sqlite3 "$t/pm.db" 'SELECT hard_bounced FROM lists')
exits 0 "bounces import: Postmark bounces and subscription changes" "$lg" bounces import --db "$t/pm.db" --now "$now2" "$t/postmark.json"
check "... the summary" has "$t/err" "1 events new (hard 1, soft 0, block 0, complaint 0, unsubscribe 0), 0 imported before, 3 suppression notices of the provider, 3 addresses newly suppressed, 0 not imported, 1 other events ignored"
eq "... a SubscriptionChange for a hard bounce or a complaint suppresses; a reactivation does not" \
	"$(sqlite3 "$t/pm.db" "SELECT group_concat(address || ':' || why, ' ') FROM (SELECT address, why FROM suppressions WHERE address IN ('k.sato@tailspin-toys.co.jp', 'lily.hall@coho-winery.com', 'maria.garcia@northwind-traders.com', 'ryan.allen@graphicdesigninstitute.org') ORDER BY address)")" \
	"k.sato@tailspin-toys.co.jp:1 lily.hall@coho-winery.com:4 maria.garcia@northwind-traders.com:4"
eq "... only the Bounce record counts against the export" "$(sqlite3 "$t/pm.db" 'SELECT hard_bounced FROM lists')" $((hb + 1))
eq "... the contact suppressed by Postmark keeps its verdict" \
	"$(sqlite3 "$t/pm.db" "SELECT status || '|' || suppressed FROM contacts WHERE address = 'lily.hall@coho-winery.com'")" "0|4"
exits 0 "... export after the subscription changes" "$lg" export --db "$t/pm.db" --now "$now2" -o "$t/pm.csv" q4
addresses "$t/pm.csv" >"$t/pm.txt"
check "... leaves out what Postmark suppressed" sh -c "! grep -q -x -e 'lily.hall@coho-winery.com' -e 'maria.garcia@northwind-traders.com' '$t/pm.txt'"
check "... and keeps the reactivated address" grep -q -x 'ryan.allen@graphicdesigninstitute.org' "$t/pm.txt"
cat >"$t/postmark2.json" <<'EOF'
{"RecordType":"Bounce","ID":4323372036854775901,"Type":"HardBounce","TypeCode":1,"Email":"lily.hall@coho-winery.com","BouncedAt":"2026-01-11T12:04:59Z","Details":"smtp;550 5.1.1 user unknown"}
EOF
exits 0 "... its Bounce record imported after the SubscriptionChange" "$lg" bounces import --db "$t/pm.db" --now "$now2" "$t/postmark2.json"
eq "... counts once" "$(sqlite3 "$t/pm.db" 'SELECT hard_bounced FROM lists')" $((hb + 2))
eq "... and decides the suppression and the verdict" \
	"$(sqlite3 "$t/pm.db" "SELECT s.why || '|' || c.status || '|' || c.suppressed FROM suppressions s JOIN contacts c ON c.address = s.address WHERE s.address = 'lily.hall@coho-winery.com'")" "1|2|1"

# Bounce messages of mail systems that send no RFC 3464 report: a Gmail
# failure and a Postfix delay, in one import of two files (in a copy).
sqlite3 "$db" "VACUUM INTO '$t/tx.db'"
cat >"$t/gmail.eml" <<'EOF'
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: campaigns@sender.example
Subject: Delivery Status Notification (Failure)
Date: Sun, 11 Jan 2026 12:00:00 +0000
Message-ID: <tx-gmail-1@mail.gmail.com>

Delivery to the following recipient failed permanently:

     ryan.allen@graphicdesigninstitute.org

Technical details of permanent failure:
The email account that you tried to reach does not exist. Please try
double-checking the recipient's email address for typos or unnecessary
spaces. 550 5.1.1 https://support.google.com/mail/answer/6596

----- Original message -----
To: ryan.allen@graphicdesigninstitute.org
EOF
cat >"$t/postfix.eml" <<'EOF'
From: MAILER-DAEMON@mail.sender.example (Mail Delivery System)
Subject: Delayed Mail (still being retried)
Date: Sun, 11 Jan 2026 12:10:00 +0000
Message-ID: <tx-postfix-1@mail.sender.example>

This is the mail system at host mail.sender.example.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

<jchen@contoso-labs.com>: host mx.contoso-labs.com[192.0.2.7] said: 452 4.2.2
    Mailbox full (in reply to RCPT TO command)
EOF
hb=$(sqlite3 "$t/tx.db" 'SELECT hard_bounced FROM lists')
exits 0 "bounces import: bounce messages without a report" "$lg" bounces import --db "$t/tx.db" --now "$now2" "$t/gmail.eml" "$t/postfix.eml"
check "... Gmail's failure, hard" has "$t/err" "gmail.eml (text): 1 events new (hard 1, soft 0, block 0, complaint 0, unsubscribe 0), 0 imported before, 1 addresses newly suppressed"
check "... Postfix's warning, soft" has "$t/err" "postfix.eml (text): 1 events new (hard 0, soft 1, block 0, complaint 0, unsubscribe 0), 0 imported before, 0 addresses newly suppressed"
eq "... the events as the messages say" \
	"$(sqlite3 "$t/tx.db" "SELECT group_concat(address || '|' || type || '|' || status || '|' || occurred_at, ' ') FROM (SELECT * FROM bounces WHERE format = 'text' ORDER BY address)")" \
	"jchen@contoso-labs.com|soft|4.2.2|1768133400 ryan.allen@graphicdesigninstitute.org|hard|5.1.1|1768132800"
eq "... the hard one suppresses and counts against the export" \
	"$(sqlite3 "$t/tx.db" "SELECT (SELECT group_concat(address) FROM suppressions WHERE address IN ('ryan.allen@graphicdesigninstitute.org', 'jchen@contoso-labs.com')) || ' ' || hard_bounced FROM lists")" \
	"ryan.allen@graphicdesigninstitute.org $((hb + 1))"

# === freshness: --now 40 days on ====================================================
L="--db $db --now $now40"
exits 0 "lists show 40 days on" "$lg" lists $L show q4
check "every contact stale" has "$t/out" "aging 0, stale 21"
check "nothing exportable" has "$t/out" "exportable now: 0"
exits 1 "export --for-sequence of a stale list" "$lg" export $L -c "$t/ten.conf" --for-sequence -o "$t/stale.csv" q4
check "export of a stale list says it refused" has "$t/err" "export refused"
exits 1 "gate of a stale list" "$lg" gate $L -c "$t/ten.conf" --format json q4
eq "gate of a stale list: nothing may be sent" "$(jget "$t/out" '$.why')" '["empty"]'
exits 1 "gate of a stale list, as text" "$lg" gate $L -c "$t/ten.conf" q4
# 21 contacts, 4 of them suppressed: a refresh of the stale ones takes 17
# and brings back the 7 deliverable ones not suppressed.
check "gate of a stale list: re-verify the stale ones" grep -q \
	"^  blocked: none of the 21 contacts may be sent: .*; re-verifying the 17 contacts verified more than 30 days ago would make 7 sendable, at 0.50% (bound .*): leadgate refresh --list q4 --older-than 30d\$" "$t/out"
way=$(sed -n 's/^  blocked: none of .*: leadgate refresh //p' "$t/out")
exits 0 "refresh as the gate says ($way)" "$lg" refresh $L $dns $way
check "refresh reports" has "$t/err" "17 of 17 planned records re-verified"
run=$(sq "SELECT max(id) FROM runs WHERE kind = 'refresh'")
eq "refresh: one evidence row per planned contact" \
	"$(sq "SELECT count(*) FROM evidence WHERE how = 'refresh' AND run_id = $run")" \
	"$(sq "SELECT count(*) FROM refresh_plan WHERE run_id = $run")"
eq "refresh: 17 planned (21 less 4 suppressed)" "$(sq "SELECT count(*) FROM refresh_plan WHERE run_id = $run")" 17
eq "refresh: the run finished" "$(sq "SELECT finished_at IS NOT NULL FROM runs WHERE id = $run")" 1
exits 0 "the gate passes after the refresh it named" "$lg" gate $L -c "$t/ten.conf" q4
exits 0 "export --for-sequence after refresh" "$lg" export $L -c "$t/ten.conf" --for-sequence -o "$t/fresh.csv" q4
addresses "$t/fresh.csv" >"$t/got"
check "refreshed contacts exportable again" cmp -s "$t/got" "$t/want2"
exits 0 "refresh with nothing stale" "$lg" refresh $L $dns --list q4
check "nothing planned" has "$t/err" "0 of 0 planned"

# === options: --source and its decay rate, --older-than, --include-risky,
# a refresh whose resolver is down =============================================
db=$t/o.db
L="--db $db --now $now1"
printf '[decay]\nmonthly_rate.zoominfo = 10%%\n[gate]\nthreshold = 50%%\n' >"$t/src.conf"
exits 64 "--source must be a decay source name" "$lg" verify $L --no-dns -q --list s --source 'Zoom Info' -o /dev/null samples/contacts.csv
exits 64 "--source goes with --list" "$lg" verify $L --no-dns -q --source zoominfo -o /dev/null samples/contacts.csv
exits 0 "verify --list --source zoominfo (a 50 % threshold: passes)" "$lg" verify $L $dns -q -c "$t/src.conf" --list src --source zoominfo -o /dev/null samples/contacts.csv
eq "the list keeps its source" "$(sq "SELECT source FROM lists WHERE name = 'src'")" zoominfo
"$lg" verify $L $dns -q -c "$t/src.conf" --list plain -o /dev/null samples/contacts.csv
"$lg" lists --db "$db" --now 2026-01-20T09:00:00Z -c "$t/src.conf" show src >"$t/src.txt"
"$lg" lists --db "$db" --now 2026-01-20T09:00:00Z -c "$t/src.conf" show plain >"$t/plain.txt"
check "the source's decay rate applies to its list" has "$t/src.txt" "decay 10.0% a month"
check "other lists keep the default rate" has "$t/plain.txt" "decay 2.1% a month"
pred() { grep -o 'bounce rate [0-9.]*%' "$1" | head -n 1; }
check "a faster decay predicts more bounces ($(pred "$t/src.txt") > $(pred "$t/plain.txt"))" \
	[ "$(pred "$t/src.txt" | tr -dc 0-9)" -gt "$(pred "$t/plain.txt" | tr -dc 0-9)" ]
exits 0 "export --for-sequence --include-risky" "$lg" export $L -c "$t/src.conf" --for-sequence --include-risky -o "$t/risky.csv" plain
check "--include-risky writes role addresses" grep -q ',risky,class.role,' "$t/risky.csv"
check "--include-risky never writes disposable ones" sh -c "! grep -q disposable '$t/risky.csv'"
exits 64 "--include-risky goes with --for-sequence" "$lg" export $L --include-risky -o /dev/null plain
exits 0 "refresh --older-than 1w: nothing that young" "$lg" refresh --db "$db" --now 2026-01-12T09:00:00Z $dns --older-than 1w
check "--older-than 1w plans nothing 2 days on" has "$t/err" "0 of 0 planned"
exits 0 "refresh --older-than 1d --budget 5" "$lg" refresh --db "$db" --now 2026-01-12T09:00:00Z $dns --older-than 1d --budget 5
check "--older-than 1d --budget 5 re-verifies 5" has "$t/err" "5 of 5 planned records re-verified (older than 1.0 days"
exits 64 "--older-than wants a unit" "$lg" refresh --db "$db" --older-than 30
db2=$t/cache.db
"$lg" verify --db "$db2" --now "$now1" $dns -q --summary "$t/s1.json" --list c -o /dev/null samples/contacts.csv
"$lg" verify --db "$db2" --now "$now1" $dns -q --summary "$t/s2.json" --list c -o /dev/null samples/contacts.csv
"$lg" verify --db "$db2" --now "$now2" $dns -q --summary "$t/s3.json" --list c -o /dev/null samples/contacts.csv
n1=$(jget "$t/s1.json" '$.dns.domains') n2=$(jget "$t/s2.json" '$.dns.domains') n3=$(jget "$t/s3.json" '$.dns.domains')
kept=$(sqlite3 -batch "$db2" 'SELECT count(*) FROM domains')
check "answers are kept across runs: $kept of $n1 domains (failures are not)" [ "$kept" -gt 0 -a "$kept" -lt "$n1" ]
eq "a second run asks only for what was not kept" "$n2" $((n1 - kept))
eq "the first run's summary: no answer from the store" "$(jget "$t/s1.json" '$.dns.from_store')" 0
eq "the second run's summary counts the answers from the store" "$(jget "$t/s2.json" '$.dns.from_store')" "$kept"
eq "two days on, every answer has expired and is asked again" "$n3" "$n1"
before=$(sq "SELECT group_concat(status || reason || verified_at) FROM contacts")
exits 75 "refresh with the resolver down" "$lg" refresh --db "$db" --now "$now40" --dns 127.0.0.1:1 --dns-timeout 100 --dns-tries 1
check "refresh with the resolver down says so" has "$t/err" "did not answer"
eq "refresh with the resolver down records nothing" "$(sq "SELECT group_concat(status || reason || verified_at) FROM contacts")" "$before"
exits 0 "the next refresh takes the interrupted one up" "$lg" refresh --db "$db" --now "$now40" $dns
check "it says so" has "$t/err" "taking up the interrupted refresh run"

# === a refresh where most domains go unanswered ================================
# A list of 30 contacts on 30 domains, and 5 staler contacts elsewhere.  A
# second server answers for 10 of the 30 domains and drops the queries of
# the other 20: the refresh records all 30, keeps the older verdict of the
# 20 (kept: 20), and exits 75 (more than half unanswered).  The next
# refresh takes those 20 first, before the staler 5.
db=$t/half.db
{ echo Email; sed -n '1,30p' "$t/domains" | awk '{ print "u" NR "@" $0 }'; } >"$t/half.csv"
{ echo Email; sed -n '31,35p' "$t/domains" | awk '{ print "o" NR "@" $0 }'; } >"$t/old.csv"
"$lg" verify --db "$db" --now 2026-01-05T09:00:00Z $dns -q --list old -o /dev/null "$t/old.csv" 2>/dev/null
"$lg" verify --db "$db" --now "$now1" $dns -q --list half -o /dev/null "$t/half.csv" 2>/dev/null
{ sed -n '/^\$TTL/,/^ns\.leadgate-demo\./p' samples/samples.zone
  sed -n '1,10p' "$t/domains" | awk '{ print $0 ". 3600 MX 10 mx." $0 "." }'; } >"$t/partial.zone"
sed -n '11,30p' "$t/domains" | awk '{ print "\tlocal-zone: \"" $0 ".\" deny" }' >"$t/partial.zone.conf"
port2=$(sh tests/dnsd.sh start "$t/dns2" "$t/partial.zone") || exit 1
exits 75 "refresh with 20 of 30 domains unanswered" "$lg" refresh --db "$db" --now "$now40" --list half \
	--dns 127.0.0.1:$port2 --dns-timeout 100 --dns-tries 1 --quiet
sh tests/dnsd.sh stop "$t/dns2"
check "... says how many went unanswered" has "$t/err" "20 of 30 domains went unanswered"
check "... says what was kept, --quiet or not" has "$t/err" "kept: 20 records whose new answer was unknown keep their older verdict"
eq "... records all 30" "$(sq "SELECT count(*) FROM evidence WHERE how = 'refresh'")" 30
eq "... the 10 answered are fresh" "$(sq "SELECT count(*) FROM contacts WHERE address LIKE 'u%' AND verified_at > 1768035600")" 10
eq "... the 20 keep their verdict" "$(sq "SELECT count(*) FROM contacts WHERE address LIKE 'u%' AND status = 0 AND verified_at = 1768035600")" 20
exits 0 "the next refresh, budget 20" "$lg" refresh --db "$db" --now "$now40" $dns --budget 20 --quiet
eq "... takes the 20 kept first" "$(sq "SELECT count(*) FROM contacts WHERE address LIKE 'u%' AND verified_at = 1768035600")" 0
eq "... before the staler ones" "$(sq "SELECT count(*) FROM contacts WHERE address LIKE 'o%' AND verified_at > 1767603600")" 0
eq "... and nothing waits any more" "$(sq 'SELECT count(*) FROM reverify')" 0

# === the way out of the gate ===================================================
# Each blocked reason ends with the command that would unblock it, with
# the figures it would give; running that command does unblock it.
db=$t/w.db
printf '[gate]\nthreshold = 5%%\n' >"$t/five.conf"
"$lg" verify --db "$db" --now "$now1" $dns -q --list w -o /dev/null samples/contacts.csv
# With --include-risky the 2 role addresses (10 % each) weigh in: blocked
# at 5 %; without them the 11 deliverable ones pass (bound 4.67 %).
exits 1 "gate --include-risky at 5 %" "$lg" gate --db "$db" --now "$now1" -c "$t/five.conf" --include-risky w
check "the way out: leave the risky ones out" grep -q \
	"^  blocked: predicted .*; leaving out its 2 risky records (no --include-risky) would give 0.50% (bound 4.67%): leadgate export --for-sequence w\$" "$t/out"
exits 0 "without them it passes" "$lg" gate --db "$db" --now "$now1" -c "$t/five.conf" w
# Twelve days on the 11 records are aging (p = 1.33 % each, bound 8.1 %):
# re-verifying those older than 11 days (all 21 contacts, verified 12 days
# ago) brings them back to 0.5 %, bound 4.67 %.
now12=2026-01-22T09:00:00Z
exits 1 "gate 12 days on at 5 %" "$lg" gate --db "$db" --now "$now12" -c "$t/five.conf" w
check "the way out: re-verify the older ones" grep -q \
	"^  blocked: predicted .*; re-verifying the 21 contacts verified more than 11 days ago would give 0.50% (bound 4.67%): leadgate refresh --list w --older-than 11d\$" "$t/out"
way=$(sed -n 's/^  blocked: predicted .*: leadgate refresh //p' "$t/out")
exits 0 "refresh as the gate says ($way)" "$lg" refresh --db "$db" --now "$now12" $dns $way
check "it re-verified the 21" has "$t/err" "21 of 21 planned records re-verified (older than 11.0 days"
exits 0 "then the gate passes, at the bound it named" "$lg" gate --db "$db" --now "$now12" -c "$t/five.conf" w
check "the bound it named" has "$t/out" "95% upper bound 4.67% is within the 5.00% threshold"
# A list of which nothing may be sent, even re-verified.
printf 'Email\nnobody@nxdomain.invalid\ninfo@mailinator.com\n' >"$t/dead.csv"
"$lg" verify --db "$db" --now "$now1" $dns -q --list dead -o /dev/null "$t/dead.csv"
exits 1 "gate of a list with nothing to send" "$lg" gate --db "$db" --now "$now1" dead
check "the way out: there is none; see each verdict" grep -q \
	"^  blocked: none of .*; nothing in it can be sent, even re-verified: .*: leadgate export dead\$" "$t/out"
exits 0 "lists of it" "$lg" lists --db "$db" --now "$now1"
eq "lists: no rate where nothing is measured" "$(awk '$1 == "dead" { print $(NF - 2), $(NF - 1), $NF }' "$t/out")" "- - blocked"

# Verified without DNS: every valid address unknown; re-verifying them is
# the way out, and the refresh it names takes them (a minute on).
db=$t/nd.db
"$lg" verify --db "$db" --now "$now1" --no-dns -q --list nd -o /dev/null samples/contacts.csv
exits 1 "gate of a list verified without DNS" "$lg" gate --db "$db" --now "$now1" nd
check "the way out: re-verify the unknown ones" grep -q \
	"^  blocked: none of .*; nothing would be sendable even re-verified with the statuses it has, but 19 contacts are unknown (could not be decided): re-verifying them may make some sendable: leadgate refresh --list nd --older-than 0d\$" "$t/out"
way=$(sed -n 's/^  blocked: none of .*: leadgate refresh //p' "$t/out")
exits 0 "refresh as the gate says ($way)" "$lg" refresh --db "$db" --now 2026-01-10T09:01:00Z $dns $way
check "it re-verified them" has "$t/err" "21 of 21 planned records re-verified"
exits 1 "then the gate weighs what they became" "$lg" gate --db "$db" --now 2026-01-10T09:01:00Z nd
check "11 deliverable now" has "$t/out" "of the 11 records export would write"

# === a list that bounced recovers =============================================
# 2500 rows, 2450 contacts on domains with mail hosts: it passes at 1 % and
# is sent; 40 of them hard-bounce (1.63 %, Wilson lower bound 1.20 %): the
# observed part blocks it.  The bounced are suppressed; verified again, the
# list starts a new observation window and passes, and the old window
# stays in its history.
db=$t/rec.db
gen 2500 500000 >"$t/rec.csv"
n_rec=$(distinct "$t/rec.csv")
exits 0 "recovery: verify --list passes at 1 %" "$lg" verify --db "$db" --now "$now1" $dns --no-progress --list rec -o /dev/null "$t/rec.csv"
check "recovery: the summary's counts" has "$t/err" "'rec': $n_rec contacts recorded; of the 2500 rows, $((2500 - n_rec)) duplicates collapsed into them, 0 without a valid address not recorded"
exits 0 "recovery: export --for-sequence" "$lg" export --db "$db" --now "$now1" --for-sequence -o "$t/rec-seq.csv" rec
eq "recovery: every contact sent" "$(rows "$t/rec-seq.csv")" "$n_rec"
{ echo "email,type,code,reason,time"
  tail -n +2 "$t/rec-seq.csv" | head -n 40 | awk -F, '{ print $1 ",hard,550 5.1.1,user unknown,2026-01-11T10:00:00Z" }'; } >"$t/rec-bounces.csv"
exits 0 "recovery: 40 hard bounces" "$lg" bounces import --db "$db" --now "$now2" "$t/rec-bounces.csv"
exits 1 "recovery: the gate blocks on what was observed" "$lg" gate --db "$db" --now "$now2" rec
check "recovery: the observed line says why and what next" grep -q \
	"^  blocked: observed hard-bounce rate 1.63% (40 of $n_rec exported from this version); Wilson 95% lower bound 1.20% is above the 1.00% threshold; the 40 that bounced are suppressed, and verifying the list again starts a new observation window: leadgate verify --list rec $t/rec.csv\$" "$t/out"
check "recovery: the predicted part passes" has "$t/out" "  ok: predicted bounce rate"
way=$(sed -n 's/^  blocked: observed .*: leadgate //p' "$t/out")
exits 0 "recovery: lists" "$lg" lists --db "$db" --now "$now2"
eq "recovery: lists shows the observed rate" "$(awk '$1 == "rec" { print $(NF - 1), $NF }' "$t/out")" "1.63% blocked"
exits 0 "recovery: verify the list again, as the gate says ($way)" "$lg" $way --db "$db" --now "$now2" $dns --no-progress -o "$t/rec2.csv"
check "recovery: the new version's observed part starts empty" has "$t/err" "observed hard-bounce rate not counted yet: 0 of the 0 exported from this version"
eq "recovery: the bounced ones come out bounce.hard" \
	"$(grep ',undeliverable,bounce.hard,' "$t/rec2.csv" | cut -d, -f1 | tr 'A-Z' 'a-z' | sort -u | wc -l | tr -d ' ')" 40
exits 0 "recovery: the gate passes" "$lg" gate --db "$db" --now "$now2" rec
exits 0 "recovery: lists show" "$lg" lists --db "$db" --now "$now2" show rec
check "recovery: the old window in the history" grep -q "^    version 1, verified $now1: exported $n_rec, hard-bounced 40 (1.63%)\$" "$t/out"
check "recovery: the new one current" grep -q "^    version 2 (current), verified $now2: exported 0\$" "$t/out"
check "recovery: the lifetime counts go on" has "$t/out" "exported so far: $n_rec, of which hard-bounced 40"
exits 0 "recovery: lists show -f json" "$lg" lists --db "$db" --now "$now2" show rec -f json
eq "recovery: json windows" "$(jget "$t/out" '$.windows[0].hard_bounces') $(jget "$t/out" '$.windows[1].exported') $(jget "$t/out" '$.gate.exported') $(jget "$t/out" '$.gate.exported_total') $(jget "$t/out" '$.gate.hard_bounces_total') $(jget "$t/out" '$.gate.window_version')" \
	"40 0 0 $n_rec 40 2"
exits 0 "recovery: lists" "$lg" lists --db "$db" --now "$now2"
eq "recovery: lists shows no observed rate for the new window" "$(awk '$1 == "rec" { print $(NF - 1), $NF }' "$t/out")" "- pass"
# Sent again: the 2410 left count anew in the new window.
exits 0 "recovery: export --for-sequence again" "$lg" export --db "$db" --now "$now2" --for-sequence -o "$t/rec-seq2.csv" rec
exits 0 "recovery: lists show after the second send" "$lg" lists --db "$db" --now "$now2" show rec
check "recovery: the new window counts the second send" grep -q "^    version 2 (current), verified $now2: exported $((n_rec - 40)), hard-bounced 0 (0.00%)\$" "$t/out"

# === bad input ================================================================
exits 66 "gate of a list that does not exist" "$lg" gate --db "$db" --now "$now1" nosuchlist
check "the message names the list" has "$t/err" "nosuchlist"
exits 64 "--now garbage" "$lg" lists --db "$db" --now garbage
check "--now says what it wants" has "$t/err" "RFC 3339"
exits 66 "lists show of a missing database" "$lg" lists --db "$t/none/x.db" --now "$now1" show q4
check "the message names the database" has "$t/err" "$t/none/x.db"
check "reading creates no database" test ! -e "$t/none"
printf 'Email\nnot a database\n' >"$t/notdb.db"
exits 66 "verify --list into a file that is not a database" \
	"$lg" verify --db "$t/notdb.db" --now "$now1" --no-dns -q --list x -o /dev/null samples/contacts.csv
check "not a database: says so" has "$t/err" "$t/notdb.db: opening: not a leadgate database"
exits 66 "lists of a file that is not a database" "$lg" lists --db "$t/notdb.db" --now "$now1"
check "lists of a file that is not a database: names it" has "$t/err" "$t/notdb.db"
sqlite3 "$t/other.db" 'CREATE TABLE notes(x)'
exits 66 "verify --list into another program's SQLite database" \
	"$lg" verify --db "$t/other.db" --now "$now1" --no-dns -q --list x -o /dev/null samples/contacts.csv
check "... says so" has "$t/err" "not a leadgate database"
check "... and leaves it as it was" [ "$(sqlite3 "$t/other.db" 'SELECT count(*) FROM sqlite_master')" = 1 ]
# Only the commands that bring contacts in make a database.  The others,
# on a database that is not there, exit 66 naming it and how to choose
# another, and leave nothing behind: a scheduled refresh on a mistyped
# path never looks healthy.
for cmd in "lists" "lists show q4" "gate q4" "export q4 -o /dev/null" \
	"export q4 --for-sequence -o /dev/null" "refresh --quiet" "score -o /dev/null" \
	"score --dry-run" "qualify a@b.com" "report rejections" "decide a@b.com accept" \
	"evidence add a@b.com --criterion budget --status met --confidence 1 --source call" \
	"keys list" "keys revoke ci"; do
	# shellcheck disable=SC2086
	exits 66 "$cmd on a missing database" "$lg" $cmd --db "$t/none/x.db" --now "$now1"
	check "$cmd: names the database and the way out" \
		grep -q "$t/none/x.db: no database (leadgate verify --list NAME FILE, bounces import, events import or keys create creates one; --db PATH or LEADGATE_DB chooses another)" "$t/err"
	check "$cmd: creates nothing" test ! -e "$t/none"
done
mkdir -p "$t/home"
exits 66 "refresh --quiet with only HOME set" env -i PATH=/usr/bin:/bin HOME="$t/home" "$lg" refresh --quiet
check "... names the default database" has "$t/err" "$t/home/.local/share/leadgate/leadgate.db: no database"
check "... and makes none" test ! -e "$t/home/.local"
sqlite3 "$t/newer.db" 'CREATE TABLE x(y); PRAGMA user_version = 99'
exits 78 "a database of a newer leadgate" "$lg" lists --db "$t/newer.db" --now "$now1"
check "newer: says so" has "$t/err" "newer leadgate"

# === a batch of bounce files: one that cannot be used keeps none of the
# others out ======================================================================
db=$t/batch.db
mkdir "$t/adir"
printf 'Hello,\nsee you tomorrow.\n' >"$t/letter.txt"
exits 65 "bounces import of a batch with files that cannot be used" "$lg" bounces import --db "$db" --now "$now2" \
	$fx/bounces.csv "$t/missing.csv" "$t/letter.txt" "$t/adir" $fx/bounces-early.csv
check "... the missing file is named" has "$t/err" "$t/missing.csv: No such file or directory (not imported)"
check "... the directory is named" has "$t/err" "$t/adir: is a directory (not imported)"
check "... the file that is no bounce file is named" has "$t/err" "$t/letter.txt:1: no email column"
check "... the count at the end" has "$t/err" "bounces import: 3 of 5 files not imported"
check "... the files before are imported" has "$t/err" "bounces.csv (csv): 3 events new"
check "... and the files after" has "$t/err" "bounces-early.csv (csv): 1 events new"
eq "... each file in its run" "$(sq "SELECT count(*) FROM runs WHERE kind = 'import' AND finished_at IS NOT NULL")" 2
eq "... every event of the good files" "$(sq 'SELECT count(*) FROM bounces')" 4
if [ -r /proc/self/mem ]; then
	# readable by its mode, but read(2) fails: a file that breaks while it is read
	exits 65 "bounces import of a file whose reading fails" "$lg" bounces import --db "$db" --now "$now2" \
		/proc/self/mem $fx/bounces-more.csv
	check "... it is named" has "$t/err" "/proc/self/mem: Input/output error (not imported)"
	check "... the next file is imported" has "$t/err" "bounces-more.csv (csv): 3 events new"
else
	ok "skipped: a file whose reading fails (no /proc/self/mem)"
fi
exits 66 "bounces import of files none of which can be read" "$lg" bounces import --db "$t/nob.db" --now "$now2" \
	"$t/missing.csv" "$t/adir"
check "... both are named" sh -c "grep -qF 'missing.csv: No such' '$t/err' && grep -qF 'adir: is a directory' '$t/err'"
check "... and no database is made" test ! -e "$t/nob.db"

echo "# sample list and bad input: $(($(ms) - t0)) ms"

# === kill safety ================================================================
# Each command is first timed on a scratch copy; it is then killed (SIGKILL)
# six times at random moments of that span, checked after each kill, and
# run to the end.
seed=${LG_STORE_SEED:-$$}
echo "# kill moments from seed $seed (LG_STORE_SEED=$seed repeats them)"
# moments MS: six moments, in seconds, between 5 % and 95 % of MS milliseconds
moments() {
	awk -v s="$seed" -v ms="$1" 'BEGIN { srand(s); for (i = 0; i < 6; i++)
		printf "%.3f ", (0.05 + rand() * 0.9) * ms / 1000 }'
}
# timed COMMAND...: $dur is how long COMMAND took, in milliseconds
timed() {
	t1=$(ms)
	"$@" >/dev/null 2>&1 </dev/null
	dur=$(($(ms) - t1))
}
# kill_after SECONDS COMMAND...: run COMMAND, SIGKILL it after SECONDS;
# $krc is its exit status (137: the kill landed).
kill_after() {
	d=$1; shift
	"$@" >/dev/null 2>"$t/kill.err" </dev/null &
	bg=$!
	sleep "$d"
	kill -9 "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	krc=$?
	bg=""
}
copy() { sqlite3 "$1" "VACUUM INTO '$2'"; }

# --- verify --list -----------------------------------------------------------
gen 30000 0 >"$t/big.csv"
n_big=$(distinct "$t/big.csv")
db=$t/big.db
L="--db $db --now $now1"
timed "$lg" verify --db "$t/dry.db" --now "$now1" $dns -q --list big -o /dev/null "$t/big.csv"
killed=0
for d in $(moments $dur); do
	kill_after "$d" "$lg" verify $L $dns -q --list big -o /dev/null "$t/big.csv"
	[ $krc -eq 137 ] && killed=$((killed + 1))
	[ -e "$db" ] || continue
	r=$(integrity "$db")
	[ "$r" = ok ] || notok "verify killed after ${d}s: integrity_check says $r"
	# Killed before its schema was made: an empty database, nothing lost.
	[ "$(sq "SELECT count(*) FROM sqlite_master WHERE name = 'runs'")" = 1 ] || continue
	# Every run holds as many members as evidence rows: each row is both or neither.
	r=$(sq "SELECT count(*) FROM runs r WHERE kind = 'verify' AND (SELECT count(*) FROM members m WHERE m.run_id = r.id) <> (SELECT count(*) FROM evidence e WHERE e.run_id = r.id)")
	[ "$r" = 0 ] || notok "verify killed after ${d}s: $r runs whose members and evidence differ"
done
ok "verify --list of $n_big contacts (${dur} ms) killed $killed of 6 times"
open=$(sq "SELECT count(*) FROM runs WHERE kind = 'verify' AND finished_at IS NULL")
kept=$(sq 'SELECT count(*) FROM domains')
exits 0 "verify --list run again to the end" "$lg" verify $L $dns --no-progress --list big --summary "$t/big.json" -o /dev/null "$t/big.csv"
if [ "${open:-0}" -gt 0 ]; then
	check "it took the interrupted run up" has "$t/err" "taking up the interrupted run"
fi
# What the killed runs kept is not asked again, and the summary says so:
# the domains looked up and those from the store are the list's domains.
n_dom=$(tail -n +2 "$t/big.csv" | cut -d, -f1 | sed 's/.*@//' | tr 'A-Z' 'a-z' | sort -u | wc -l | tr -d ' ')
eq "the run to the end: answers from the store" "$(jget "$t/big.json" '$.dns.from_store')" "$kept"
eq "the run to the end: looked up and from the store" \
	"$(($(jget "$t/big.json" '$.dns.domains') + $(jget "$t/big.json" '$.dns.from_store')))" "$n_dom"
if [ "$kept" -gt 0 ]; then
	check "the summary says how many came from the store" has "$t/err" "; $kept more domains answered from the store"
fi
eq "the summary's contacts are the version's members" "$(jget "$t/big.json" '$.list.contacts')" "$n_big"
eq "big: integrity_check" "$(integrity "$db")" ok
cur=$(sq "SELECT current_run FROM lists WHERE name = 'big'")
eq "big: the current version is the last run" "$cur" "$(sq "SELECT max(id) FROM runs WHERE kind = 'verify'")"
eq "big: no run left open" "$(sq "SELECT count(*) FROM runs WHERE kind = 'verify' AND finished_at IS NULL")" 0
eq "big: members = distinct addresses" "$(sq "SELECT count(*) FROM members WHERE run_id = $cur")" "$n_big"
eq "big: contacts = distinct addresses" "$(sq 'SELECT count(*) FROM contacts')" "$n_big"
eq "big: no address twice" "$(sq 'SELECT count(*) - count(DISTINCT lower(address)) FROM contacts')" 0
eq "big: one evidence row per member" \
	"$(sq "SELECT count(*) FROM members m JOIN evidence e ON e.run_id = m.run_id AND e.contact_id = m.contact_id WHERE m.run_id = $cur")|$(sq "SELECT count(*) FROM evidence WHERE run_id = $cur")" \
	"$n_big|$n_big"
eq "big: every version complete" "$(sq "SELECT count(*) FROM runs r WHERE kind = 'verify' AND (SELECT count(*) FROM members m WHERE m.run_id = r.id) <> $n_big")" 0
eq "big: no evidence twice" "$(sq 'SELECT count(*) FROM (SELECT 1 FROM evidence GROUP BY contact_id, run_id HAVING count(*) > 1)')" 0
exits 0 "lists show big" "$lg" lists $L show big
check "lists show big: rows = input rows" has "$t/out" "rows 30000, unique contacts $n_big"

# --- verify --list again: known contacts and new ones ----------------------
# The big list again with a new address after each row: the store's writer
# inserts a new contact before looking it up, and updates a known one the
# address index refuses.  Killed at random moments and run to the end, it
# records what a run never killed records.
awk -F, 'NR == 1 { print; next } { print; print "new" $0 }' "$t/big.csv" >"$t/big2.csv"
db=$t/again.db # a copy: what follows counts on big.db as it is
copy "$t/big.db" "$db"
copy "$db" "$t/ref2.db"
"$lg" verify --db "$t/ref2.db" --now "$now2" $dns -q --list big -o /dev/null "$t/big2.csv" 2>/dev/null
copy "$db" "$t/dry3.db"
timed "$lg" verify --db "$t/dry3.db" --now "$now2" $dns -q --list big -o /dev/null "$t/big2.csv"
killed=0
for d in $(moments $dur); do
	kill_after "$d" "$lg" verify --db "$db" --now "$now2" $dns -q --list big -o /dev/null "$t/big2.csv"
	[ $krc -eq 137 ] && killed=$((killed + 1))
	r=$(integrity "$db")
	[ "$r" = ok ] || notok "verify again killed after ${d}s: integrity_check says $r"
	r=$(sq "SELECT count(*) FROM runs r WHERE kind = 'verify' AND (SELECT count(*) FROM members m WHERE m.run_id = r.id) <> (SELECT count(*) FROM evidence e WHERE e.run_id = r.id)")
	[ "$r" = 0 ] || notok "verify again killed after ${d}s: $r runs whose members and evidence differ"
	r=$(sq "SELECT count(*) - count(DISTINCT address) FROM contacts")
	[ "$r" = 0 ] || notok "verify again killed after ${d}s: $r addresses twice"
done
ok "verify --list of known and new contacts ($((2 * n_big)), ${dur} ms) killed $killed of 6 times"
"$lg" verify --db "$db" --now "$now2" $dns -q --list big -o /dev/null "$t/big2.csv" 2>/dev/null
contacts_of() {
	sqlite3 -batch "$1" "SELECT address, domain, first_seen, last_seen, status, reason, flags, mx, provider, verified_at, source, account FROM contacts ORDER BY address" | cksum
}
eq "known and new, killed then run to the end: the contacts of a run never killed" \
	"$(contacts_of "$db")" "$(contacts_of "$t/ref2.db")"
eq "known and new: every contact once" "$(sq 'SELECT count(*) FROM contacts')" "$((2 * n_big))"
eq "known and new: the current version's members" \
	"$(sq "SELECT count(*) FROM members WHERE run_id = (SELECT current_run FROM lists WHERE name = 'big')")" \
	"$((2 * n_big))"
db=$t/big.db

# --- bounces import ----------------------------------------------------------
# Events for the big list's addresses: hard, soft and block; every 20th
# line repeats the one before it (the same event twice in a file).
awk -v rows=40000 'NR == FNR { d[n++] = $0; next }
	END { print "email,type,code,reason,time"
		split("hard soft block", ty, " "); split("5.1.1 4.2.2 5.7.1", co, " ")
		for (i = 0; i < rows; i++) {
			j = (i % 20 == 19) ? i - 1 : i; k = (j * 7) % 30000; y = j % 3 + 1
			printf "user%d@%s,%s,%s,%s,2026-01-%02dT%02d:%02d:00Z\n", k, d[k % n], ty[y], co[y],
				"reason " y, 11 + j % 15, j % 24, j % 60 } }' "$t/domains" /dev/null >"$t/bounces.csv"
n_ev=$(tail -n +2 "$t/bounces.csv" | sort -u | wc -l | tr -d ' ')
n_hard=$(tail -n +2 "$t/bounces.csv" | awk -F, '$2 == "hard" { print $1 }' | sort -u | wc -l | tr -d ' ')
L="--db $db --now $now2"
copy "$db" "$t/dry2.db"
timed "$lg" bounces import --db "$t/dry2.db" --now "$now2" -q "$t/bounces.csv"
killed=0
for d in $(moments $dur); do
	kill_after "$d" "$lg" bounces import $L -q "$t/bounces.csv"
	[ $krc -eq 137 ] && killed=$((killed + 1))
	r=$(integrity "$db")
	[ "$r" = ok ] || notok "bounces import killed after ${d}s: integrity_check says $r"
	b=$(sq 'SELECT count(*) FROM bounces')
	[ "$b" = 0 ] || [ "$b" = "$n_ev" ] ||
		notok "bounces import killed after ${d}s: $b bounces, want 0 or $n_ev (a file is imported wholly or not at all)"
done
ok "bounces import of $n_ev events (${dur} ms) killed $killed of 6 times"
exits 0 "bounces import run again" "$lg" bounces import $L "$t/bounces.csv"
eq "bounces: integrity_check" "$(integrity "$db")" ok
eq "bounces = distinct events" "$(sq 'SELECT count(*) FROM bounces')" "$n_ev"
eq "suppressions = hard-bounced addresses" "$(sq 'SELECT count(*) FROM suppressions')" "$n_hard"
eq "every suppressed contact marked" "$(sq 'SELECT count(*) FROM contacts c JOIN suppressions s ON s.address = c.address WHERE c.suppressed = 0')" 0
eq "no bounce of a run that does not exist" "$(sq 'SELECT count(*) FROM bounces WHERE run_id NOT IN (SELECT id FROM runs)')" 0
exits 0 "bounces import once more" "$lg" bounces import $L "$t/bounces.csv"
check "once more: nothing new" has "$t/err" "0 events new"
eq "bounces: still the distinct events" "$(sq 'SELECT count(*) FROM bounces')" "$n_ev"

# --- refresh -----------------------------------------------------------------
L="--db $db --now $now40"
budget=20000
n_stale=$(sq "SELECT count(*) FROM contacts WHERE suppressed = 0")
n_plan=$((n_stale < budget ? n_stale : budget))
copy "$db" "$t/dry3.db"
timed "$lg" refresh --db "$t/dry3.db" --now "$now40" $dns -q --budget $budget
killed=0
for d in $(moments $dur); do
	kill_after "$d" "$lg" refresh $L $dns -q --budget $budget
	[ $krc -eq 137 ] && killed=$((killed + 1))
	r=$(integrity "$db")
	[ "$r" = ok ] || notok "refresh killed after ${d}s: integrity_check says $r"
	r=$(sq "SELECT count(*) FROM refresh_plan p WHERE (SELECT count(*) FROM evidence e WHERE e.run_id = p.run_id AND e.contact_id = p.contact_id) <> p.done")
	[ "$r" = 0 ] || notok "refresh killed after ${d}s: $r plan entries whose evidence and done disagree"
done
ok "refresh of $n_plan contacts (${dur} ms) killed $killed of 6 times"
exits 0 "refresh run again to the end" "$lg" refresh $L $dns --budget $budget
eq "refresh: integrity_check" "$(integrity "$db")" ok
first=$(sq "SELECT min(id) FROM runs WHERE kind = 'refresh'")
eq "refresh: the first run planned the budget" "$(sq "SELECT count(*) FROM refresh_plan WHERE run_id = $first")" "$n_plan"
eq "refresh: evidence of the first run = its plan" \
	"$(sq "SELECT count(*) FROM evidence WHERE how = 'refresh' AND run_id = $first")" "$n_plan"
eq "refresh: every plan entry done, with one evidence row" \
	"$(sq "SELECT count(*) FROM refresh_plan p WHERE p.done = 0 OR (SELECT count(*) FROM evidence e WHERE e.run_id = p.run_id AND e.contact_id = p.contact_id AND e.how = 'refresh') <> 1")" 0
eq "refresh: no evidence twice" "$(sq 'SELECT count(*) FROM (SELECT contact_id, run_id FROM evidence GROUP BY 1, 2 HAVING count(*) > 1)')" 0
eq "refresh: nothing planned twice" "$(sq 'SELECT count(*) FROM (SELECT 1 FROM refresh_plan GROUP BY run_id, contact_id HAVING count(*) > 1)')" 0
eq "refresh: every run finished" "$(sq "SELECT count(*) FROM runs WHERE kind = 'refresh' AND finished_at IS NULL")" 0
eq "refresh: the planned contacts re-verified as of now" \
	"$(sq "SELECT count(*) FROM contacts c JOIN refresh_plan p ON p.contact_id = c.id WHERE p.run_id = $first AND c.verified_at < strftime('%s', '$now40') - 3600")" 0

echo "# kill safety: $(($(ms) - t0)) ms"

# === two processes on one database =============================================
# two NAME LIST...: `verify --list NAME` of the new list and `refresh` of
# the stale list old, started at once on one database; $rc1, $rc2.
two() {
	"$lg" verify --db "$db" --now "$now40" $dns -q --list "$1" -o /dev/null "$t/new.csv" 2>"$t/verify.err" &
	p1=$!
	"$lg" refresh --db "$db" --now "$now40" $dns -q --list old >/dev/null 2>"$t/refresh.err" &
	p2=$!
	bg="$p1 $p2"
	wait $p1
	rc1=$?
	wait $p2
	rc2=$?
	bg=""
	[ $rc1 -le 1 ] || sed 's/^/#   verify: /' "$t/verify.err" | head -n 2
	[ $rc2 -eq 0 ] || sed 's/^/#   refresh: /' "$t/refresh.err" | head -n 2
}
gen 20000 100000 0 150 >"$t/old.csv"
gen 20000 200000 150 150 >"$t/new.csv"
n_old=$(distinct "$t/old.csv")
n_new=$(distinct "$t/new.csv")

# A new list; the two lists' domains apart, none answered at now40 yet.
db=$t/two.db
"$lg" verify --db "$db" --now "$now1" $dns -q --list old -o /dev/null "$t/old.csv"
two new
check "verify --list and refresh at once: verify exits 0 or 1 (got $rc1)" [ $rc1 -le 1 ]
check "verify --list and refresh at once: refresh exits 0 (got $rc2)" [ $rc2 -eq 0 ]
eq "two at once: integrity_check" "$(integrity "$db")" ok
eq "two at once: the new list complete" "$(sq "SELECT count(*) FROM members WHERE run_id = (SELECT current_run FROM lists WHERE name = 'new')")" "$n_new"
eq "two at once: the old list refreshed" "$(sq "SELECT count(*) FROM evidence WHERE how = 'refresh'")" "$n_old"

# A list verified before, and domains the two share, answered at now40
# already: what a weekly re-verification next to the daily refresh looks
# like.
gen 20000 100000 >"$t/old.csv"
gen 20000 200000 >"$t/new.csv"
db=$t/two2.db
"$lg" verify --db "$db" --now "$now1" $dns -q --list old -o /dev/null "$t/old.csv"
"$lg" verify --db "$db" --now "$now1" $dns -q --list new -o /dev/null "$t/new.csv"
gen 300 300000 >"$t/warm.csv"
"$lg" verify --db "$db" --now "$now40" $dns -q --list warm -o /dev/null "$t/warm.csv"
two new
check "verify --list of a known list and refresh at once: verify exits 0 or 1 (got $rc1)" [ $rc1 -le 1 ]
check "verify --list of a known list and refresh at once: refresh exits 0 (got $rc2)" [ $rc2 -eq 0 ]
eq "two at once again: integrity_check" "$(integrity "$db")" ok

# === a database that may not be written =====================================
db=$t/ro/s.db
mkdir "$t/ro"
sqlite3 "$t/s.db" "VACUUM INTO '$db'"
sqlite3 "$db" 'PRAGMA journal_mode = WAL' >/dev/null
sum=$(cksum <"$db")
# runas COMMAND...: as a user that may not write there.  Root writes
# anything whatever the modes say: it runs leadgate as nobody instead.
who=""
if [ "$(id -u)" -ne 0 ]; then
	runas() { "$@"; }
	who="this user"
elif command -v setpriv >/dev/null 2>&1; then
	runas() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
	chmod 755 "$t"
	chmod 644 "$t/empty.conf"
	chown 65534 "$t/ro"
	who=nobody
fi
if [ -n "$who" ]; then
	chmod 0444 "$db"
	exits 74 "verify --list into a read-only file ($who)" \
		runas "$lg" verify --db "$db" --now "$now2" --no-dns -q --list q4 -o /dev/null samples/contacts.csv
	check "read-only: says so" has "$t/err" "read-only"
	check "read-only: names the database" has "$t/err" "$db"
	check "read-only file unchanged" [ "$(cksum <"$db")" = "$sum" ]
	chmod 0555 "$t/ro"
	exits 74 "verify --list into a read-only directory ($who)" \
		runas "$lg" verify --db "$db" --now "$now2" --no-dns -q --list q4 -o /dev/null samples/contacts.csv
	check "read-only directory: says so" has "$t/err" "read-only"
	exits 74 "bounces import into a read-only directory ($who)" \
		runas "$lg" bounces import --db "$db" --now "$now2" $fx/bounces-early.csv
	check "read-only directory: says so" has "$t/err" "read-only"
	exits 0 "lists of a database in a read-only directory ($who)" runas "$lg" lists --db "$db" --now "$now2"
	check "read-only database unchanged" [ "$(cksum <"$db")" = "$sum" ]
	chmod 0755 "$t/ro"
	chmod 0644 "$db"
else
	ok "skipped: read-only database (running as root without setpriv: root writes whatever the modes say)"
fi
# A read-only file system (a read-only bind mount, where root may make
# one): writing says so, reading still works.
mkdir -p "$t/rofs"
if mount -o bind,ro "$(dirname "$db")" "$t/rofs" 2>/dev/null; then
	rodb=$t/rofs/$(basename "$db")
	exits 74 "verify --list on a read-only file system" \
		"$lg" verify --db "$rodb" --now "$now2" --no-dns -q --list q4 -o /dev/null samples/contacts.csv
	check "read-only file system: the real cause" has "$t/err" "$rodb: the database is read-only here (Read-only file system)"
	exits 74 "refresh on a read-only file system" "$lg" refresh --db "$rodb" --now "$now2" -q
	exits 0 "lists on a read-only file system" "$lg" lists --db "$rodb" --now "$now2"
	check "... reads the lists" has "$t/out" "q4 "
	umount "$t/rofs"
else
	ok "skipped: read-only file system (no permission to mount one here)"
fi

# === a full disk ===============================================================
# The file size limit: writes past it fail (EFBIG) as on a full disk.  The
# first batch fits: the run is left interrupted with what it committed.
db=$t/full.db
(
	trap '' XFSZ
	ulimit -f 6144 # 3 MiB in 512-byte blocks (dash), 6 MiB in 1 KiB ones (bash)
	exec "$lg" verify --db "$db" --now "$now1" --no-dns -q --list big -o /dev/null "$t/big.csv"
) >"$t/out" 2>"$t/err"
rc=$?
eq "verify --list past the file size limit exits 74" "$rc" 74
check "file size limit: the message names the database" has "$t/err" "$db"
sed 's/^/#   /' "$t/err" | head -n 2
eq "file size limit: integrity_check" "$(integrity "$db")" ok
done_before=$(sq "SELECT count(*) FROM members WHERE run_id = (SELECT max(id) FROM runs)")
check "file size limit: the batches before it committed ($done_before contacts)" [ "${done_before:-0}" -gt 0 ]
# A mistaken run with another file that is no contact list at all...
exits 65 "verify --list of a file that is not a contact list" \
	"$lg" verify --db "$db" --now "$now1" --no-dns -q --list big -o /dev/null samples/samples.zone
check "a failed verify records no run" [ "$(sq 'SELECT count(*) FROM runs')" = 1 ]
# ... does not make the interrupted run start over.
exits 1 "file size limit: the database works afterwards" \
	"$lg" verify --db "$db" --now "$now1" --no-dns --no-progress --list big -o /dev/null "$t/big.csv"
check "the next run takes the interrupted one up" has "$t/err" "($done_before contacts recorded before)"
eq "file size limit: then complete" "$(sq "SELECT count(*) FROM members WHERE run_id = (SELECT current_run FROM lists WHERE name = 'big')")" "$n_big"
exits 65 "verify --list NEW of a file that is not a contact list" \
	"$lg" verify --db "$db" --now "$now1" --no-dns -q --list phantom -o /dev/null samples/samples.zone
check "no list made by a failed verify" [ "$(sq "SELECT count(*) FROM lists WHERE name = 'phantom'")" = 0 ]

# === the formula guard of export and score ====================================
# Addresses may start with = or - (RFC 5322 allows both): export and score
# guard them by default and with all, and write them as they are with off.
db=$t/guard.db
L="--db $db --now $now1"
printf 'Email,Phone\n=x@acme-robotics.io,+1 415 555 0100\n-y@acme-robotics.io,-5\n' >"$t/guard.csv"
exits 1 "verify --list of addresses that start with = and -" \
	"$lg" verify $L --no-dns -q --list guard -o "$t/guard.out.csv" "$t/guard.csv"
check "verify guards =x@ and leaves the phone number" has "$t/guard.out.csv" "'=x@acme-robotics.io,+1 415 555 0100,"
for mode in auto all off; do
	exits 0 "export --formula-guard=$mode" "$lg" export $L --formula-guard=$mode -o "$t/guard.$mode.csv" guard
	exits 0 "score --formula-guard=$mode" "$lg" score $L --dry-run -q --formula-guard=$mode -o "$t/score.$mode.csv"
done
# export writes the list's own columns (its header says Email), score its own.
for f in guard score; do
	h=email
	[ $f = guard ] && h=Email
	eq "$f: auto guards" "$(cut -d, -f1 "$t/$f.auto.csv" | LC_ALL=C sort | tr '\n' ' ')" "'-y@acme-robotics.io '=x@acme-robotics.io $h "
	eq "$f: all guards the addresses alike" "$(cut -d, -f1 "$t/$f.all.csv" | LC_ALL=C sort | tr '\n' ' ')" "'-y@acme-robotics.io '=x@acme-robotics.io $h "
	eq "$f: off writes them as they are" "$(cut -d, -f1 "$t/$f.off.csv" | LC_ALL=C sort | tr '\n' ' ')" "-y@acme-robotics.io =x@acme-robotics.io $h "
done
check "score: all is auto here (no cell is a number)" cmp -s "$t/score.auto.csv" "$t/score.all.csv"
eq "export: auto leaves the phone numbers" "$(cut -d, -f2 "$t/guard.auto.csv" | LC_ALL=C sort | tr '\n' ' ')" "+1 415 555 0100 -5 Phone "
eq "export: all guards them too" "$(cut -d, -f2 "$t/guard.all.csv" | LC_ALL=C sort | tr '\n' ' ')" "'+1 415 555 0100 '-5 Phone "
exits 64 "export: a bad --formula-guard" "$lg" export $L --formula-guard=some guard
check "export: the message says what it wants" has "$t/err" "--formula-guard wants auto, all or off, not 'some'"
exits 64 "score: a bad --formula-guard" "$lg" score $L --formula-guard=some

# === one identity rule: a contact's key folds the case of a non-ASCII letter ====
db=$t/key.db
printf 'email\n\303\204nne@acme-robotics.io\n\303\244nne@acme-robotics.io\n' >"$t/key.csv"
exits 1 "verify --list of one address in two cases of a non-ASCII letter" \
	"$lg" verify --db "$db" --now "$now1" --no-dns -q --list k -o "$t/key.out" "$t/key.csv"
eq "... the list calls the second a duplicate" "$(grep -c duplicate "$t/key.out")" 1
eq "... and the store keeps one contact" "$(sqlite3 "$db" 'SELECT count(*) FROM contacts')" 1
eq "... under the folded key" "$(sqlite3 "$db" 'SELECT address FROM contacts')" "$(printf '\303\244nne@acme-robotics.io')"
# What an older leadgate kept: the keys ASCII-folded alone (schema 5), two
# spellings of one address apart, an event and a suppression under the
# old key.
printf 'email\n\303\244nne@acme-robotics.io\n\303\266l@acme-robotics.io\nol@acme-robotics.io\n' >"$t/key5.csv"
db=$t/key5.db
exits 1 "verify --list, then the database set back to schema 5" \
	"$lg" verify --db "$db" --now "$now1" --no-dns -q --list k -o /dev/null "$t/key5.csv"
sqlite3 "$db" "UPDATE contacts SET address = CAST(X'C3846E6E65' AS TEXT) || '@acme-robotics.io' WHERE address LIKE '%nne@%';
	UPDATE contacts SET address = CAST(X'C3966C' AS TEXT) || '@acme-robotics.io' WHERE address = 'ol@acme-robotics.io';
	INSERT INTO suppressions(address, why, since) VALUES (CAST(X'C3846E6E65' AS TEXT) || '@acme-robotics.io', 3, 1);
	INSERT INTO runs(kind, started_at) VALUES ('import', 1);
	INSERT INTO events(event_id, address, type, occurred_at, run_id)
	 VALUES ('k1', CAST(X'C3846E6E65' AS TEXT) || '@acme-robotics.io', 'email_open', 1, last_insert_rowid());
	DROP TABLE handoff_steps; DROP TABLE list_gates; DROP TABLE handoffs; DROP TABLE outbox; DROP TABLE rotations; DROP TABLE endpoints_disabled;
	DROP TABLE sns_messages;
	DROP TABLE jobs;
	DROP TABLE api_keys;
	DROP TABLE smtp_evidence; DROP TABLE smtp_domains; ALTER TABLE contacts DROP COLUMN smtp_outcome; ALTER TABLE contacts DROP COLUMN smtp_reply; ALTER TABLE contacts DROP COLUMN smtp_tls; ALTER TABLE contacts DROP COLUMN smtp_at;
	PRAGMA user_version = 5"
exits 0 "a writing command upgrades it" "$lg" score --db "$db" --now "$now1" -o /dev/null
eq "... to schema 14" "$(sqlite3 "$db" 'PRAGMA user_version')" 14
eq "... re-keying the contact" "$(sqlite3 "$db" "SELECT count(*) FROM contacts WHERE address = CAST(X'C3A46E6E65' AS TEXT) || '@acme-robotics.io'")" 1
eq "... its event" "$(sqlite3 "$db" "SELECT address = CAST(X'C3A46E6E65' AS TEXT) || '@acme-robotics.io' FROM events WHERE event_id = 'k1'")" 1
eq "... and its suppression" "$(sqlite3 "$db" "SELECT count(*) FROM suppressions WHERE address = CAST(X'C3A46E6E65' AS TEXT) || '@acme-robotics.io'")" 1
eq "... a spelling whose folded key another contact holds keeps its own" \
	"$(sqlite3 "$db" "SELECT count(*) FROM contacts WHERE address IN (CAST(X'C3966C' AS TEXT) || '@acme-robotics.io', CAST(X'C3B66C' AS TEXT) || '@acme-robotics.io')")" 2
eq "... nothing else changed" "$(sqlite3 "$db" 'SELECT count(*) FROM contacts')" 3
eq "... integrity_check" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok

# A disk really full (ENOSPC): a small tmpfs in a mount namespace of our
# own, where unshare(1) may make one (root, or user namespaces allowed).
mkdir "$t/tiny"
cat >"$t/full.sh" <<'SH'
# full.sh DIR LEADGATE NOW LIST ERR: on a 512 KiB tmpfs at DIR
mount -t tmpfs -o size=512k tmpfs "$1" 2>/dev/null || exit 99
"$2" verify --db "$1/lg.db" --now "$3" --no-dns -q --list big -o /dev/null "$4" 2>"$5"
echo "rc $?"
echo "integrity $(sqlite3 "$1/lg.db" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ')"
sed 's/^/err /' "$5"
SH
if unshare -rm true 2>/dev/null; then
	unshare -rm sh "$t/full.sh" "$t/tiny" "$lg" "$now1" "$t/big.csv" "$t/full.err" >"$t/full.out" 2>&1
	if grep -q '^rc ' "$t/full.out"; then
		eq "verify --list on a full disk exits 74" "$(sed -n 's/^rc //p' "$t/full.out")" 74
		check "full disk: the message says the disk is full" grep -q '^err .*disk is full' "$t/full.out"
		check "full disk: the message names the database" has "$t/full.out" "$t/tiny/lg.db"
		eq "full disk: integrity_check" "$(sed -n 's/^integrity //p' "$t/full.out")" "ok "
		grep '^err' "$t/full.out" | sed 's/^err /#   /' | head -n 2
	else
		ok "skipped: full disk (no tmpfs could be mounted: $(head -c 100 "$t/full.out"))"
	fi
else
	ok "skipped: full disk (unshare cannot make a mount namespace here)"
fi

echo "# total: $(($(ms) - t0)) ms"
echo "store: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
