#!/bin/sh
# banned.sh [CFLAGS...] - common/banned.h works: a module that calls a
# banned function does not compile, and the compiler's error names the
# function and why; the same program calling an allowed function compiles.
# Every function of common/banned.h is tried, and the ones below must be
# among them.  The compiler is $CC (cc if unset).
set -u
cc=${CC:-cc}
must="strcpy strcat strncpy strncat sprintf vsprintf strtok atoi atol atoll gmtime localtime
ctime asctime isalpha isdigit isspace tolower toupper strcasecmp"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# compile NAME CALL: build a module calling CALL(...); the status of cc.
compile() {
	name=$1 call=$2
	shift 2
	printf '#include "common/common.h"\nint probe(const char *s);\nint probe(const char *s)\n{\n\tchar d[16] = "";\n\treturn (int)(size_t)%s(d, s);\n}\n' \
		"$call" > "$tmp/$name.c"
	$cc "$@" -fsyntax-only -c "$tmp/$name.c" > "$tmp/$name.err" 2>&1
}

banned=$(sed -n 's/^#define \([a-z_]*\)(\.\.\.) LG_BANNED(.*/\1/p' common/banned.h)
for f in $must; do
	case " $(echo $banned) " in
	*" $f "*) ;;
	*) echo "FAIL: common/banned.h does not ban $f"; fail=$((fail + 1)) ;;
	esac
done

# The program itself is fine: with an allowed function it compiles.
if compile allowed strcmp "$@"; then
	pass=$((pass + 1))
else
	echo "FAIL: the probe does not compile with strcmp:"; cat "$tmp/allowed.err"
	fail=$((fail + 1))
fi

for f in $banned; do
	if compile "$f" "$f" "$@"; then
		echo "FAIL: a call of $f compiles"
		fail=$((fail + 1))
	elif ! grep -q "banned_${f}__[a-z_A-Z]" "$tmp/$f.err"; then
		echo "FAIL: the error for $f does not name the ban:"; cat "$tmp/$f.err"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "banned.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
