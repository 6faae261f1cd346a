#!/bin/sh
# keys.sh LEADGATE - `leadgate keys` through the real binary, on databases
# in a temporary directory read back with the sqlite3 shell: create prints
# the key last (text and JSON) and makes a missing database, list never
# shows a key or its digest, revoke, and the exit statuses of bad names,
# scopes and unknown keys.
#
# Prints "ok - ..." or "not ok - ..." a check, then "keys: N passed, N
# failed"; exits non-zero if a check failed.  Every command gets --db and
# --now: nothing touches the user's files or reads the clock.
set -u
. tests/lib.sh # ok, notok, eq, exits, sq, check
need sqlite3
suite_init lg-keys "$@"
trap 'rm -rf "$t"' EXIT
trap 'exit 130' INT TERM HUP
export XDG_DATA_HOME="$t/xdg"
unset LEADGATE_DB

has() { grep -qF -- "$2" "$1"; } # has FILE TEXT
lacks() { ! grep -qF -- "$2" "$1"; } # lacks FILE TEXT
now=2026-11-22T09:00:00Z
later=2026-11-23T10:30:00Z
db=$t/new/dir/k.db
key_re='^lg_[a-z2-7]\{10\}_[A-Za-z0-9_-]\{43\}$'

# ---- create ------------------------------------------------------------
exits 0 "create on a missing database" "$lg" keys create --name ci --db "$db" --now "$now"
check "... makes the database" test -s "$db"
k1=$(tail -n1 "$t/out")
check "... prints the key as its last line" sh -c "printf '%s\n' '$k1' | grep -q '$key_re'"
eq "... one key kept" "$(sq 'SELECT count(*) FROM api_keys')" 1
eq "... default scope verify" "$(sq "SELECT scopes FROM api_keys WHERE name = 'ci'")" 1
eq "... its public id" "$(sq 'SELECT public_id FROM api_keys')" "$(printf '%s' "$k1" | cut -c4-13)"
eq "... created at --now" "$(sq "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') FROM api_keys")" "$now"
secret=$(printf '%s' "$k1" | cut -c15-)
eq "... the key is not in the table" "$(sq "SELECT count(*) FROM api_keys WHERE instr(name || public_id || hex(hash), '$secret')")" 0
eq "... its SHA-256 is" "$(sq 'SELECT lower(hex(hash)) FROM api_keys')" "$(printf '%s' "$k1" | sha256sum | cut -d' ' -f1)"

exits 0 "create --scope --format json" "$lg" keys create --name ops.team-2 --scope verify,lists,admin --format json --db "$db" --now "$now"
k2=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])' <"$t/out")
check "... the key in the JSON" sh -c "printf '%s\n' '$k2' | grep -q '$key_re'"
eq "... name, scopes, created_at" "$(python3 -c 'import json,sys; o=json.load(sys.stdin); print(list(o), o["name"], ",".join(o["scopes"]), o["created_at"])' <"$t/out")" "['name', 'scopes', 'created_at', 'key'] ops.team-2 verify,lists,admin $now"
check "... the two keys differ" test "$k1" != "$k2"
eq "... scopes kept as a mask" "$(sq "SELECT scopes FROM api_keys WHERE name = 'ops.team-2'")" 69

# ---- usage errors --------------------------------------------------------
exits 64 "a taken name" "$lg" keys create --name ci --db "$db" --now "$now"
check "... names it" has "$t/err" "a key named 'ci' exists"
exits 64 "an unknown scope" "$lg" keys create --name x --scope verify,sudo --db "$db" --now "$now"
check "... names it" has "$t/err" "unknown scope 'sudo'"
exits 64 "a name with a space" "$lg" keys create --name 'a b' --db "$db" --now "$now"
exits 64 "a name of 65 characters" "$lg" keys create --name "$(printf '%065d' 0)" --db "$db" --now "$now"
exits 64 "create without --name" "$lg" keys create --db "$db"
exits 64 "no subcommand" "$lg" keys --db "$db"
exits 64 "an unknown subcommand" "$lg" keys delete ci --db "$db"
exits 64 "revoke without a name" "$lg" keys revoke --db "$db"
exits 64 "list --name" "$lg" keys list --name ci --db "$db"
eq "... nothing added by them" "$(sq 'SELECT count(*) FROM api_keys')" 2
exits 64 "a bad scope on a missing database" "$lg" keys create --name x --scope nope --db "$t/none/x.db"
check "... makes no database" test ! -e "$t/none"

# ---- list ----------------------------------------------------------------
exits 0 "list" "$lg" keys list --db "$db"
check "... shows both names" sh -c "grep -q '^ci ' '$t/out' && grep -q '^ops.team-2 ' '$t/out'"
check "... the scopes" has "$t/out" "verify,lists,admin"
check "... never a key" lacks "$t/out" "lg_"
check "... nor a public id" lacks "$t/out" "$(printf '%s' "$k1" | cut -c4-13)"
exits 0 "list --format json" "$lg" keys list --format json --db "$db"
eq "... an array, oldest first" "$(python3 -c 'import json,sys; print(" ".join(o["name"] + ":" + ",".join(o["scopes"]) + ":" + str(o["revoked_at"]) for o in json.load(sys.stdin)))' <"$t/out")" "ci:verify:None ops.team-2:verify,lists,admin:None"
check "... never a key" lacks "$t/out" "lg_"
check "... nor a digest" lacks "$t/out" "$(sq "SELECT lower(hex(hash)) FROM api_keys WHERE name = 'ci'")"

# ---- revoke --------------------------------------------------------------
exits 0 "revoke" "$lg" keys revoke ci --db "$db" --now "$later"
check "... says so" has "$t/out" "revoked API key 'ci'"
eq "... revoked_at kept" "$(sq "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', revoked_at, 'unixepoch') FROM api_keys WHERE name = 'ci'")" "$later"
exits 0 "revoke again" "$lg" keys revoke ci --db "$db" --now "$now"
check "... says it already was" has "$t/out" "'ci' was already revoked"
eq "... its time stays" "$(sq "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', revoked_at, 'unixepoch') FROM api_keys WHERE name = 'ci'")" "$later"
exits 66 "revoke an unknown name" "$lg" keys revoke nobody --db "$db"
check "... names it" has "$t/err" "no API key named 'nobody'"
exits 0 "list after revoke" "$lg" keys list --format json --db "$db"
eq "... the revoked one kept, with its time" "$(python3 -c 'import json,sys; print(" ".join(o["name"] + ":" + str(o["revoked_at"]) for o in json.load(sys.stdin)))' <"$t/out")" "ci:$later ops.team-2:None"
exits 0 "list as text" "$lg" keys list --db "$db"
check "... shows when it was revoked" sh -c "grep '^ci ' '$t/out' | grep -q '$later'"
exits 64 "a revoked key's name stays taken" "$lg" keys create --name ci --db "$db" --now "$now"

# ---- missing database ----------------------------------------------------
exits 66 "list on a missing database" "$lg" keys list --db "$t/none/x.db"
exits 66 "revoke on a missing database" "$lg" keys revoke ci --db "$t/none/x.db"
check "... makes none" test ! -e "$t/none"

# ---- a database of schema 7, made before there were keys ------------------
old=$t/old.db
printf 'email\nann@example.com\n' >"$t/one.csv"
"$lg" verify --db "$old" --now "$now" --no-dns -q --list l -o /dev/null "$t/one.csv" 2>/dev/null
sqlite3 "$old" 'DROP TABLE handoff_steps; DROP TABLE list_gates; DROP TABLE handoffs; DROP TABLE outbox; DROP TABLE rotations; DROP TABLE endpoints_disabled; DROP TABLE sns_messages; DROP TABLE jobs; DROP TABLE api_keys; DROP TABLE smtp_evidence; DROP TABLE smtp_domains; ALTER TABLE contacts DROP COLUMN smtp_outcome; ALTER TABLE contacts DROP COLUMN smtp_reply; ALTER TABLE contacts DROP COLUMN smtp_tls; ALTER TABLE contacts DROP COLUMN smtp_at; PRAGMA user_version = 7'
exits 0 "list on a schema 7 database" "$lg" keys list --format json --db "$old"
eq "... no keys" "$(cat "$t/out")" "[]"
eq "... nothing migrated" "$(sqlite3 "$old" 'PRAGMA user_version')" 7
exits 0 "create on a schema 7 database" "$lg" keys create --name first --db "$old" --now "$now"
eq "... migrates it" "$(sqlite3 "$old" 'PRAGMA user_version')" 14
eq "... the key kept" "$(sqlite3 "$old" 'SELECT name FROM api_keys')" first
eq "... the list too" "$(sqlite3 "$old" 'SELECT name FROM lists')" l

# ---- help ------------------------------------------------------------------
exits 0 "keys --help" "$lg" keys --help
check "... says the default scope" has "$t/out" "without --scope it may only verify"
exits 0 "leadgate --help" "$lg" --help
check "... lists keys" grep -q '^  keys ' "$t/out"

echo "keys: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
