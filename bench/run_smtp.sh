#!/usr/bin/env bash
# bench/run_smtp.sh [RUNS] - leadgate's SMTP benchmark: `verify --smtp`
# against the raw client (see bench/README.md, "SMTP benchmark").
#
# On a world of bench/gen_smtp_world.py --seed 1 (100,000 contacts on
# 3,000 domains; SMTP_WORLD=throughput for the one where nothing waits out
# a timeout), its DNS zone served by unbound on loopback (tests/dnsd.sh)
# and its mail hosts played by tests/smtpd.py --workers 2 on 127.0.0.0/8,
# one check round, then RUNS interleaved timed rounds (default 3) of
#
#   raw       build/bench/raw_smtp over raw.txt: epoll + GnuTLS alone, the
#             addresses resolved already; the limit
#   smtp      leadgate verify --smtp --smtp-port PORT --dns ... -c CONF
#             -o OUT contacts.csv (CONF: [smtp] helo, mail_from and the
#             same manners and timeouts as raw_smtp's)
#   dns       leadgate verify --dns ... -o OUT contacts.csv: the same list
#             without SMTP, for its peak RSS
#
# Each raw and smtp run gets a freshly started tests/smtpd.py (greylisting
# remembers what it saw).  The check round (untimed; CHECK=0 skips it)
# runs raw_smtp --print and verify --smtp with the server logging every
# session: raw_smtp's answers and leadgate's output against the world's
# truth.tsv, and the manners from the server's log (no DATA, sessions at
# once per host address, sessions per domain).  Prints a Markdown table of
# medians, also written to build/bench/smtp_last.md; per-run figures in
# build/bench/smtp/results.tsv.
#
# Environment: LEADGATE (build/leadgate), PYTHON (/usr/bin/python3), CC
# (gcc), SMTP_WORLD (default or throughput), WORLD_ROWS (100000),
# WORLD_DOMAINS (3000), WORKERS (2, tests/smtpd.py's), PER_HOST (2), TOTAL
# (64), RCPT_MAX (25), INTERVAL (0 ms: none, see README), CONNECT_MS
# (10000), BANNER_MS (30000), REPLY_MS (20000), GREYLIST_WAIT (300 s),
# GREYLIST_DELAY (60 s), CHECK (1), PIN_CPUS (1: the measured client on
# CPU 1; 0: none).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

die() { echo "bench-smtp: $*" >&2; exit 1; }
say() { echo "bench-smtp: $*" >&2; }

RUNS=${1:-3}
LEADGATE=${LEADGATE:-$root/build/leadgate}
PY=${PYTHON:-/usr/bin/python3}
CC=${CC:-gcc}
SMTP_WORLD=${SMTP_WORLD:-default}
WORLD_ROWS=${WORLD_ROWS:-100000}
WORLD_DOMAINS=${WORLD_DOMAINS:-3000}
WORKERS=${WORKERS:-2}
PER_HOST=${PER_HOST:-2}
TOTAL=${TOTAL:-64}
RCPT_MAX=${RCPT_MAX:-25}
INTERVAL=${INTERVAL:-0}
CONNECT_MS=${CONNECT_MS:-10000}
BANNER_MS=${BANNER_MS:-30000}
REPLY_MS=${REPLY_MS:-20000}
GREYLIST_WAIT=${GREYLIST_WAIT:-300}
GREYLIST_DELAY=${GREYLIST_DELAY:-60}
CHECK=${CHECK:-1}
SEED=1
HELO=probe.leadgate-bench.net
MAIL_FROM=verify@leadgate-bench.net

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }
num() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 must be a number (got '$2')"; }
num RUNS "$RUNS"
posint WORLD_ROWS "$WORLD_ROWS"; posint WORLD_DOMAINS "$WORLD_DOMAINS"; posint WORKERS "$WORKERS"
posint PER_HOST "$PER_HOST"; posint TOTAL "$TOTAL"; posint RCPT_MAX "$RCPT_MAX"
num INTERVAL "$INTERVAL"; posint CONNECT_MS "$CONNECT_MS"; posint BANNER_MS "$BANNER_MS"
posint REPLY_MS "$REPLY_MS"; num GREYLIST_WAIT "$GREYLIST_WAIT"; posint GREYLIST_DELAY "$GREYLIST_DELAY"
[[ $SMTP_WORLD == default || $SMTP_WORLD == throughput ]] ||
	die "SMTP_WORLD must be default or throughput (got '$SMTP_WORLD')"

# ---- prerequisites -------------------------------------------------------------
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time, for peak RSS): apt-get install time"
command -v unbound >/dev/null || [[ -x /usr/sbin/unbound ]] || die "unbound is missing: apt-get install unbound"
command -v openssl >/dev/null || die "openssl is missing (the STARTTLS certificate): apt-get install openssl"
command -v "$CC" >/dev/null || die "C compiler '$CC' not found: apt-get install gcc"
pkg-config --exists gnutls 2>/dev/null || die "GnuTLS development files missing: apt-get install libgnutls28-dev pkgconf"
"$PY" -c 'import asyncio, sys; sys.exit(0 if hasattr(asyncio, "timeout") else 1)' 2>/dev/null ||
	die "$PY is not Python 3.11 or later (tests/smtpd.py needs it): set PYTHON=..."

bdir=$root/build/bench
sdir=$bdir/smtp
world=$sdir/world-$SMTP_WORLD
mkdir -p "$sdir"
source "$here/lib.sh" # timed, pin_cpus
PIN_CPUS=${PIN_CPUS:-1} pin_cpus
# shellcheck disable=SC2034 # tfile is bench/lib.sh's
tfile=$sdir/time.out

# ---- the world -------------------------------------------------------------------
world_ok() {
	[[ -s $world/world.json && ! $here/gen_smtp_world.py -nt $world/world.json &&
		! $here/gen_world.py -nt $world/world.json ]] || return 1
	"$PY" - "$world/world.json" "$WORLD_ROWS" "$WORLD_DOMAINS" "$SEED" "$SMTP_WORLD" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
ok = (w.get("rows"), w.get("domains"), w.get("seed")) == tuple(int(x) for x in sys.argv[2:5])
sys.exit(0 if ok and w.get("world") == sys.argv[5] else 1)
EOF
}
gen_secs=""
if ! world_ok; then
	say "generating the $SMTP_WORLD world in $world ($WORLD_ROWS rows, $WORLD_DOMAINS domains, seed $SEED) ..."
	rm -rf "$world"
	t0=$(date +%s%N)
	"$PY" "$here/gen_smtp_world.py" --rows "$WORLD_ROWS" --domains "$WORLD_DOMAINS" --seed "$SEED" \
		--world "$SMTP_WORLD" --out "$world" --stats || die "gen_smtp_world.py failed"
	t1=$(date +%s%N)
	gen_secs=$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.1f", d / 1e9 }')
fi
ndomains=$(wc -l <"$world/raw.txt")
nrcpt=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["recipients"])' "$world/world.json")

# ---- raw_smtp (the Makefile's rule, made here too when it is missing or old) ----------
raw=$bdir/raw_smtp
if [[ ! -x $raw || $here/raw_smtp.c -nt $raw ]]; then
	# shellcheck disable=SC2046
	"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$raw.tmp" "$here/raw_smtp.c" \
		$(pkg-config --cflags --libs gnutls) || die "cannot build raw_smtp"
	mv -f "$raw.tmp" "$raw"
fi
raw_args=(--per-host "$PER_HOST" --total "$TOTAL" --rcpt-max "$RCPT_MAX" --interval "$INTERVAL"
	--connect-timeout "$CONNECT_MS" --banner-timeout "$BANNER_MS" --reply-timeout "$REPLY_MS"
	--greylist-wait "$GREYLIST_WAIT" --greylist-delay "$GREYLIST_DELAY"
	--helo "$HELO" --mail-from "$MAIL_FROM")

# ---- leadgate: there, and with an SMTP stage? -------------------------------------
have_lg=0 have_smtp=0 lg_note=""
if [[ ! -x $LEADGATE ]]; then
	lg_note="leadgate not measured: $LEADGATE not found (build it, or set LEADGATE=...)"
else
	have_lg=1
	if "$LEADGATE" verify --help 2>&1 | grep -q -- '--smtp-port'; then
		have_smtp=1
	else
		lg_note="leadgate verify --smtp not measured: $LEADGATE has no --smtp-port option (no SMTP stage yet)"
	fi
fi
[[ -z $lg_note ]] || say "$lg_note"

# The same manners and timeouts as raw_smtp's, whatever leadgate's defaults.
conf=$sdir/leadgate-smtp.conf
cat >"$conf" <<EOF
# written by bench/run_smtp.sh
[smtp]
helo = $HELO
mail_from = $MAIL_FROM
per_host = $PER_HOST
total = $TOTAL
rcpt_max = $RCPT_MAX
interval = $INTERVAL
connect_timeout = $CONNECT_MS
banner_timeout = $BANNER_MS
reply_timeout = $REPLY_MS
greylist_wait = $GREYLIST_WAIT
greylist_delay = $GREYLIST_DELAY
allow_private = yes
EOF

# ---- servers: unbound for the zone, tests/smtpd.py for the hosts ------------------
[[ -s $sdir/cert.pem && -s $sdir/key.pem ]] ||
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
		-subj /CN=mx.test -keyout "$sdir/key.pem" -out "$sdir/cert.pem" >/dev/null 2>&1 ||
	die "openssl made no certificate"

SMTPD_PID="" SMTP_PORT="" dns_on=0
stop_smtpd() {
	if [[ -n $SMTPD_PID ]]; then
		kill "$SMTPD_PID" 2>/dev/null || true
		wait "$SMTPD_PID" 2>/dev/null || true
		SMTPD_PID=""
	fi
}
# start_smtpd [LOG]: a fresh tests/smtpd.py on a free port (SMTP_PORT),
# logging every session to LOG.0 ... when LOG is given
start_smtpd() {
	local out=$sdir/smtpd.out i
	rm -f "$out"
	"$PY" "$root/tests/smtpd.py" --script "$world/script.json" --port 0 --workers "$WORKERS" \
		--cert "$sdir/cert.pem" --key "$sdir/key.pem" ${1:+--log "$1"} >"$out" 2>"$sdir/smtpd.err" &
	SMTPD_PID=$!
	for (( i = 0; i < 600; i++ )); do
		SMTP_PORT=$(sed -n 's/^ready \([0-9]*\).*/\1/p' "$out" 2>/dev/null)
		[[ -z $SMTP_PORT ]] || return 0
		kill -0 "$SMTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 5 "$sdir/smtpd.err" >&2
	die "tests/smtpd.py did not start"
}
cleanup() {
	stop_smtpd
	if (( dns_on )); then sh "$root/tests/dnsd.sh" stop "$sdir/dns"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

DNS_PORT=$(cd "$root" && sh tests/dnsd.sh start "$sdir/dns" "$world/smtp.zone") || die "unbound did not start"
dns_on=1
say "unbound on 127.0.0.1:$DNS_PORT serves the world's zone (kept for the whole run: the DNS part is small)"
dns_args=(--dns "127.0.0.1:$DNS_PORT" --dns-timeout 2000 --dns-tries 2)

cat "$world/contacts.csv" "$world/raw.txt" >/dev/null # page cache warm

# leadgate_smtp OUT ERR SUM [timed]: verify --smtp on a new database
lg_rc=0
leadgate_smtp() {
	rm -f "$sdir/smtp.db" "$sdir/smtp.db-wal" "$sdir/smtp.db-shm" "$1" "$3"
	lg_rc=0
	local cmd=("$LEADGATE" --db "$sdir/smtp.db" verify --no-progress -c "$conf" --smtp
		--smtp-port "$SMTP_PORT" "${dns_args[@]}" -o "$1" --summary "$3" "$world/contacts.csv")
	if [[ ${4:-} == timed ]]; then
		timed /dev/null "$2" "${cmd[@]}" || lg_rc=$?
	else
		"${cmd[@]}" >/dev/null 2>"$2" || lg_rc=$?
	fi
	if (( lg_rc == 64 || lg_rc == 78 )); then
		tail -n 5 "$2" >&2
		die "leadgate refused the SMTP options or $conf (exit $lg_rc)"
	fi
	if (( lg_rc != 0 && lg_rc != 1 && lg_rc != 75 )) || [[ ! -s $1 ]]; then
		tail -n 20 "$2" >&2
		die "leadgate verify --smtp exited with status $lg_rc (0, 1 or 75 with an output expected)"
	fi
}

# ---- the check round (untimed) ---------------------------------------------------
checks=$sdir/checks.txt
: >"$checks"
if (( CHECK )); then
	say "check round: raw_smtp --print and verify --smtp, the server logging every session ..."
	rm -f "$sdir"/log-raw.* "$sdir"/log-smtp.*
	start_smtpd "$sdir/log-raw"
	"$raw" --port "$SMTP_PORT" "${raw_args[@]}" --print "$world/raw.txt" \
		>"$sdir/raw-print.tsv" 2>"$sdir/raw-check.err" || { cat "$sdir/raw-check.err" >&2; die "raw_smtp failed"; }
	sleep 0.5 # the last sessions' closes reach the log
	stop_smtpd
	{
		"$PY" "$here/smtp_check.py" raw "$world" "$sdir/raw-print.tsv"
		"$PY" "$here/smtp_check.py" log "$world" "$RCPT_MAX" raw_smtp "$sdir"/log-raw.*
	} >>"$checks"
	if (( have_smtp )); then
		start_smtpd "$sdir/log-smtp"
		leadgate_smtp "$sdir/smtp-check.csv" "$sdir/smtp-check.err" "$sdir/smtp-check.json"
		sleep 0.5
		stop_smtpd
		{
			"$PY" "$here/smtp_check.py" leadgate "$world" "$sdir/smtp-check.csv"
			"$PY" "$here/smtp_check.py" log "$world" "$RCPT_MAX" "verify --smtp" "$sdir"/log-smtp.*
		} >>"$checks"
	fi
	cat "$checks" >&2
fi

# ---- the rounds ---------------------------------------------------------------------
results=$sdir/results.tsv
: >"$results"
out_smtp=$sdir/out-smtp.csv
out_dns=$sdir/out-dns.csv
say "$RUNS rounds of raw_smtp ($ndomains domains, $nrcpt recipients), verify --smtp and verify ($WORLD_ROWS rows)"
for (( r = 1; r <= RUNS; r++ )); do
	start_smtpd
	timed /dev/null "$sdir/raw.err" "$raw" --port "$SMTP_PORT" "${raw_args[@]}" "$world/raw.txt" ||
		{ cat "$sdir/raw.err" >&2; die "raw_smtp failed"; }
	stop_smtpd
	printf 'raw\t%d\t%s\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" "$CPU_S" \
		"$(grep '^RAW_SMTP ' "$sdir/raw.err" || true)" >>"$results"
	line="round $r/$RUNS: raw_smtp ${WALL}s"

	if (( have_smtp )); then
		start_smtpd
		leadgate_smtp "$out_smtp" "$sdir/smtp.err" "$sdir/smtp-summary.json" timed
		stop_smtpd
		printf 'smtp\t%d\t%s\t%s\t%s\trc=%s\n' "$r" "$WALL" "$RSS_KB" "$CPU_S" "$lg_rc" >>"$results"
		line+="  verify --smtp ${WALL}s"
	fi
	if (( have_lg )); then
		rc=0
		timed /dev/null "$sdir/dns.err" "$LEADGATE" --db "$sdir/dns.db" verify --no-progress \
			"${dns_args[@]}" -o "$out_dns" "$world/contacts.csv" || rc=$?
		if (( rc != 0 && rc != 1 && rc != 75 )) || [[ ! -s $out_dns ]]; then
			tail -n 20 "$sdir/dns.err" >&2
			die "leadgate verify exited with status $rc (0, 1 or 75 with an output expected)"
		fi
		rm -f "$sdir/dns.db" "$sdir/dns.db-wal" "$sdir/dns.db-shm"
		printf 'dns\t%d\t%s\t%s\t%s\trc=%s\n' "$r" "$WALL" "$RSS_KB" "$CPU_S" "$rc" >>"$results"
		line+="  verify (no SMTP) ${WALL}s"
	fi
	say "$line"
done
if (( have_smtp && RUNS > 0 )); then
	"$PY" "$here/smtp_check.py" leadgate "$world" "$out_smtp" >"$sdir/agree-last.txt"
	head -n 1 "$sdir/agree-last.txt" | sed 's/^/last timed run: /' >>"$checks"
fi

# ---- report ---------------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
lg_version=$("$LEADGATE" --version 2>/dev/null | head -n 1 || true)
pin_note="Not pinned"
(( ${#PIN[@]} )) && pin_note="The measured client pinned to CPU 1 (taskset), the servers not"

"$PY" - "$results" "$checks" "$WORLD_ROWS" "$ndomains" "$nrcpt" "$RUNS" "$SMTP_WORLD" \
	"$PER_HOST/$TOTAL/$RCPT_MAX/$INTERVAL/$CONNECT_MS/$BANNER_MS/$REPLY_MS/$GREYLIST_WAIT/$GREYLIST_DELAY" \
	"$WORKERS" "$(nproc)" "$(uname -m)" "${cpu:-unknown}" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	"$pin_note" "${lg_version:-leadgate}" "$lg_note" "${gen_secs:-}" "$world" "$root" \
	>"$bdir/smtp_last.md" <<'EOF'
import os, re, statistics as st, sys

(path, checks, rows, ndom, nrcpt, runs, kind, manners, workers, ncpu, arch, cpu, date, pin, lgv,
 lg_note, gen_secs, world, root) = sys.argv[1:]
rows, ndom, nrcpt, runs = int(rows), int(ndom), int(nrcpt), int(runs)
per_host, total, rcpt_max, interval, cms, bms, rms, gw, gd = manners.split("/")
data = {}
for line in open(path):
    tool, _r, wall, rss, cpu_s, extra = line.rstrip("\n").split("\t", 5)
    d = data.setdefault(tool, {"wall": [], "rss": [], "cpu": [], "extra": []})
    d["wall"].append(float(wall)); d["rss"].append(int(rss)); d["cpu"].append(float(cpu_s))
    d["extra"].append(extra)

def med(t, k):
    return st.median(data[t][k])

def fr(x):
    return "{:,.0f}".format(x)

print("## leadgate SMTP benchmark: %s contacts, %s domains, %s recipients, %s world"
      % (fr(rows), fr(ndom), fr(nrcpt), kind))
print()
if data:
    print("| tool | median wall s | rate | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    names = {"raw": "raw_smtp (epoll + GnuTLS alone, addresses resolved: the limit)",
             "smtp": "leadgate verify --smtp (DNS and SMTP, the output written)",
             "dns": "leadgate verify, no SMTP (DNS, the output written)"}
    for t in ("raw", "smtp", "dns"):
        if t not in data:
            print("| %s | not measured | - | - | - |" % names[t])
            continue
        w = med(t, "wall")
        rate = "%s recipients/s" % fr(nrcpt / w) if t == "raw" else "%s rows/s" % fr(rows / w)
        print("| %s | %.2f | %s | %.2f | %.1f |" % (names[t], w, rate, med(t, "cpu"),
                                                   max(data[t]["rss"]) / 1024.0))
    print()
    print("| figure | measured | target |")
    print("|---|---:|---|")
    if "smtp" in data:
        print("| verify --smtp / raw_smtp, wall time | %.2f x | <= 1.2 x |"
              % (med("smtp", "wall") / med("raw", "wall")))
        print("| verify --smtp / raw_smtp, CPU time | %.2f x | |"
              % (med("smtp", "cpu") / max(med("raw", "cpu"), 0.01)))
    if "smtp" in data and "dns" in data:
        print("| peak RSS, verify --smtp / verify without SMTP | %.2f x | <= 1.5 x |"
              % (max(data["smtp"]["rss"]) / max(max(data["dns"]["rss"]), 1)))
# The check round's findings (bench/smtp_check.py's lines).
text = open(checks).read()
agree = re.findall(r"^leadgate agrees with truth.tsv on ([\d]+) of ([\d]+) rows", text, re.M)
logs = {m[0]: m[1:] for m in re.findall(
    r"^(\S[^,\n]*), from the server's log: (\d+) sessions, (\d+) DATA commands, at most (\d+) "
    r"sessions at once", text, re.M)}
more = re.findall(r"^  (\d+) of (\d+) domains \(greylisting and 452 ones aside\)", text, re.M)
if data or logs:
    if not data:
        print("| figure | measured | target |")
        print("|---|---:|---|")
    if agree:
        a, b = (int(x) for x in agree[0])
        print("| verify --smtp agrees with the truth (check round) | %.3f %% (%s of %s rows) | >= 99.5 %% |"
              % (100.0 * a / max(b, 1), fr(a), fr(b)))
    for who in ("raw_smtp", "verify --smtp"):
        if who in logs:
            n, dat, peak = logs[who]
            print("| %s: sessions, DATA commands, most sessions at once to one host address | %s, %s, %s"
                  " | DATA 0, at most %s at once |" % (who, fr(int(n)), dat, peak, per_host))
    if len(more) == 2:
        print("| domains named in more sessions than ceil(recipients / %s), greylisting and 452 aside:"
              " raw_smtp, verify --smtp | %s, %s of %s | 0 (one session, one more per 452) |"
              % (rcpt_max, more[0][0], more[1][0], more[1][1]))
if data or logs:
    print()
print("Checks:")
print()
for line in open(checks):
    line = line.rstrip("\n")
    print(("- " + line) if not line.startswith(" ") else "    " + line.strip())
if lg_note:
    print("- " + lg_note)
print()
print("- Medians of %d interleaved rounds (raw_smtp, verify --smtp, verify in each round). Each raw_smtp"
      " and verify --smtp run talks to a freshly started tests/smtpd.py (--workers %s), which"
      " plays every mail host on 127.0.0.0/8; unbound serves the zone for the whole run. %s."
      % (runs, workers, pin))
print("- The same manners for both clients: %s sessions at once per host address, %s in all, %s"
      " recipients a session, %s ms between session starts to one address (0: none); timeouts"
      " connect %s, banner %s, reply %s ms; greylisting retried for %s s (%s s when the reply names"
      " no delay)." % (per_host, total, rcpt_max, interval, cms, bms, rms, gw, gd))
print("- World: %s (bench/gen_smtp_world.py --seed 1 --world %s)%s; truth in truth.tsv."
      % (os.path.relpath(world, root), kind,
         ", generated in %s s by this run" % gen_secs if gen_secs else ""))
print("- %s." % lgv)
print("- Machine: %s CPUs (nproc), %s, %s. Date: %s." % (ncpu, arch, cpu, date))
EOF

cat "$bdir/smtp_last.md"
say "table written to $bdir/smtp_last.md; per-run figures in $results"
