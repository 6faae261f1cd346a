#!/usr/bin/env bash
# bench/store_floor.sh DB [RUNS] - the bare SQLite floor of what
# `verify --list` writes: the rows a run recorded in DB (contacts,
# profiles, evidence, members, member_rows) inserted again, table by
# table, into an empty database of the same schema with the store's
# pragmas, by SQLite alone (INSERT ... SELECT, in each table's key order,
# one transaction a table).  No parsing, no binding, no statement per row:
# no writer of this schema can do less, so its time is the raw limit the
# store's writer is weighed against.  Prints one line a table and the
# total, in CPU seconds (user + system) and wall seconds, medians of RUNS
# (default 3).
set -euo pipefail

die() { echo "store-floor: $*" >&2; exit 1; }
[[ $# -ge 1 ]] || die "usage: bench/store_floor.sh DB [RUNS]"
src=$(realpath "$1")
RUNS=${2:-3}
[[ -s $src ]] || die "$src: no such database"
command -v sqlite3 >/dev/null || die "sqlite3 is missing: apt-get install sqlite3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "SQL TABLE": the order each table is read in (its key, as the writer
# appends); "WHERE 1" keeps SQLite from copying the records whole (the
# transfer optimisation), so that each row is built and inserted.
tables=(
	"contacts:INSERT INTO contacts SELECT * FROM s.contacts WHERE 1 ORDER BY id"
	"profiles:INSERT INTO profiles SELECT * FROM s.profiles WHERE 1 ORDER BY contact_id"
	"evidence:INSERT INTO evidence SELECT * FROM s.evidence WHERE 1 ORDER BY contact_id, run_id"
	"members:INSERT INTO members SELECT * FROM s.members WHERE 1 ORDER BY run_id, contact_id"
	"member_rows:INSERT INTO member_rows SELECT * FROM s.member_rows WHERE 1 ORDER BY run_id, contact_id"
)
schema=$(sqlite3 "$src" .schema | grep -v '^CREATE TABLE sqlite_')
uv=$(sqlite3 "$src" 'PRAGMA user_version')
: >"$tmp/res"
for (( r = 1; r <= RUNS; r++ )); do
	for t in "${tables[@]}"; do
		name=${t%%:*} sql=${t#*:}
		rm -f "$tmp/d.db" "$tmp/d.db-wal" "$tmp/d.db-shm"
		{
			echo "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			echo "PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -32768;"
			echo "PRAGMA temp_store = MEMORY;"
			echo "$schema"
			echo "PRAGMA user_version = $uv;"
		} | sqlite3 "$tmp/d.db" >/dev/null
		cat "$src" >/dev/null # warm, as the writer's input is in memory
		out=$(printf '%s\n' "PRAGMA cache_size = -32768; PRAGMA synchronous = NORMAL;" \
			"ATTACH '$src' AS s;" ".timer on" "BEGIN; $sql; COMMIT;" |
			sqlite3 "$tmp/d.db" 2>&1 | grep '^Run Time' | tail -n 1) ||
			die "$name: $out"
		# "Run Time: real R user U sys S": one line for the input line,
		# BEGIN, INSERT and COMMIT together
		printf '%s\t%s\n' "$name" "$out" >>"$tmp/res"
	done
done
python3 - "$tmp/res" "$RUNS" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rest = line.rstrip("\n").split("\t", 1)
    m = re.search(r"real ([\d.]+) user ([\d.]+) sys ([\d.]+)", rest)
    rows.setdefault(name, []).append((float(m.group(1)), float(m.group(2)) + float(m.group(3))))
tw = tc = 0.0
print("| table (bare SQLite, median of %s) | wall s | CPU s |" % sys.argv[2])
print("|---|---:|---:|")
for name, v in rows.items():
    w = statistics.median(x[0] for x in v); c = statistics.median(x[1] for x in v)
    tw += w; tc += c
    print("| %s | %.2f | %.2f |" % (name, w, c))
print("| **all five** | **%.2f** | **%.2f** |" % (tw, tc))
PY
