#!/bin/sh
# serve_page.sh LEADGATE - the service's page in a real browser: unbound on
# loopback serving the samples' zone, `leadgate serve` on a free loopback
# port with a real database, headless Chromium driven through the DevTools
# protocol (tests/page.py).  The page is loaded, the key entered, the
# sample list uploaded as a job; the counts the page shows are checked
# against the API's and the CLI's.  Then, past a page of lists and of
# jobs, the page shows the first page of each and "Show more" the rest.
# The screenshots are kept in build/test-artifacts/page.png and
# page-all.png.  Everything is stopped by PID.  Prints
# "N passed, N failed" last; skipped (exit 0) only when chromium is not
# installed.
set -u
. tests/lib.sh

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "serve_page.sh: skipped: chromium not installed (make deps)"; exit 0; }
need curl python3

suite_init lg-page "$@"
art=$(dirname "$lg")/test-artifacts
srv=
trap 'serve_cleanup $srv' EXIT
dns_start samples/samples.zone
now=2026-11-22T09:00:00Z
db=$t/lg.db

key_make key page lists,jobs

# page WHAT ARGS...: tests/page.py ARGS in the browser; its checks are
# counted with the suite's
page() {
	what=$1; shift
	timeout 300 python3 tests/page.py "$chromium" "$@" >"$t/page.tap" 2>"$t/page.err"
	rc=$?
	cat "$t/page.tap"
	[ $rc -eq 0 ] || { notok "$what exited $rc"; sed 's/^/#   /' "$t/page.err" | tail -n 5; }
	pass=$((pass + $(grep -c '^ok - ' "$t/page.tap")))
	fail=$((fail + $(grep -c '^not ok - ' "$t/page.tap")))
}

# start NAME [SERVE_ARGS...]: a server on a free port (serve_start), its
# PID in $srv
start() {
	name=$1
	shift
	serve_start "$name" "" "$@"
	srv=$pid
}
start serve

# --- the page's files, as a client sees them --------------------------------
# get NAME WANT_STATUS PATH [CURL_ARGS...]: headers in $t/head, body in $t/body
get() {
	name=$1 want=$2 path=$3; shift 3
	rm -f "$t/body"
	touch "$t/body" # curl writes nothing when nothing comes
	got=$(curl -s -o "$t/body" -D "$t/head" -w '%{http_code}' "$@" "$url$path")
	eq "$name: status" "$got" "$want"
}
csp="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
for f in /:text/html:serve/page/index.html /assets/app.js:text/javascript:serve/page/app.js \
	/assets/app.css:text/css:serve/page/app.css; do
	path=${f%%:*} rest=${f#*:}
	type=${rest%%:*} file=${rest#*:}
	get "GET $path without a key" 200 "$path"
	eq "$path: Content-Type" "$(hdr Content-Type)" "$type; charset=utf-8"
	eq "$path: Content-Security-Policy" "$(hdr Content-Security-Policy)" "$csp"
	eq "$path: nosniff" "$(hdr X-Content-Type-Options)" nosniff
	eq "$path: Cache-Control" "$(hdr Cache-Control)" no-cache
	if cmp -s "$t/body" "$file"; then ok "$path is $file"; else notok "$path differs from $file"; fi
	etag=$(hdr ETag)
	case $etag in \"*\") ok "$path: ETag $etag" ;; *) notok "$path: ETag is '$etag'" ;; esac
	get "$path again with its ETag" 304 "$path" -H "If-None-Match: $etag"
	eq "$path: a 304 has no body" "$(wc -c <"$t/body" | tr -d ' ')" 0
	get "$path with another ETag" 200 "$path" -H 'If-None-Match: "0000000000000000"'
done
get "an unknown file of the page" 404 /assets/nothing.js
eq "404 body" "$(cat "$t/body")" '{"error":{"code":"not_found","message":"no such file of the page"}}'
get "POST to the page" 405 / -X POST
get "HEAD of the page" 200 / -I
if grep -qi '<script>\|<style\| on[a-z]*=\| style=' serve/page/index.html; then
	notok "index.html holds inline script or style (the CSP forbids them)"
else ok "index.html holds no inline script or style"; fi
if grep -n '\.innerHTML\|\.outerHTML\|insertAdjacentHTML\|document\.write\|eval(\|new Function' serve/page/app.js >"$t/grep"; then
	notok "app.js writes markup from strings:"; sed 's/^/#   /' "$t/grep"
else ok "app.js puts text in the page only through textContent"; fi

# --- the page in the browser ------------------------------------------------
# The page works on the lists' and the jobs' routes: the server has them.
"$lg" serve --routes >"$t/routes"
has() { grep -qx "$1" "$t/routes"; }
for r in "GET /v1/lists" "POST /v1/jobs" "GET /v1/jobs" \
	"GET /v1/jobs/{id}/results"; do
	if has "$r"; then ok "the server has $r"; else notok "the server has no $r"; fi
done
args="--lists --upload samples/contacts.csv --list page-q4"
case $args in "") ;; *) args="$args --bad-key lg_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" ;; esac
mkdir -p "$art"
rm -f "$art/page.png"
# shellcheck disable=SC2086 # args are words
page page.py "$t/browser" "$url" "$key" $args --shot "$art/page.png" --out "$t/shown.json"
if [ -s "$art/page.png" ]; then ok "the screenshot is kept in $art/page.png"; else
	notok "no screenshot"; fi

# --- what the page showed, against the API and the CLI ---------------------
auth="Authorization: Bearer $key"
job=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("job_id") or "")' "$t/shown.json")
case $args in *--upload*)
	if [ -n "$job" ]; then
		curl -s -H "$auth" "$url/v1/jobs/$job" >"$t/job.json"
		curl -s -H "$auth" "$url/v1/jobs/$job/results?format=csv" >"$t/results.csv"
		# The CLI's counts: its summary's (a row with no address counted
		# apart, as the job counts it).
		"$lg" --now "$now" verify -q $dns --summary "$t/cli.json" -o "$t/cli.csv" \
			samples/contacts.csv 2>"$t/cli.err"
		if python3 - "$t/shown.json" "$t/job.json" "$t/cli.json" >"$t/diff" <<'PY'; then ok "the job's counts on the page are the API's and the CLI's"; else
import json, sys
shown = json.load(open(sys.argv[1]))["job"]["by"]
cli = json.load(open(sys.argv[3]))["status"]
api = json.load(open(sys.argv[2]))["counts"]
bad = False
for s in ("deliverable", "risky", "undeliverable", "unknown"):
    p, a, c = int(shown[s]), api.get(s, 0), cli.get(s, 0)
    print("%s: page %d, API %d, CLI %d" % (s, p, a, c))
    bad |= not (p == a == c)
p, a, c = int(shown["no_address"]), api.get("no_address", 0), json.load(open(sys.argv[3]))["no_address"]
print("no address: page %d, API %d, CLI %d" % (p, a, c))
bad |= not (p == a == c)
bad |= sum(cli.values()) == 0
sys.exit(1 if bad else 0)
PY
			notok "the job's counts differ"; fi
		sed 's/^/#   /' "$t/diff"
		dl=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("download") or "")' "$t/shown.json")
		if [ -n "$dl" ] && cmp -s "$dl" "$t/results.csv"; then ok "the download is the API's results"; else
			notok "the download differs from GET /v1/jobs/$job/results"; fi
		if cmp -s "$t/results.csv" "$t/cli.csv"; then ok "the results are the CLI's output"; else
			notok "the results differ from leadgate verify's output"; fi
	fi
	;;
esac
case $args in *--lists*--upload*)
	curl -s -H "$auth" "$url/v1/lists" >"$t/lists.json"
	"$lg" --db "$db" --now "$now" lists --format json >"$t/cli-lists.json" 2>"$t/cli.err"
	if python3 - "$t/shown.json" "$t/lists.json" "$t/cli-lists.json" >"$t/diff" <<'PY'; then ok "the list's counts and gate on the page are the API's and the CLI's"; else
import json, sys
shown = [r for r in json.load(open(sys.argv[1]))["lists"] if r["data-list"] == "page-q4"][0]
def find(path):
    d = json.load(open(path))
    d = d if isinstance(d, list) else d["lists"]
    return [l for l in d if l["name"] == "page-q4"][0]
api, cli = find(sys.argv[2]), find(sys.argv[3])
bad = api != cli
for s in ("deliverable", "risky", "undeliverable", "unknown"):
    p = int(shown["by"][s])
    print("%s: page %d, API %d, CLI %d" % (s, p, api["by_status"][s], cli["by_status"][s]))
    bad |= not (p == api["by_status"][s] == cli["by_status"][s])
gate = shown["cells"][1]
print("gate: page %s, API %s" % (gate, api["gate"]["decision"]))
bad |= gate != api["gate"]["decision"]
sys.exit(1 if bad else 0)
PY
		notok "the list's counts differ"; fi
	sed 's/^/#   /' "$t/diff"
	;;
esac

serve_stop "$srv"
eq "the server stops on SIGTERM: exit 0" "$?" 0
srv=

# --- more lists and jobs than a page holds: the page shows them all --------
# 101 more jobs, each recording a list of its own: with the one above, 102
# jobs and 102 lists, past the first page of each (50 jobs, 100 lists).
# The key's rate is raised for the posts.
printf '[serve]\nrate = 1000\nburst = 1000\n' >"$t/many.conf"
start serve2 --config "$t/many.conf"
printf 'email\nmaria.garcia@northwind-traders.com\n' >"$t/one.csv"
i=1 posted=0
while [ $i -le 101 ]; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" -H 'Content-Type: text/csv' \
		--data-binary @"$t/one.csv" "$url/v1/jobs?list=many-$(printf %03d $i)")
	[ "$code" = 202 ] && posted=$((posted + 1))
	i=$((i + 1))
done
eq "101 more jobs posted" "$posted" 101
# every job ended (each a list version), at most a minute
i=0
while [ $i -lt 300 ]; do
	curl -s -H "$auth" "$url/v1/jobs?limit=1000" >"$t/jobs.json"
	python3 -c '
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
sys.exit(0 if len(jobs) == 102 and all(j["status"] not in ("queued", "running") for j in jobs) else 1)' \
		"$t/jobs.json" && break
	sleep 0.2
	i=$((i + 1))
done
"$lg" --db "$db" --now "$now" lists --format json >"$t/cli-lists.json" 2>"$t/cli.err"
eq "the store holds 102 lists" "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$t/cli-lists.json")" 102
page "page.py --all" "$t/browser2" "$url" "$key" --all --shot "$art/page-all.png" --out "$t/shown-all.json"
shown() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$t/shown-all.json" "$1"; }
eq "the page shows one page of lists first" "$(shown lists_first)" 100
eq "... and one page of jobs" "$(shown jobs_first)" 50
eq "Show more shows every list, in name order, as lists --format json" \
	"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["lists_all"])' "$t/shown-all.json")" \
	"$(python3 -c 'import json, sys; print([l["name"] for l in json.load(open(sys.argv[1]))])' "$t/cli-lists.json")"
eq "... and every job, newest first, as the API lists them" \
	"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["jobs_all"])' "$t/shown-all.json")" \
	"$(python3 -c 'import json, sys; print([str(j["id"]) for j in json.load(open(sys.argv[1]))["jobs"]])' "$t/jobs.json")"

serve_stop "$srv"
eq "the second server stops on SIGTERM: exit 0" "$?" 0
srv=
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
