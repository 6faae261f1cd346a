#!/bin/sh
# install.sh BUILD_DIR - `make install` into scratch DESTDIRs, with the
# default PREFIX and with others: every file lands under the prefix, and
# the systemd units name the program, the configuration file and the unit
# directory of that prefix, with no placeholder left; `systemd-analyze
# verify` finds nothing to say of them (skipped when it is not
# installed).  The binary of
# BUILD_DIR is installed as built (make -o): nothing is compiled, so the
# suite runs the same under `make test` and `make check`.
#
# Prints "ok - ..." or "not ok - ..." a check, then "install: N passed, N
# failed"; exits non-zero if a check failed.
set -u
b=${1:-build}
command -v make >/dev/null 2>&1 || { echo "install.sh: make is missing (make deps)" >&2; exit 1; }
[ -x "$b/leadgate" ] || { echo "install.sh: no $b/leadgate (build it first)" >&2; exit 1; }
t=$(mktemp -d "${TMPDIR:-/tmp}/lg-install.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
trap 'exit 130' INT TERM HUP

. tests/lib.sh # ok, notok, eq, exits
# The make that runs this suite passes its flags and variables down in
# MAKEFLAGS, and the Makefile's directories default from the environment:
# only the command lines below may choose them.
unset MAKEFLAGS MFLAGS MAKELEVEL DESTDIR PREFIX BINDIR MANDIR DATADIR SYSCONFDIR UNITDIR
has() { if grep -qF -- "$3" "$2"; then ok "$1"; else notok "$1: '$3' not in $2"; fi; }
hasnt() { if grep -qF -- "$3" "$2"; then notok "$1: '$3' in $2"; grep -nF -- "$3" "$2" | sed 's/^/#   /' | head -n 3; else ok "$1"; fi; }
placeholders() { # placeholders NAME FILE: no @NAME@ nor $(NAME) left
	if grep -nE '@[A-Z]+@|\$\([A-Z]+\)' "$2" >"$t/left"; then
		notok "$1: placeholders left"; sed 's/^/#   /' "$t/left" | head -n 3
	else ok "$1"; fi
}
inst() { # inst NAME DESTDIR [VARIABLE=VALUE...]
	name=$1 d=$2; shift 2
	exits 0 "$name" make --no-print-directory -s -o "$b/leadgate" B="$b" DESTDIR="$d" "$@" install
}

# --- another prefix ------------------------------------------------------------
d=$t/opt
inst "make install PREFIX=/opt/x" "$d" PREFIX=/opt/x
unit=$d/opt/x/lib/systemd/system
if [ -x "$d/opt/x/bin/leadgate" ]; then ok "the program under the prefix"; else notok "no $d/opt/x/bin/leadgate"; fi
if [ -f "$d/opt/x/etc/leadgate/leadgate.conf" ]; then ok "the configuration under the prefix's etc"
else notok "no $d/opt/x/etc/leadgate/leadgate.conf"; fi
has "service: the program of the prefix" "$unit/leadgate-refresh.service" "ExecStart=/opt/x/bin/leadgate refresh --quiet"
has "service: the configuration file of the prefix" "$unit/leadgate-refresh.service" "/opt/x/etc/leadgate/leadgate.conf"
hasnt "service: no other prefix's configuration" "$unit/leadgate-refresh.service" "/usr/local/etc"
placeholders "service: every placeholder substituted" "$unit/leadgate-refresh.service"
has "timer: the unit directory of the prefix" "$unit/leadgate-refresh.timer" "/opt/x/lib/systemd/system"
placeholders "timer: every placeholder substituted" "$unit/leadgate-refresh.timer"
has "serve: the program of the prefix, on the service's database" "$unit/leadgate.service" \
	"ExecStart=/opt/x/bin/leadgate serve --db /var/lib/leadgate/leadgate.db"
has "serve: the configuration file of the prefix" "$unit/leadgate.service" "/opt/x/etc/leadgate/leadgate.conf"
has "serve: the state directory" "$unit/leadgate.service" "StateDirectory=leadgate"
has "serve: a user of its own" "$unit/leadgate.service" "DynamicUser=yes"
placeholders "serve: every placeholder substituted" "$unit/leadgate.service"
eq "the units are readable by all, written by the owner" \
	"$(stat -c %a "$unit/leadgate-refresh.service" "$unit/leadgate-refresh.timer" "$unit/leadgate.service" | tr '\n' ' ')" "644 644 644 "
# systemd's own check of the units: keys it does not know, bad values, a
# program that is not there.  The programs are named by their installed
# path, which exists only under DESTDIR: the copies checked name that one.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$t/verify"
	for u in leadgate.service leadgate-refresh.service leadgate-refresh.timer; do
		sed "s|=/opt/x/bin/leadgate |=$d/opt/x/bin/leadgate |" "$unit/$u" >"$t/verify/$u"
	done
	if (cd "$t/verify" && systemd-analyze verify --man=no leadgate.service \
		leadgate-refresh.service leadgate-refresh.timer) >"$t/analyze" 2>&1 &&
		! [ -s "$t/analyze" ]; then
		ok "systemd-analyze verify: nothing to say of the units"
	else
		notok "systemd-analyze verify:"; sed 's/^/#   /' "$t/analyze" | head -n 5
	fi
else
	echo "# systemd-analyze is not installed: the units are not verified (skipped)"
fi
# what was installed is what the Makefile would remove
exits 0 "make uninstall PREFIX=/opt/x" make --no-print-directory -s B="$b" DESTDIR="$d" PREFIX=/opt/x uninstall
eq "uninstall leaves no unit" "$(ls "$unit" | wc -l | tr -d ' ')" 0

# --- the default prefix, /usr/local ----------------------------------------------
d=$t/default
inst "make install" "$d"
unit=$d/usr/local/lib/systemd/system
has "default: the program" "$unit/leadgate-refresh.service" "ExecStart=/usr/local/bin/leadgate refresh --quiet"
has "default: the configuration file" "$unit/leadgate-refresh.service" "/usr/local/etc/leadgate/leadgate.conf"
placeholders "default: every placeholder substituted" "$unit/leadgate-refresh.service"
has "default: the timer's unit directory" "$unit/leadgate-refresh.timer" "/usr/local/lib/systemd/system"
has "default: serve's program" "$unit/leadgate.service" "ExecStart=/usr/local/bin/leadgate serve --db /var/lib/leadgate/leadgate.db"
placeholders "default: every placeholder substituted in serve's unit" "$unit/leadgate.service"

# --- PREFIX=/usr: the configuration is under /etc, not /usr/etc ------------------
d=$t/usr
inst "make install PREFIX=/usr" "$d" PREFIX=/usr
unit=$d/usr/lib/systemd/system
if [ -f "$d/etc/leadgate/leadgate.conf" ]; then ok "/usr: the configuration in /etc"; else notok "no $d/etc/leadgate/leadgate.conf"; fi
has "/usr: the service names /etc/leadgate/leadgate.conf" "$unit/leadgate-refresh.service" " /etc/leadgate/leadgate.conf"
hasnt "/usr: and not /usr/etc" "$unit/leadgate-refresh.service" "/usr/etc"
has "/usr: serve's unit names /etc/leadgate/leadgate.conf" "$unit/leadgate.service" " /etc/leadgate/leadgate.conf"
has "/usr: serve's program" "$unit/leadgate.service" "ExecStart=/usr/bin/leadgate serve"

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
