#!/bin/sh
# serve_contact.sh LEADGATE - one contact as it stands: `leadgate contact
# EMAIL` (its verdicts newest first, freshness, score, stage) as text and
# JSON, and GET /v1/contacts/{email} answering the same bytes through a
# real HTTP client (curl); an address with '/' in its local part on
# every contact route.  unbound on loopback (tests/dnsd.sh) and the
# server are stopped by PID.  Prints "N passed, N failed" last.
set -u
. tests/lib.sh
suite_init lg-contact "$@"
srv=
trap 'serve_cleanup $srv' EXIT
need curl python3

dns_zone "$t/zone" "acme-soft.com. 3600 MX 10 mx.acme-soft.com."
dns_start "$t/zone"
db=$t/lg.db
day0=2026-03-01T00:00:00Z
day10=2026-03-11T00:00:00Z
now=2026-03-12T00:00:00Z
jget() { # jget FILE EXPR: a Python expression on the JSON object o of FILE
	python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}

# --- the command line -------------------------------------------------------
printf 'Email,Job Title\nann@acme-soft.com,VP Sales\na/b@acme-soft.com,CTO\nbob@acme-soft.com,Manager\n' >"$t/crm.csv"
printf 'Email\nAnn@Acme-Soft.com\n' >"$t/other.csv"
"$lg" --db "$db" --now "$day0" verify $dns --list crm -q -o /dev/null "$t/crm.csv" 2>"$t/verify.err"
"$lg" --db "$db" --now "$day10" verify --no-dns --list other -q -o /dev/null "$t/other.csv" 2>>"$t/verify.err"
printf 'Email,Type,Code,Reason,Time,Id\nbob@acme-soft.com,hard,550 5.1.1,user unknown,2026-03-05T00:00:00Z,b-1\n' >"$t/bounces.csv"
"$lg" --db "$db" --now "$day10" bounces import "$t/bounces.csv" >/dev/null 2>>"$t/verify.err"

exits 0 "contact: a contact in any spelling" "$lg" --db "$db" --now "$now" contact ANN@acme-soft.com
cp "$t/out" "$t/ann.txt"
exits 0 "contact: --format json" "$lg" --db "$db" --now "$now" contact ann@acme-soft.com --format json
cp "$t/out" "$t/ann.json"
eq "contact: one line of JSON" "$(wc -l <"$t/ann.json" | tr -d ' ')" 1
eq "contact: its verdicts newest first, each with its run's list and how" \
	"$(jget "$t/ann.json" '[(h["list"], h["how"], h["status"], h["reason"], h["verified_at"]) for h in o["history"]]')" \
	"[('other', 'verify', 'unknown', 'dns.skipped', '2026-03-11T00:00:00Z'), ('crm', 'verify', 'deliverable', 'ok', '2026-03-01T00:00:00Z')]"
eq "contact: the verdict as it stands is the decided one, not the unknown" \
	"$(jget "$t/ann.json" '(o["verdict"]["status"], o["verdict"]["mx"], o["verdict"]["verified_at"], o["suppressed"])')" \
	"('deliverable', 'mx.acme-soft.com', '2026-03-01T00:00:00Z', None)"
eq "contact: how many, and nothing left out" "$(jget "$t/ann.json" '(o["history_total"], o["truncated"])')" "(2, False)"
eq "contact: freshness of an 11-day-old verdict" \
	"$(jget "$t/ann.json" '(o["freshness"]["class"], o["freshness"]["age_days"], o["freshness"]["stale_at"])')" \
	"('aging', 11.0, '2026-03-31T00:00:01Z')"
eq "contact: score and stage" "$(jget "$t/ann.json" '(sorted(o["score"]), o["stage"], o["stage_since"])')" \
	"(['confidence', 'eligible', 'engagement', 'fit', 'grade', 'intent', 'total'], 'lead', None)"
grep -q '^ann@acme-soft.com: deliverable (ok), verified 2026-03-01T00:00:00Z$' "$t/ann.txt" &&
	grep -q '^  freshness aging: 11.00 days old' "$t/ann.txt" &&
	grep -q '^verdicts, newest first (2 of 2):$' "$t/ann.txt" &&
	grep -q '^  2026-03-11T00:00:00Z  unknown .* verify  run 2, list other$' "$t/ann.txt" &&
	ok "contact: the text form" || { notok "contact: the text form"; sed 's/^/#   /' "$t/ann.txt"; }

# the freshness is the configured decay's
exits 0 "contact: 31 days on" "$lg" --db "$db" --now 2026-04-01T00:00:00Z contact ann@acme-soft.com -f json
eq "contact: stale after 30 days" "$(jget "$t/out" 'o["freshness"]["class"]')" stale
printf '[decay]\nfresh_days = 20\nstale_days = 40\n' >"$t/decay.conf"
exits 0 "contact: another decay" "$lg" --db "$db" --now "$now" contact ann@acme-soft.com -f json --config "$t/decay.conf"
eq "contact: fresh under fresh_days = 20" "$(jget "$t/out" '(o["freshness"]["class"], o["freshness"]["stale_at"])')" \
	"('fresh', '2026-04-10T00:00:01Z')"

# a hard bounce is a verdict, and suppresses
exits 0 "contact: a bounced contact" "$lg" --db "$db" --now "$now" contact bob@acme-soft.com -f json
eq "contact: the bounce first, then the list's" \
	"$(jget "$t/out" '([(h["kind"], h["how"], h["list"], h["reason"]) for h in o["history"]], o["suppressed"], o["verdict"]["reason"])')" \
	"([('import', 'bounce', None, 'bounce.hard'), ('verify', 'verify', 'crm', 'ok')], 'bounce', 'bounce.hard')"

# bounded: the last 20, and how many in all
printf 'Email\nann@acme-soft.com\n' >"$t/one.csv"
i=1
while [ $i -le 21 ]; do
	"$lg" --db "$db" --now "2026-03-11T01:$(printf %02d $i):00Z" verify --no-dns --list "l$i" -q -o /dev/null "$t/one.csv" 2>>"$t/verify.err"
	i=$((i + 1))
done
exits 0 "contact: 23 verdicts" "$lg" --db "$db" --now "$now" contact ann@acme-soft.com -f json
eq "contact: the newest 20 of 23, said truncated" \
	"$(jget "$t/out" '(len(o["history"]), o["history_total"], o["truncated"], o["history"][0]["list"], o["history"][-1]["list"])')" \
	"(20, 23, True, 'l21', 'l2')"
exits 0 "contact: 23 verdicts as text" "$lg" --db "$db" --now "$now" contact ann@acme-soft.com
grep -q '^verdicts, newest first (20 of 23):$' "$t/out" && grep -q '^  and 3 older, not shown$' "$t/out" &&
	ok "contact: the text says what it left out" || { notok "contact: the text says what it left out"; tail -n 3 "$t/out" | sed 's/^/#   /'; }

exits 66 "contact: a contact the store lacks" "$lg" --db "$db" --now "$now" contact nobody@acme-soft.com
grep -q '^leadgate: nobody@acme-soft.com: no such contact' "$t/err" && ok "contact: says which" || notok "contact: says which"
exits 64 "contact: two addresses" "$lg" --db "$db" contact a@x.com b@x.com
exits 64 "contact: --format csv" "$lg" --db "$db" contact ann@acme-soft.com --format csv
exits 64 "contact: an option of another command" "$lg" --db "$db" contact ann@acme-soft.com --reason x
exits 0 "contact --help" "$lg" contact --help
grep -q '^Usage: leadgate contact EMAIL' "$t/out" && ok "contact --help: usage" || notok "contact --help: usage"

# --- the service -------------------------------------------------------------
key_make k_leads sales leads
key_make k_verify ci verify
printf '[serve]\nrate = 1000\nburst = 1000\n' >"$t/serve.conf"
serve_start srv "$t/serve.conf"
srv=$pid

same() { # same NAME FILE: $t/body is FILE, byte for byte
	cmp -s "$t/body" "$2" && ok "$1" || { notok "$1"; head -c 400 "$t/body" "$2" | sed 's/^/#   /'; }
}

"$lg" --db "$db" --now "$now" contact ann@acme-soft.com -f json >"$t/ann.json"
req "GET a contact" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/Ann%40acme-soft.com"
same "GET a contact is contact --format json, byte for byte" "$t/ann.json"
req "GET a contact, @ as it is" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/ann@acme-soft.com"
same "GET a contact, @ as it is: the same bytes" "$t/ann.json"
"$lg" --db "$db" --now "$now" contact bob@acme-soft.com -f json >"$t/bob.json"
# the view is the document's contact schema: every member it requires,
# and none it does not describe, in the view and in each verdict
eq "GET a contact: as doc/openapi.json describes it" "$(python3 -c '
import json, sys
doc = json.load(open("doc/openapi.json"))
schema = doc["components"]["schemas"]["contact"]
get = doc["paths"]["/v1/contacts/{email}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
def check(o, s, where):
	bad = []
	if s.get("type") == "object" or "required" in s:
		props = s.get("properties", {})
		if set(o) != set(s["required"]) or set(o) != set(props):
			bad.append("%s: %s" % (where, sorted(set(o) ^ set(s["required"]))))
		for k, v in o.items():
			if k in props:
				bad += check(v, props[k], where + "." + k)
	elif s.get("type") == "array":
		for i, v in enumerate(o):
			bad += check(v, s["items"], "%s[%d]" % (where, i))
	elif "enum" in s and o not in s["enum"]:
		bad.append("%s: %r" % (where, o))
	return bad
print(get == {"$ref": "#/components/schemas/contact"} and
      [b for f in sys.argv[1:] for b in check(json.load(open(f)), schema, f)])
' "$t/body" "$t/bob.json")" "[]"
req "GET a bounced contact" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/bob%40acme-soft.com"
same "GET a bounced contact is contact --format json" "$t/bob.json"

# an address with '/' in its local part, percent-encoded: the server sees
# it decoded, and the route still finds the address whole
"$lg" --db "$db" --now "$now" contact 'a/b@acme-soft.com' -f json >"$t/ab.json"
eq "contact a/b@: recorded by the list" "$(jget "$t/ab.json" 'o["email"], o["history"][0]["list"]')" "('a/b@acme-soft.com', 'crm')"
req "GET a contact with '/'" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/a%2Fb%40acme-soft.com"
same "GET a contact with '/' is contact --format json" "$t/ab.json"
"$lg" --db "$db" --now "$now" qualify 'a/b@acme-soft.com' -f json >"$t/ab-q.json"
req "GET a contact with '/': qualify" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/a%2Fb%40acme-soft.com/qualify"
same "qualify of a contact with '/' is qualify --format json" "$t/ab-q.json"
"$lg" --db "$db" --now "$now" score --explain 'a/b@acme-soft.com' --format jsonl >"$t/ab-s.json"
req "GET a contact with '/': score" 200 -H "$(auth "$k_leads")" "$url/v1/contacts/a%2Fb%40acme-soft.com/score"
same "score of a contact with '/' is score --explain" "$t/ab-s.json"
req "POST evidence of a contact with '/'" 200 -H "$(auth "$k_leads")" \
	-d '{"criterion": "budget", "status": "met", "confidence": 0.8, "source": "call"}' \
	"$url/v1/contacts/a%2Fb%40acme-soft.com/evidence"
eq "evidence of a/b@: its address" "$(jget "$t/body" 'o["address"]')" "a/b@acme-soft.com"
req "POST a decision on a contact with '/'" 200 -H "$(auth "$k_leads")" \
	-d '{"decision": "reject", "reason": "no_budget"}' "$url/v1/contacts/a%2Fb%40acme-soft.com/decision"
eq "the decision on a/b@: its address" "$(jget "$t/body" 'o["address"]')" "a/b@acme-soft.com"
req "GET of a POST route of a contact with '/'" 405 -H "$(auth "$k_leads")" "$url/v1/contacts/a%2Fb%40acme-soft.com/evidence"
req "GET of a POST route" 405 -H "$(auth "$k_leads")" "$url/v1/contacts/ann%40acme-soft.com/decision"
req "a '/' in a contact the store lacks" 404 -H "$(auth "$k_leads")" "$url/v1/contacts/x%2Fy%40acme-soft.com"
errcode contact_not_found
long=$(printf 'x%.0s' $(seq 200)) # under the path's 512 bytes, over an address's 254
for v in "" /qualify /score; do
	req "GET$v of an address too long for a contact" 404 -H "$(auth "$k_leads")" \
		"$url/v1/contacts/$long%40$long.com$v"
	errcode contact_not_found
done
req "an unknown route under a contact" 404 -H "$(auth "$k_leads")" "$url/v1/contacts/ann%40acme-soft.com/nothing"
req "a contact without a key" 401 "$url/v1/contacts/a%2Fb%40acme-soft.com"
req "a contact with a key without leads" 403 -H "$(auth "$k_verify")" "$url/v1/contacts/a%2Fb%40acme-soft.com"

grep -E '@|lg_[A-Za-z0-9]{8}' "$t/srv.err" | grep -v 'listening' >"$t/leak"
eq "the log holds no address or key" "$(wc -l <"$t/leak" | tr -d ' ')" 0

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
