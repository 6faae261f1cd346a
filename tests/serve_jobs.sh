#!/bin/sh
# serve_jobs.sh LEADGATE - the bulk jobs of `leadgate serve` through curl:
# unbound on a loopback port answering from the samples' zone
# (tests/dnsd.sh), the server on a free loopback port with a real
# database, both stopped by PID.  The results are held against
# `leadgate verify` of the same input.  Prints "N passed, N failed" last.
set -u
. tests/lib.sh
suite_init lg-sjobs "$@"
srv=
trap 'serve_cleanup $srv ${held_pid:-}' EXIT
need curl python3

dns_start samples/samples.zone
now=2026-11-22T09:00:00Z
db=$t/lg.db

key_make k_jobs bulk jobs
key_make k_verify one verify

# start NAME CONFIG: a server on a free port (serve_start), its PID in $srv
start() {
	serve_start "$@"
	srv=$pid
}
stop() { # SIGTERM, and wait for the exit
	serve_stop "$srv"
	srv=
}
printf '[serve]\ntimeout = 5\nrate = 1000\nburst = 1000\n' >"$t/serve.conf"

field() { # field KEY: KEY of the JSON object in $t/body
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else v)' "$t/body" "$1" 2>&1
}
post() { # post FILE [QUERY]: POST /v1/jobs, the new job's id in $id
	req "POST /v1/jobs $1 ${2:-}" 202 -H "$(auth "$k_jobs")" -H 'Content-Type: text/csv' \
		--data-binary "@$1" "$url/v1/jobs${2:-}"
	id=$(field id)
}
wait_done() { # wait_done ID: until its status is no longer queued or running (60 s at most)
	i=0
	while [ $i -lt 600 ]; do
		s=$(curl -s -H "$(auth "$k_jobs")" "$url/v1/jobs/$1" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)
		case $s in queued | running | '') sleep 0.1 ;; *) echo "$s"; return ;; esac
		i=$((i + 1))
	done
	echo timeout
}
results() { # results ID FORMAT OUT
	curl -s -o "$3" -w '%{http_code}' -H "$(auth "$k_jobs")" "$url/v1/jobs/$1/results?format=$2"
}

# --- what the command line makes of the sample ----------------------------
"$lg" --now "$now" verify --no-progress -q $dns -o "$t/cli.csv" samples/contacts.csv
"$lg" --now "$now" verify --no-progress -q $dns -f jsonl -o "$t/cli.jsonl" samples/contacts.csv
"$lg" --db "$t/cli.db" --now "$now" verify --no-progress -q $dns --list sample \
	-o "$t/cli-list.csv" samples/contacts.csv
[ -s "$t/cli.csv" ] && [ -s "$t/cli.jsonl" ] || { echo "serve_jobs.sh: verify wrote nothing"; exit 1; }

start main "$t/serve.conf"

# --- a job of the sample: the CLI's bytes, CSV and JSON Lines ---------------
post samples/contacts.csv
eq "a new job is queued" "$(field status)" queued
eq "its rows are not known yet" "$(field rows)" null
plain=$id
eq "the job ends done" "$(wait_done "$plain")" done
req "GET /v1/jobs/ID when done" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$plain"
eq "rows" "$(field rows)" 30
eq "rows done" "$(field rows_done)" 30
eq "percent" "$(field percent)" 100.0
eq "no list" "$(field list)" null
python3 - "$t/body" "$t/cli.csv" >"$t/counts" 2>&1 <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
# counted as verify's summary counts them: rows without an address apart
want = {}
for row in csv.DictReader(open(sys.argv[2], newline="")):
    k = "no_address" if row["verify_reason"] in ("syntax.empty", "input.missing") else row["verify_status"]
    want[k] = want.get(k, 0) + 1
got = {k: v for k, v in j["counts"].items() if v}
print("same" if got == want else f"got {got}, want {want}")
PY
eq "counts by status are the CLI's" "$(cat "$t/counts")" same
eq "results CSV: 200" "$(results "$plain" csv "$t/job.csv")" 200
if cmp -s "$t/job.csv" "$t/cli.csv"; then ok "results.csv is byte-identical to verify's"; else
	notok "results.csv differs from verify's"; diff "$t/cli.csv" "$t/job.csv" | head -5; fi
eq "results JSONL: 200" "$(results "$plain" jsonl "$t/job.jsonl")" 200
if cmp -s "$t/job.jsonl" "$t/cli.jsonl"; then ok "results.jsonl is byte-identical to verify -f jsonl's"; else
	notok "results.jsonl differs from verify -f jsonl's"; diff "$t/cli.jsonl" "$t/job.jsonl" | head -5; fi
eq "results with no format are CSV" "$(curl -s -o "$t/job2.csv" -w '%{http_code}' -H "$(auth "$k_jobs")" "$url/v1/jobs/$plain/results")" 200
cmp -s "$t/job2.csv" "$t/cli.csv" && ok "default format: CSV" || notok "default format is not the CSV"
req "an unknown format" 400 -H "$(auth "$k_jobs")" "$url/v1/jobs/$plain/results?format=xml"
errcode bad_request

# --- with ?list: the list version `verify --list` records ------------------
post samples/contacts.csv '?list=sample'
eq "the list job ends done" "$(wait_done "$id")" done
eq "results with a list: 200" "$(results "$id" csv "$t/job-list.csv")" 200
cmp -s "$t/job-list.csv" "$t/cli-list.csv" && ok "with a list, the results are verify --list's" ||
	notok "with a list, the results differ from verify --list's"
req "the job says its list" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$id"
eq "list" "$(field list)" sample
listed=$id
# The lists' JSON views of both databases, less what names the input file
"$lg" --db "$db" --now "$now" lists -f json >"$t/lists.srv" 2>&1
"$lg" --db "$t/cli.db" --now "$now" lists -f json >"$t/lists.cli" 2>&1
if cmp -s "$t/lists.srv" "$t/lists.cli"; then ok "lists shows the same version as a CLI run"; else
	notok "lists differs from a CLI run's"; diff "$t/lists.cli" "$t/lists.srv" | head -6; fi
req "a bad list name" 400 -H "$(auth "$k_jobs")" --data-binary @samples/contacts.csv \
	"$url/v1/jobs?list=%0A"
errcode bad_request

# --- a list without an email column: the job fails, saying why ---------------
printf 'Name,Company\nAnn,Acme\n' >"$t/noemail.csv"
post "$t/noemail.csv"
eq "a job of a list without addresses fails" "$(wait_done "$id")" failed
req "a failed job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$id"
case $(field error) in *email*) ok "its error says what is missing" ;;
*) notok "its error: $(field error)" ;; esac
req "results of a failed job" 409 -H "$(auth "$k_jobs")" "$url/v1/jobs/$id/results"
errcode job_not_done
req "DELETE a failed job" 204 -H "$(auth "$k_jobs")" -X DELETE "$url/v1/jobs/$id"

# --- the list of jobs, errors, auth ------------------------------------------
req "GET /v1/jobs" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs"
eq "newest first" "$(python3 -c 'import json,sys; print([j["id"] for j in json.load(open(sys.argv[1]))["jobs"]])' "$t/body")" "[$listed, $plain]"
req "GET /v1/jobs?limit=1" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs?limit=1"
eq "a full page says where to go on" "$(field next)" "$listed"
req "GET /v1/jobs?after=ID" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs?after=$listed&limit=1"
eq "the next page" "$(python3 -c 'import json,sys; print([j["id"] for j in json.load(open(sys.argv[1]))["jobs"]])' "$t/body")" "[$plain]"
req "a bad limit" 400 -H "$(auth "$k_jobs")" "$url/v1/jobs?limit=0"
req "an unknown job" 404 -H "$(auth "$k_jobs")" "$url/v1/jobs/999"
errcode job_not_found
req "not a job id" 404 -H "$(auth "$k_jobs")" "$url/v1/jobs/abc"
req "results of an unknown job" 404 -H "$(auth "$k_jobs")" "$url/v1/jobs/999/results"
req "no key" 401 --data-binary @samples/contacts.csv "$url/v1/jobs"
req "a key without scope jobs" 403 -H "$(auth "$k_verify")" --data-binary @samples/contacts.csv "$url/v1/jobs"
req "GET a job without scope jobs" 403 -H "$(auth "$k_verify")" "$url/v1/jobs/$plain"
req "an empty body" 400 -H "$(auth "$k_jobs")" -X POST "$url/v1/jobs"

# --- DELETE: a finished job is removed ---------------------------------------
req "DELETE a finished job" 204 -H "$(auth "$k_jobs")" -X DELETE "$url/v1/jobs/$plain"
req "then it is gone" 404 -H "$(auth "$k_jobs")" "$url/v1/jobs/$plain"
[ -e "$db.jobs/$plain" ] && notok "its files remain" || ok "its files are removed"
req "DELETE it again" 404 -H "$(auth "$k_jobs")" -X DELETE "$url/v1/jobs/$plain"

python3 bench/gen_contacts.py --rows 100000 --seed 7 -o "$t/big.csv" 2>/dev/null ||
	{ echo "serve_jobs.sh: gen_contacts.py failed"; exit 1; }

# --- a job that waits: 409 before done, cancel, SIGTERM ----------------------
# Its first domain is dropped by the DNS server, and this server waits 60 s
# for an answer: the job stays running until it is cancelled.
stop
dns_main=$dns
dns="--dns 127.0.0.1:$port --dns-timeout 60000 --dns-tries 1"
start slow "$t/serve.conf"
{ echo "Email"; echo "slow@trey-research.net"; echo "a@contoso.com"; } >"$t/slow.csv"
post "$t/slow.csv"
slow=$id
req "results before done" 409 -H "$(auth "$k_jobs")" "$url/v1/jobs/$slow/results"
errcode job_not_done
req "DELETE a job before it is done: cancelled" 204 -H "$(auth "$k_jobs")" -X DELETE "$url/v1/jobs/$slow"
req "a cancelled job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$slow"
eq "its status" "$(field status)" cancelled
[ -e "$db.jobs/$slow" ] && notok "a cancelled job's files remain" || ok "a cancelled job's files are removed"
req "results of a cancelled job" 409 -H "$(auth "$k_jobs")" "$url/v1/jobs/$slow/results"
post "$t/slow.csv"
slow=$id
wait_running() { # wait_running ID: until it runs (10 s at most)
	i=0
	while [ $i -lt 100 ]; do
		curl -s -H "$(auth "$k_jobs")" "$url/v1/jobs/$1" | grep -q '"status":"running"' && return
		sleep 0.1
		i=$((i + 1))
	done
}
wait_running "$slow"
req "a running job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$slow"
eq "its status" "$(field status)" running
eq "none done while its first row waits" "$(field rows_done)" 0
# SIGTERM with a job running: the process exits (not after the 60 s the
# lookup may take), the job stays to be taken up
kill "$srv"
wait "$srv"
eq "SIGTERM with a job running: exit status" "$?" 0
srv=
eq "the job stays running in the store" "$(sqlite3 "$db" "SELECT state FROM jobs WHERE id = $slow")" running
dns=$dns_main
start main2 "$t/serve.conf"
eq "after a restart the job is taken up and ends" "$(wait_done "$slow")" done

# --- two jobs and 50 single-address requests at once --------------------------
post "$t/big.csv"
j1=$id
post samples/contacts.csv
j2=$id
# (-I @@: a key is letters and digits, so no part of it is replaced)
seq 1 50 | xargs -P 50 -I @@ curl -s -o "$t/one.@@" -w '%{http_code}\n' \
	-H "$(auth "$k_verify")" -d '{"email":"jane.@@@contoso.com"}' "$url/v1/verify" >"$t/codes"
eq "50 requests beside two jobs: all 200" "$(sort "$t/codes" | uniq -c | tr -s ' ')" " 50 200"
python3 - "$t" >"$t/ones" <<'PY'
import json, sys
bad = [n for n in range(1, 51)
       if json.load(open(f"{sys.argv[1]}/one.{n}"))["email"] != f"jane.{n}@contoso.com"]
print("all right" if not bad else f"wrong answers: {bad}")
PY
eq "each answer is its own address's" "$(cat "$t/ones")" "all right"
req "GET a running job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$j1"
case $(field status) in queued | running | done) ok "status while it runs: $(field status)" ;;
*) notok "status while it runs: $(field status)" ;; esac
eq "the small job ends done beside the big one" "$(wait_done "$j2")" done
eq "the big job ends done" "$(wait_done "$j1")" done
req "the big job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$j1"
eq "its rows" "$(field rows)" 100000
eq "its rows done" "$(field rows_done)" 100000
"$lg" --now "$now" verify --no-progress -q $dns -o "$t/big-cli.csv" "$t/big.csv"
eq "its results: 200" "$(results "$j1" csv "$t/big-job.csv")" 200
cmp -s "$t/big-job.csv" "$t/big-cli.csv" && ok "100,000 rows: byte-identical to verify's" ||
	notok "100,000 rows: results differ from verify's"

# --- SIGKILL during a job with a list, then a restart -------------------------
# The big list with a dropped domain at row 50,001: the job writes (and
# records) the 50,000 rows before it, then waits for that answer (60 s);
# killed then, and started again with the usual timeout, it ends as
# `verify --list` of that file does, each row once.
python3 - "$t/big.csv" "$t/kill.csv" <<'PY'
import sys
lines = open(sys.argv[1], newline="").readlines()
lines.insert(50001, "Slow,Row,slow@trey-research.net,Trey,CTO,,US\r\n")
open(sys.argv[2], "w", newline="").writelines(lines)
PY
"$lg" --db "$t/cli.db" --now "$now" verify --no-progress -q $dns --list big \
	-o "$t/kill-cli.csv" "$t/kill.csv"
stop
dns="--dns 127.0.0.1:$port --dns-timeout 60000 --dns-tries 1"
start slow2 "$t/serve.conf"
post "$t/kill.csv" '?list=big'
kj=$id
i=0 d=0
while [ $i -lt 600 ] && [ "${d:-0}" -lt 50000 ]; do
	sleep 0.1
	d=$(curl -s -H "$(auth "$k_jobs")" "$url/v1/jobs/$kj" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["rows_done"])' 2>/dev/null)
	i=$((i + 1))
done
eq "the job stops at the dropped domain" "$d" 50000
kill -KILL "$srv"
wait "$srv" 2>/dev/null
srv=
dns=$dns_main
start again "$t/serve.conf"
eq "after SIGKILL and a restart the job ends done" "$(wait_done "$kj")" done
eq "its results: 200" "$(results "$kj" csv "$t/kill-job.csv")" 200
eq "every row comes out once" "$(($(wc -l <"$t/kill-job.csv") - 1))" 100001
cmp -s "$t/kill-job.csv" "$t/kill-cli.csv" && ok "the results are verify --list's" ||
	notok "the results after the kill differ from verify --list's"
"$lg" --db "$db" --now "$now" lists -f json >"$t/lists.srv" 2>&1
"$lg" --db "$t/cli.db" --now "$now" lists -f json >"$t/lists.cli" 2>&1
if cmp -s "$t/lists.srv" "$t/lists.cli"; then ok "the list was recorded once, as a CLI run records it"; else
	notok "lists differs from a CLI run's after the kill"; diff "$t/lists.cli" "$t/lists.srv" | head -6; fi
eq "one version of list big" "$(sqlite3 "$db" "SELECT count(*) FROM runs r JOIN lists l ON r.list_id = l.id WHERE l.name = 'big' AND r.finished_at IS NOT NULL" 2>&1)" 1
grep -q "taking up the interrupted run" "$t/again.err" && ok "the interrupted run was taken up" ||
	notok "the interrupted run was not taken up"
stop

# --- 413 over a small max_body, with a length and without -----------------------
printf '[serve]\nmax_body = 1K\nrate = 1000\nburst = 1000\n' >"$t/small.conf"
start small "$t/small.conf"
head -c 4000 "$t/big.csv" >"$t/4k.csv"
req "a body over max_body" 413 -H "$(auth "$k_jobs")" --data-binary @"$t/4k.csv" "$url/v1/jobs"
req "a chunked body over max_body" 413 -H "$(auth "$k_jobs")" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$t/4k.csv" "$url/v1/jobs"
eq "no upload is left behind" "$(ls "$db.jobs" | grep -c upload)" 0
stop

# --- a JSON Lines body: the rows `leadgate verify` writes for the same file ---
# The sample as JSON Lines, with a key the first object lacks and a line
# that is no JSON object: told apart by its content, as verify tells it.
python3 - samples/contacts.csv "$t/contacts.jsonl" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i, r in enumerate(rows):
        if i == 3:
            r["Source"] = "webinar"
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
        if i == 5:
            f.write("not a JSON object\n")
PY
"$lg" --now "$now" verify --no-progress -q $dns -f jsonl -o "$t/cli-jl.jsonl" "$t/contacts.jsonl"
"$lg" --now "$now" verify --no-progress -q $dns -f csv -o "$t/cli-jl.csv" "$t/contacts.jsonl"
start jsonl "$t/serve.conf"
req "POST /v1/jobs a JSON Lines body" 202 -H "$(auth "$k_jobs")" -H 'Content-Type: application/x-ndjson' \
	--data-binary "@$t/contacts.jsonl" "$url/v1/jobs"
id=$(field id)
eq "the JSON Lines job ends done" "$(wait_done "$id")" done
req "GET the JSON Lines job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$id"
eq "every line a row, the bad one too" "$(field rows)" 31
eq "JSON Lines results JSONL: 200" "$(results "$id" jsonl "$t/job-jl.jsonl")" 200
if cmp -s "$t/job-jl.jsonl" "$t/cli-jl.jsonl"; then ok "JSON Lines in: results.jsonl is verify's"; else
	notok "JSON Lines in: results.jsonl differs from verify's"; diff "$t/cli-jl.jsonl" "$t/job-jl.jsonl" | head -5; fi
eq "JSON Lines results CSV: 200" "$(results "$id" csv "$t/job-jl.csv")" 200
if cmp -s "$t/job-jl.csv" "$t/cli-jl.csv"; then ok "JSON Lines in: results.csv is verify -f csv's"; else
	notok "JSON Lines in: results.csv differs from verify -f csv's"; diff "$t/cli-jl.csv" "$t/job-jl.csv" | head -5; fi
grep -q '"verify_reason":"input.missing".*"_extra":\["not a JSON object"\]' "$t/job-jl.jsonl" &&
	ok "the bad line is a row with its status" || notok "the bad line is not in the results"
stop

# --- a job finishes on a worker: the loop answers meanwhile ---------------------
# A list job's last step (its version recorded, the list weighed) waits
# here for the write lock another process holds: the server still answers,
# the job shows every row done and is not cancelled under the worker, and
# it ends done once the lock goes.
# Its lookups go to tests/dnsbad.py, which holds every query until the
# test has the lock: the order of events is the test's, whatever the
# machine's load.
python3 tests/dnsbad.py "$t/held.port" held "$t/answer" &
held_pid=$!
await "the held DNS responder started" test -s "$t/held.port"
dns_main=$dns
dns="--dns 127.0.0.1:$(cat "$t/held.port") --dns-timeout 60000 --dns-tries 1"
start finish "$t/serve.conf"
post "$t/slow.csv" "?list=finishing"
fin=$id
job_field() { # job_field ID KEY: KEY of GET /v1/jobs/ID (5 s at most)
	curl -s -m 5 -H "$(auth "$k_jobs")" "$url/v1/jobs/$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null
}
await "the job has read both rows (its version begun)" eval '[ "$(job_field "$fin" rows_read)" = 2 ]'
eq "no row out while DNS holds them" "$(job_field "$fin" rows_done)" 0
hold_lock
: >"$t/answer" # the lookups end: every row out, the finish waits for the lock
await "every row out while the finish waits" eval '[ "$(job_field "$fin" rows_done)" = 2 ]'
eq "still running" "$(job_field "$fin" status)" running
req "healthz while a job finishes" 200 -m 5 "$url/healthz"
req "verify while a job finishes" 200 -m 5 -H "$(auth "$k_verify")" -d '{"email":"a@contoso.com"}' "$url/v1/verify"
req "DELETE a finishing job" 409 -m 5 -H "$(auth "$k_jobs")" -X DELETE "$url/v1/jobs/$fin"
errcode conflict
release_lock
eq "the finishing job ends done" "$(wait_done "$fin")" done
eq "one version of list finishing" "$(sqlite3 "$db" "SELECT count(*) FROM runs r JOIN lists l ON r.list_id = l.id WHERE l.name = 'finishing' AND r.finished_at IS NOT NULL" 2>&1)" 1
stop
kill "$held_pid" 2>/dev/null
wait "$held_pid" 2>/dev/null
dns=$dns_main

# --- completion webhooks: ?callback_url, job.completed signed by the service ---
# tests/hookd.py on 127.0.0.1 checks the Standard Webhooks signature with
# [handoff] secret; the service's own drain sends the message (no routes,
# no handoff run).
hsecret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
hookd_start hook 0 "$hsecret"
hook=$hookpid hport=$hookport
trap 'kill $hook 2>/dev/null; serve_cleanup $srv ${held_pid:-}' EXIT
check "hookd.py started" test -n "$hport"
: >"$t/hook.log"
logq() { python3 - "$t/hook.log" "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2], {"rows": rows, "json": json}))
PY
}
hook_rows() { [ "$(logq 'len(rows)')" = "$1" ]; }
cb="?callback_url=http://127.0.0.1:$hport/ok"

start nosecret "$t/serve.conf"
req "callback_url without [handoff] secret" 409 -H "$(auth "$k_jobs")" --data-binary @samples/contacts.csv \
	"$url/v1/jobs?callback_url=https://hooks.example.com/done"
errcode callback_unavailable
req "callback_url over http:// without allow_private_targets" 400 -H "$(auth "$k_jobs")" \
	--data-binary @samples/contacts.csv "$url/v1/jobs$cb"
errcode bad_request
stop
{ cat "$t/serve.conf"; printf '[handoff]\nsecret = %s\n' "$hsecret"; } >"$t/strict.conf"
start strict "$t/strict.conf"
req "callback_url at a loopback address, private targets not allowed" 400 -H "$(auth "$k_jobs")" \
	--data-binary @samples/contacts.csv "$url/v1/jobs?callback_url=https://127.0.0.1:$hport/ok"
errmsg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["message"])' "$t/body" 2>&1)
case $errmsg in *loopback*) ok "... the error says loopback" ;; *) notok "... the error: $errmsg" ;; esac
req "callback_url not a URL" 400 -H "$(auth "$k_jobs")" --data-binary @samples/contacts.csv \
	"$url/v1/jobs?callback_url=ftp://example.com/x"
req "callback_url with no host" 400 -H "$(auth "$k_jobs")" --data-binary @samples/contacts.csv \
	"$url/v1/jobs?callback_url=https:///x"
req "callback_url with a user" 400 -H "$(auth "$k_jobs")" --data-binary @samples/contacts.csv \
	"$url/v1/jobs?callback_url=https://u:p@example.com/x"
eq "no job was added by the refusals" "$(sq "SELECT count(*) FROM jobs WHERE callback_url IS NOT NULL")" 0
stop
{ cat "$t/strict.conf"; printf 'allow_private_targets = yes\n'; } >"$t/cb.conf"
start callback "$t/cb.conf"
post samples/contacts.csv "$cb"
cbjob=$id
eq "the job shows its callback_url" "$(field callback_url)" "http://127.0.0.1:$hport/ok"
eq "the job with a callback ends done" "$(wait_done "$cbjob")" done
await "job.completed reaches the receiver" hook_rows 1
eq "... signed with [handoff] secret" "$(logq 'rows[0]["sig_ok"]')" True
eq "... type, id, state, rows, results" \
	"$(logq '(lambda b: (b["type"], b["data"]["id"], b["data"]["state"], b["data"]["rows"], b["data"]["results"]))(json.loads(rows[0]["body"]))')" \
	"('job.completed', $cbjob, 'done', 30, '/v1/jobs/$cbjob/results')"
req "GET the job" 200 -H "$(auth "$k_jobs")" "$url/v1/jobs/$cbjob"
python3 - "$t/body" "$t/hook.log" >"$t/cmp" 2>&1 <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
b = json.loads(json.loads(open(sys.argv[2]).readline())["body"])
d = b["data"]
same = d["counts"] == j["counts"] and d["finished_at"] == j["finished_at"] and d["created_at"] == j["created_at"]
print("same" if same else f"got {d}, want {j}")
PY
eq "... its counts and times are the job's" "$(cat "$t/cmp")" same
eq "... under the outbox's webhook-id, delivered" "$(logq 'rows[0]["id"]')|delivered" \
	"$(sq "SELECT id || '|' || state FROM outbox WHERE type = 'job.completed' AND target = 'job'")"
post samples/contacts.csv "?list=called&callback_url=http://127.0.0.1:$hport/ok"
eq "a list job with a callback ends done" "$(wait_done "$id")" done
await "... its job.completed arrives" hook_rows 2
eq "... with its list, signed" \
	"$(logq '(lambda r, b: (b["data"]["list"], b["data"]["state"], r["sig_ok"]))(rows[1], json.loads(rows[1]["body"]))')" \
	"('called', 'done', True)"
post "$t/noemail.csv" "$cb"
eq "a failing job with a callback" "$(wait_done "$id")" failed
await "... its job.completed arrives" hook_rows 3
eq "... state failed, its error, no results" \
	"$(logq '(lambda b: (b["data"]["state"], "email" in b["data"]["error"], b["data"]["results"]))(json.loads(rows[2]["body"]))')" \
	"('failed', True, None)"
post samples/contacts.csv
eq "a job without a callback" "$(wait_done "$id")" done
sleep 1.5
eq "... tells nobody: one message per job with a callback" "$(sq "SELECT count(*) FROM outbox WHERE type = 'job.completed'")|$(logq 'len(rows)')" "3|3"
stop
kill "$hook" 2>/dev/null

[ "$fail" -eq 0 ] || { mkdir -p /tmp/sjobs-logs && cp "$t"/*.err /tmp/sjobs-logs/; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
