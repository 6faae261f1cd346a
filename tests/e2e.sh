#!/bin/sh
# e2e.sh LEADGATE - end-to-end tests of the built binary on the bundled
# samples: every output row against a reviewed expected file, the exit
# codes of DESIGN.md, atomic output, and docs that name every reason code.
# Prints "N passed, N failed" last.
set -u
lg=${1:-build/leadgate}
t=$(mktemp -d /tmp/lg-e2e.XXXXXX)
trap 'sh tests/dnsd.sh stop "$t/dns"; rm -rf "$t"' EXIT
# The samples' mail hosts, from a DNS server on loopback.
port=$(sh tests/dnsd.sh start "$t/dns" samples/samples.zone) || exit 1
dns="--dns 127.0.0.1:$port --dns-timeout 200"
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
	name=$1; shift
	if "$@"; then ok; else bad "$name"; fi
}
exits() { # exits CODE NAME COMMAND...: passes when COMMAND exits CODE
	want=$1 name=$2; shift 2
	"$@" >"$t/out" 2>"$t/err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "$name: exit $got, want $want"; cat "$t/err"; fi
}
has() { grep -qF -- "$2" "$1"; }
not_has() { ! grep -qF -- "$2" "$1"; }
# mask FILE: verified_at times -> <time>, so runs compare equal
mask() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<time>/g' "$1" >"$1.m" && mv "$1.m" "$1"; }

# --- every row of the messy sample, CSV and JSON Lines ---------------------
exits 0 "messy csv" "$lg" verify $dns --no-progress samples/messy.csv
mask "$t/out"
check "messy csv rows" cmp -s "$t/out" tests/expected/messy.csv
[ -s "$t/out" ] && ! cmp -s "$t/out" tests/expected/messy.csv && diff tests/expected/messy.csv "$t/out" | head -20
check "ragged warning 11" has "$t/err" "samples/messy.csv:11: 2 fields, the header has 6"
check "ragged warning 12" has "$t/err" "samples/messy.csv:12: 8 fields, the header has 6"
check "footer reported" has "$t/err" "samples/messy.csv:21-25: Salesforce report footer (5 rows)"
check "summary rows" has "$t/err" "rows            15"

exits 0 "messy jsonl" "$lg" verify $dns -f jsonl samples/messy.csv
mask "$t/out"
check "messy jsonl rows" cmp -s "$t/out" tests/expected/messy.jsonl
# JSON keys are unique: a repeated header name gets _2, _3 ...; thousands
# of them are renamed in linear time (test_io counts the work).
awk 'BEGIN { h = "Email,Email"; r = "ann@contoso.com,second"; for (i = 1; i <= 3000; i++) { h = h ",x"; r = r "," i }
	print h; print r }' >"$t/dup.csv"
exits 0 "repeated header names as JSON keys" "$lg" verify --no-dns -q -f jsonl "$t/dup.csv"
check "repeated names: the first as it is, the next with _2" has "$t/out" '{"Email":"ann@contoso.com","Email_2":"second","x":"1","x_2":"2",'
check "repeated names: the last x" has "$t/out" '"x_3000":"3000","verify_status":"unknown"'
exits 0 "contacts" "$lg" verify $dns samples/contacts.csv
mask "$t/out"
check "contacts rows" cmp -s "$t/out" tests/expected/contacts.csv

# --- stdin, -o, --summary, --email-column ---------------------------------
"$lg" verify --no-dns -q - <samples/messy.csv >"$t/stdin.csv" 2>"$t/err"
check "stdin same as file" cmp -s "$t/stdin.csv" tests/expected/messy-nodns.csv
# --quiet drops the summary and the news (the footer skipped), never a
# warning that asks for a look at the input (the ragged rows).
check "quiet prints no summary" not_has "$t/err" "elapsed"
check "quiet prints no footer note" not_has "$t/err" "report footer"
check "quiet still warns of ragged rows" has "$t/err" "<stdin>:11: 2 fields, the header has 6"
exits 0 "-o" "$lg" verify --no-dns -q -o "$t/o.csv" --summary "$t/s.json" samples/messy.csv
check "-o file rows" cmp -s "$t/o.csv" tests/expected/messy-nodns.csv
check "-o leaves no temporary" test "$(ls "$t" | grep -c tmp)" -eq 0
check "summary json rows" has "$t/s.json" '"rows": 15'
check "summary json footer" has "$t/s.json" '"first_line": 21'
check "summary json reasons" has "$t/s.json" '"dns.skipped": 9'
exits 0 "--no-dns" "$lg" verify --no-dns -q --no-dns samples/messy.csv
check "--no-dns rows" cmp -s "$t/out" tests/expected/messy-nodns.csv

# --- the formula guard: auto (the default) leaves numbers, all, off --------
check "auto leaves the phone number" has "$t/out" ";+1 555 0100;"
check "auto guards the formula" has "$t/out" ";'=1+2;"
exits 0 "--formula-guard=all" "$lg" verify --no-dns -q --formula-guard=all samples/messy.csv
sed "s/;+1 555 0100;/;'+1 555 0100;/" tests/expected/messy-nodns.csv >"$t/all.csv"
check "all guards the phone number too, and nothing else" cmp -s "$t/out" "$t/all.csv"
exits 0 "--formula-guard off" "$lg" verify --no-dns -q --formula-guard off samples/messy.csv
sed "s/;'\([-=@]\)/;\1/" tests/expected/messy-nodns.csv >"$t/off.csv"
check "off writes every cell as it is" cmp -s "$t/out" "$t/off.csv"
check "off: the formula as it is" has "$t/out" ";=1+2;"
exits 0 "--formula-guard with JSON Lines" "$lg" verify --no-dns -q --formula-guard=all -f jsonl samples/messy.csv
check "JSON Lines has no guard" has "$t/out" '"Notes":"+1 555 0100"'
exits 64 "bad --formula-guard" "$lg" verify --no-dns --formula-guard=some samples/messy.csv
check "bad --formula-guard message" has "$t/err" "--formula-guard wants auto, all or off, not 'some'"
check "verify --help names --formula-guard" sh -c "'$lg' verify --help | grep -q -- '--formula-guard MODE'"

printf '[verify]\nrole_list = roles.txt\n' >"$t/env.conf"
printf 'hank\n' >"$t/roles.txt"
LEADGATE_CONFIG="$t/env.conf" "$lg" verify --no-dns -q samples/messy.csv >"$t/env.csv" 2>"$t/err"
check "\$LEADGATE_CONFIG is read" has "$t/env.csv" 'quarter";unknown;dns.skipped;role;hank@globex-corp.com;'
check "without it hank is no role" has tests/expected/messy-nodns.csv 'quarter";unknown;dns.skipped;;hank@globex-corp.com;'
exits 0 "column by number" "$lg" verify --no-dns -q -e 4 samples/messy.csv
check "column by number rows" cmp -s "$t/out" tests/expected/messy-nodns.csv

exits 0 "options after the file" "$lg" verify --no-dns samples/messy.csv -q -o "$t/after.csv"
check "options after the file rows" cmp -s "$t/after.csv" tests/expected/messy-nodns.csv
echo old >"$t/target.csv"
chmod 600 "$t/target.csv"
ln -s target.csv "$t/link.csv"
exits 0 "-o through a symlink" "$lg" verify --no-dns -q -o "$t/link.csv" samples/messy.csv
check "-o keeps the symlink" test -L "$t/link.csv"
check "-o writes the link's target" cmp -s "$t/target.csv" tests/expected/messy-nodns.csv
check "-o keeps the file's mode" test "$(stat -c %a "$t/target.csv")" = 600

# --- text after a closing quote ends the quoting; no row is lost ----------
printf 'Name,Email,Company\nAnn,ann@contoso.com,Contoso\nOlivia,"olivia@proseware.com"x,Proseware\nBob,bob@fabrikam.com,Fabrikam\nCara,cara@litware.com,Litware\nDan,dan@adatum.com,Adatum\n' >"$t/stray.csv"
exits 0 "stray quote" "$lg" verify --no-dns --summary "$t/stray.json" "$t/stray.csv"
check "stray quote: every row out" test "$(wc -l <"$t/out")" -eq 6
check "stray quote: the cell runs on" has "$t/out" "Olivia,olivia@proseware.comx,Proseware,"
check "stray quote: the next row is a row" has "$t/out" "Bob,bob@fabrikam.com,Fabrikam,"
check "stray quote warning" has "$t/err" "stray.csv:3: text after a closing quote, read as part of the cell"
check "stray quote summary" has "$t/err" "1 rows with text after a closing quote"
check "stray quote summary json" has "$t/stray.json" '"stray_quote_rows": 1'
awk 'BEGIN { print "Email,N"; for (i = 1; i <= 12; i++) printf "\"u%d@acme-robotics.io\"x,%d\n", i, i }' >"$t/strays.csv"
exits 0 "many stray quotes" "$lg" verify --no-dns "$t/strays.csv"
check "many stray quotes: every row out" test "$(wc -l <"$t/out")" -eq 13
check "many stray quotes: ten listed" test "$(grep -c 'text after a closing quote, read' "$t/err")" -eq 10
check "many stray quotes: the rest counted" has "$t/err" "strays.csv: 2 more rows with text after a closing quote not listed"
exits 0 "stray quotes with --quiet" "$lg" verify --no-dns -q "$t/strays.csv"
check "--quiet: still warned, a cell may be misread" has "$t/err" "strays.csv: 2 more rows with text after a closing quote not listed"
check "--quiet: no summary" not_has "$t/err" "elapsed"
printf '"Name"x,Email\nAnn,ann@contoso.com\n' >"$t/stray-hdr.csv"
exits 0 "stray quote in the header" "$lg" verify --no-dns -q "$t/stray-hdr.csv"
check "stray quote in the header: warned" has "$t/err" "stray-hdr.csv:1: text after a closing quote in the header, read as part of the name"
check "stray quote in the header: the name runs on" has "$t/out" "Namex,Email,verify_status"

# --- a header below a preamble (LinkedIn's Connections.csv) ---------------
li=tests/data/io/connections.csv
exits 0 "preamble" "$lg" verify --no-dns --summary "$t/li.json" "$li"
check "preamble rows" cmp -s "$t/out" tests/expected/connections-nodns.csv
check "preamble reported" has "$t/err" "connections.csv:1-3: skipped 3 lines above the header (line 4)"
check "preamble in the summary" has "$t/err" "3 lines above the header"
check "preamble json" has "$t/li.json" '"preamble_lines": 3'
check "preamble json header line" has "$t/li.json" '"header_line": 4'
exits 0 "preamble, -e 4" "$lg" verify --no-dns -q -e 4 "$li"
check "preamble, -e 4 rows" cmp -s "$t/out" tests/expected/connections-nodns.csv
exits 0 "preamble, -e by name" "$lg" verify --no-dns -q -e "email address" "$li"
check "preamble, -e by name rows" cmp -s "$t/out" tests/expected/connections-nodns.csv
exits 0 "--skip-lines 3" "$lg" verify --no-dns --skip-lines 3 "$li"
check "--skip-lines 3 rows" cmp -s "$t/out" tests/expected/connections-nodns.csv
check "--skip-lines 3 reported" has "$t/err" "connections.csv:1-3: skipped 3 lines above the header (line 4)"
exits 65 "--skip-lines 1" "$lg" verify --no-dns --skip-lines 1 "$li"
check "--skip-lines 1 reported" has "$t/err" "connections.csv:1: skipped 1 line above the header (line 2)"
check "--skip-lines 1: no email column, where" has "$t/err" "connections.csv:2: no email column"
exits 65 "--skip-lines 0: no search" "$lg" verify --no-dns --skip-lines 0 "$li"
check "--skip-lines 0: the first line" has "$t/err" 'connections.csv:1: no email column (looked for Email, Email Address, E-mail, Work Email ...); the header has "Notes:"'
exits 65 "--skip-lines past the end" "$lg" verify --no-dns --skip-lines 50 "$li"
check "--skip-lines past the end message" has "$t/err" "connections.csv: no header row below the 50 lines skipped"
exits 64 "--skip-lines -1" "$lg" verify --no-dns --skip-lines -1 "$li"
"$lg" verify --no-dns -q --summary "$t/m.json" -o /dev/null samples/messy.csv 2>/dev/null
check "no preamble json" has "$t/m.json" '"preamble_lines": 0'

# --- exit codes -------------------------------------------------------------
exits 0 "--help" "$lg" --help
check "help lists verify" has "$t/out" "verify"
exits 0 "verify --help" "$lg" verify --no-dns --help
check "verify help lists options" has "$t/out" "--email-column NAME"
exits 0 "--version" "$lg" --version
check "version" has "$t/out" "leadgate 0."
exits 64 "no command" "$lg"
exits 64 "unknown command" "$lg" frobnicate
exits 64 "unknown option" "$lg" verify --no-dns --frobnicate samples/messy.csv
exits 64 "bad format" "$lg" verify --no-dns -f xml samples/messy.csv
exits 64 "missing argument" "$lg" verify --no-dns samples/messy.csv -o
check "missing argument message" has "$t/err" "option -o wants an argument"
printf '\377\376E\000m\000' >"$t/utf16.csv"
exits 65 "UTF-16" "$lg" verify --no-dns "$t/utf16.csv"
check "UTF-16 message" has "$t/err" "UTF-16 text; save it as CSV UTF-8"
exits 64 "two inputs" "$lg" verify --no-dns samples/messy.csv samples/contacts.csv
exits 66 "missing input" "$lg" verify --no-dns "$t/nope.csv"
check "missing input message" has "$t/err" "cannot open $t/nope.csv: No such file"
printf 'Name,Phone\nann,1\n' >"$t/noemail.csv"
exits 65 "no email column" "$lg" verify --no-dns "$t/noemail.csv"
check "no email column names headers" has "$t/err" 'the header has "Name", "Phone"'
printf 'Email\na@x.io\n\0\n' >"$t/nul.csv"
exits 65 "NUL byte" "$lg" verify --no-dns "$t/nul.csv"
check "NUL line" has "$t/err" "nul.csv:3: NUL byte"
printf '[verify]\ntypo_frequent_min = lots\n' >"$t/bad.conf"
exits 78 "bad config" "$lg" verify --no-dns -c "$t/bad.conf" samples/messy.csv
check "bad config line" has "$t/err" "bad.conf:2: typo_frequent_min"
# The handoff's example, as the manual shows it, is read as written; the
# README shows the same lines; a rep it does not define is exit 78.
sed -n '/^\.Sh HANDOFF/,/^\.Ed/p' doc/leadgate.1 | sed '1,/^\.Bd/d;/^\.Ed/d' >"$t/handoff.conf"
check "man page has the handoff example" grep -q '^\[rep\.cy\]$' "$t/handoff.conf"
exits 0 "the handoff example" "$lg" verify --no-dns -q -c "$t/handoff.conf" -o /dev/null samples/messy.csv
while IFS= read -r l; do
	check "README shows the handoff example's '$l'" grep -qxF -- "$l" README.md
done <"$t/handoff.conf"
sed 's/^reps = ana, ben, cy$/reps = ana, bob, cy/' "$t/handoff.conf" >"$t/handoff-bad.conf"
exits 78 "a team naming a rep not defined" "$lg" verify --no-dns -q -c "$t/handoff-bad.conf" samples/messy.csv
check "... on its line" has "$t/err" "handoff-bad.conf:10: [team.sales] names rep 'bob'"
exits 74 "unwritable output" "$lg" verify --no-dns -o "$t/no/such/dir/out.csv" samples/messy.csv
exits 74 "full device" "$lg" verify --no-dns -o /dev/full samples/messy.csv
check "write error names the output" has "$t/err" "/dev/full: write error"
exits 66 "directory input" "$lg" verify --no-dns "$t"
check "directory input message" has "$t/err" "Is a directory"
exits 64 "empty --email-column" "$lg" verify --no-dns -e "" samples/messy.csv
exits 0 "reasons" "$lg" reasons

# --- documentation names every reason code and option ---------------------
cut -f1 "$t/out" >"$t/codes"
check "reason table non-empty" test "$(wc -l <"$t/codes")" -gt 20
while read -r code; do
	check "man page documents $code" has doc/leadgate.1 "$code"
	check "README documents $code" has README.md "$code"
done <"$t/codes"
for opt in output format formula-guard email-column skip-lines config summary progress no-progress no-dns quiet smtp smtp-port smtp-proxy smtp-greylist-wait; do
	check "man page documents --$opt" grep -q -- "Fl \\{0,1\\}-\\{0,1\\}$opt\\|--$opt\\|Fl $opt" doc/leadgate.1
done

# --- the manual: NAME is a whole line, mandoc finds nothing wrong -----------
# mdoc's .Nd is the one line apropos(1) and whatis(1) show: it must say
# all it says there, not stop on a word that wants a continuation.
check "man page has one .Nd" test "$(grep -c '^\.Nd ' doc/leadgate.1)" -eq 1
nd=$(sed -n 's/^\.Nd //p' doc/leadgate.1)
case " $nd" in
*" "a|*" "an|*" "and|*" "as|*" "at|*" "before|*" "by|*" "for|*" "from|*" "in|*" "into|*" "of|*" "on|*" "or|*" "the|*" "to|*" "with|*" ")
	bad "man page NAME line is cut off: '$nd'" ;;
*) ok ;;
esac
if command -v mandoc >/dev/null 2>&1; then
	# warnings and above; STYLE notes depend on the manuals installed
	check "mandoc -Tlint -Wwarning is clean" sh -c 'mandoc -Tlint -Wwarning doc/leadgate.1 >"$1" 2>&1' sh "$t/lint"
	sed 's/^/#   /' "$t/lint" | head -n 5
else
	echo "# mandoc is not installed: the manual is not linted (apt-get install mandoc)"
fi

# --- messy cells: several addresses, wrapped addresses, empty cells ---------
# Several addresses: the first verified, flag multiple, the cell kept as it
# is.  A wrapped address is never repaired, only suggested.  An empty cell
# is no address: counted apart, the rates over the other rows.
printf 'Name,Email\nAnn,"ann@acme-robotics.io, bob@contoso-labs.com"\nCy,cy@acme-robotics.io; dee@fabrikam.io\nEve,mailto:eve@acme-robotics.io\nFay,\302\240fay@acme-robotics.io\nGus,gus@acme-robotics.io.\nHal,<hal@acme-robotics.io>\nIda,\nJo,jo@acme-robotics.io\n' >"$t/cells.csv"
exits 0 "messy cells" "$lg" verify --no-dns --summary "$t/cells.json" "$t/cells.csv"
check "several addresses: the first, flagged, the cell kept" \
	has "$t/out" 'Ann,"ann@acme-robotics.io, bob@contoso-labs.com",unknown,dns.skipped,multiple,ann@acme-robotics.io,'
check "several addresses with ;" has "$t/out" "Cy,cy@acme-robotics.io; dee@fabrikam.io,unknown,dns.skipped,multiple,cy@acme-robotics.io,"
check "mailto: suggested, not repaired" has "$t/out" "Eve,mailto:eve@acme-robotics.io,undeliverable,syntax.local_char,,,eve@acme-robotics.io,"
check "a no-break space: suggested" has "$t/out" "fay@acme-robotics.io,undeliverable,syntax.invisible,,,fay@acme-robotics.io,"
check "a trailing dot: suggested" has "$t/out" "Gus,gus@acme-robotics.io.,undeliverable,syntax.label_empty,,,gus@acme-robotics.io,"
check "<> around: suggested" has "$t/out" "Hal,<hal@acme-robotics.io>,undeliverable,syntax.display_name,,,hal@acme-robotics.io,"
check "an empty cell: a row all the same" has "$t/out" "Ida,,undeliverable,syntax.empty,"
check "no address counted apart" has "$t/err" "no address      1         (empty email cell; the rates below are of the 7 rows with one)"
check "... the rates over the rows with one" has "$t/err" "undeliverable   4          57.1%"
check "... in the JSON summary" has "$t/cells.json" '"no_address": 1'
check "multiple in the flags count" has "$t/err" "multiple 2"

# --- JSON Lines in: told by its first '{', read as the CSV would be --------
# The same contacts as JSON Lines give the same rows: in CSV with -f csv,
# and by default in JSON Lines, as -f jsonl writes them for the CSV.
python3 -c '
import csv, json, sys
rows = csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))
head = next(rows)
for r in rows:
    print(json.dumps(dict(zip(head, r)), ensure_ascii=False))
' samples/contacts.csv >"$t/contacts.jsonl"
exits 0 "jsonl in, -f csv" "$lg" verify $dns -f csv "$t/contacts.jsonl"
mask "$t/out"
check "jsonl in: the CSV's rows" cmp -s "$t/out" tests/expected/contacts.csv
check "jsonl in: the summary says JSON Lines" has "$t/err" '(email column "Email", JSON Lines)'
exits 0 "contacts -f jsonl" "$lg" verify $dns -f jsonl samples/contacts.csv
mask "$t/out" && mv "$t/out" "$t/contacts-csv.jsonl"
exits 0 "jsonl in, jsonl out by default" "$lg" verify $dns "$t/contacts.jsonl"
mask "$t/out"
check "jsonl in: the rows -f jsonl writes for the CSV" cmp -s "$t/out" "$t/contacts-csv.jsonl"
# verify's own JSON Lines output, verified again: its verify_* keys are
# replaced, the rows are the same.
exits 0 "its own output again" "$lg" verify $dns "$t/contacts-csv.jsonl"
mask "$t/out"
check "jsonl in twice: the same rows" cmp -s "$t/out" "$t/contacts-csv.jsonl"

# Mixed keys, values that are not strings, bad lines, blank lines, a BOM
# and CRLF: every line is a row with a status, in order; bad lines by line.
printf '\357\273\277{"name":"Ann","email":"ann@acme-robotics.io","n":1.50}\r\n' >"$t/mixed.jsonl"
printf '{"email":"bob@acme-robotics.io","name":null,"tags":["a",2]}\r\n' >>"$t/mixed.jsonl"
printf '\r\n' >>"$t/mixed.jsonl"
printf '["cy@acme-robotics.io"]\r\n' >>"$t/mixed.jsonl"
printf '{"email":"dee@acme-robotics.io",\r\n' >>"$t/mixed.jsonl"
printf '{"n":true,"email":"eve@acme-robotics.io"}\r\n' >>"$t/mixed.jsonl"
printf 'eve@acme-robotics.io\r\n' >>"$t/mixed.jsonl"
exits 0 "mixed jsonl" "$lg" verify --no-dns --summary "$t/mixed.json" "$t/mixed.jsonl"
check "mixed: one row a line that is not blank" test "$(wc -l <"$t/out")" -eq 6
check "mixed: every row has a status" test "$(grep -c '"verify_status":"[a-z]*"' "$t/out")" -eq 6
check "mixed: the first object" has "$t/out" '{"name":"Ann","email":"ann@acme-robotics.io","n":"1.5","verify_status":"unknown","verify_reason":"dns.skipped"'
check "mixed: null empty, extra key kept" has "$t/out" '{"name":"","email":"bob@acme-robotics.io","n":"","verify_status":"unknown","verify_reason":"dns.skipped","verify_flags":["ragged"],'
check "mixed: ... after the columns" has "$t/out" '"_extra":["{\"tags\":[\"a\",2]}"]}'
check "mixed: an array kept, input.missing" has "$t/out" '{"name":"","email":"","n":"","verify_status":"undeliverable","verify_reason":"input.missing","verify_flags":[],"verify_normalized":null,"verify_suggestion":null,"verify_mx":null,"verify_provider":null,"verified_at":null,"verify_smtp":null,"_extra":["[\"cy@acme-robotics.io\"]"]}'
check "mixed: keys in another order" has "$t/out" '{"name":"","email":"eve@acme-robotics.io","n":"true","verify_status"'
check "mixed: a bare address is no object" has "$t/out" '"_extra":["eve@acme-robotics.io"]}'
check "mixed: the extra key by line" has "$t/err" "mixed.jsonl:2: 4 cells, the first line has 3 keys (the other keys kept after them, flagged ragged)"
check "mixed: the array by line" has "$t/err" "mixed.jsonl:4: not a JSON object (a JSON array, not an object): kept as it is, input.missing"
check "mixed: the broken object by line" has "$t/err" "mixed.jsonl:5: not a JSON object (column"
check "mixed: the bare address by line" has "$t/err" "mixed.jsonl:7: not a JSON object"
check "mixed: the blank line counted" has "$t/err" "1 ragged rows, 1 blank lines, 0 footer rows, 3 lines not JSON objects"
check "mixed: summary format" has "$t/mixed.json" '"input_format": "jsonl"'
check "mixed: summary bad lines" has "$t/mixed.json" '"malformed_lines": 3'
exits 0 "mixed jsonl as CSV" "$lg" verify --no-dns -q -f csv "$t/mixed.jsonl"
check "as CSV: the BOM and CRLF mirrored" has "$t/out" "$(printf '\357\273\277name,email,n,verify_status')"
check "as CSV: the bad line in the last cell" has "$t/out" ',,,undeliverable,input.missing,,,,,,,,"{""email"":""dee@acme-robotics.io"","'
check "as CSV: six rows" test "$(grep -c 'verify_status\|dns.skipped\|input.missing' "$t/out")" -eq 7

# Told by --input-format: a CSV whose first cell starts with '{'.
printf '{id},email\n1,ann@acme-robotics.io\n' >"$t/brace.csv"
exits 65 "a CSV that starts with { is taken for JSON Lines" "$lg" verify --no-dns -q "$t/brace.csv"
check "... and says so" has "$t/err" "brace.csv:1: the first line of JSON Lines is not a JSON object"
exits 0 "--input-format csv" "$lg" verify --no-dns -q --input-format csv "$t/brace.csv"
check "... reads it as CSV, written as CSV" has "$t/out" "1,ann@acme-robotics.io,unknown,dns.skipped"
exits 65 "--input-format jsonl on a CSV" "$lg" verify --no-dns -q --input-format jsonl samples/contacts.csv
check "... says where" has "$t/err" "contacts.csv:1: the first line of JSON Lines is not a JSON object"
exits 64 "--input-format xml" "$lg" verify --no-dns -q --input-format xml samples/contacts.csv
check "... names the choices" has "$t/err" "--input-format wants csv or jsonl, not 'xml'"

# --- a configuration file with a UTF-8 byte order mark ---------------------
printf '\357\273\277[verify]\ntypo_frequent_min = 5\n' >"$t/bom.conf"
exits 0 "a configuration file that starts with a BOM" "$lg" verify --no-dns -q -c "$t/bom.conf" -o /dev/null "$t/cells.csv"
printf '\357\273\277[verify]\ntypo_frequent_min = 1\n' >"$t/bom-bad.conf"
exits 78 "... read as any other: its errors still found" "$lg" verify --no-dns -q -c "$t/bom-bad.conf" -o /dev/null "$t/cells.csv"
check "... on its line" has "$t/err" "bom-bad.conf:2: typo_frequent_min"

# --- a list name is one line ------------------------------------------------
exits 64 "a list name with a line break" "$lg" verify --db "$t/names.db" --no-dns -q --list "$(printf 'q4\nwebinar')" -o /dev/null "$t/cells.csv"
check "... says why" has "$t/err" "--list wants a name of 1 to 127 bytes without control characters"
exits 64 "a list name with a tab" "$lg" verify --db "$t/names.db" --no-dns -q --list "$(printf 'q4\twebinar')" -o /dev/null "$t/cells.csv"
check "... and no database made" test ! -e "$t/names.db"

# --- -o on a device writes to it and never replaces it --------------------
exits 0 "-o /dev/null" "$lg" verify --no-dns -q -o /dev/null samples/messy.csv
check "/dev/null is still a device" test -c /dev/null

# --- progress: forced on (stderr is no terminal here), or off -------------
awk 'BEGIN { print "Email,N"; for (i = 0; i < 1500000; i++) printf "p%d@acme-robotics.io,%d\n", i, i }' \
	>"$t/progress.csv"
"$lg" verify --no-dns -q --progress -o /dev/null "$t/progress.csv" 2>"$t/err"
check "--progress draws a bar with an ETA" has "$t/err" "ETA"
check "--progress shows the rate" has "$t/err" "rows/s"
"$lg" verify --no-dns -q --no-progress -o /dev/null "$t/progress.csv" 2>"$t/err"
check "--no-progress -q prints nothing" test ! -s "$t/err"
rm -f "$t/progress.csv"

# --- an interrupted run leaves the old output or none, never half ----------
awk 'BEGIN { print "Email,N"; for (i = 0; i < 400000; i++) printf "u%d@acme-robotics.io,%d\n", i, i }' \
	>"$t/big.csv"
echo "previous" >"$t/keep.csv"
"$lg" verify --no-dns -q -o "$t/keep.csv" "$t/big.csv" &
pid=$!
sleep 0.2
kill -TERM "$pid" 2>/dev/null
{ wait "$pid"; } 2>/dev/null
if [ "$(head -c 8 "$t/keep.csv")" = "previous" ]; then ok
elif [ "$(wc -l <"$t/keep.csv")" -eq 400001 ]; then ok # it finished first
else bad "interrupted run left a partial file"; fi
check "interrupted run removed its temporary" test "$(ls "$t" | grep -c 'keep.csv.tmp')" -eq 0

echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
