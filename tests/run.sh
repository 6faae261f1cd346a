#!/bin/sh
# run.sh BUILD_DIR - run every unit test binary, then the end-to-end tests
# of the built binary, the DNS tests against unbound on loopback and the
# store tests (tests/store.sh), the scoring commands' (tests/scoring.sh),
# the API keys' (tests/keys.sh), the HTTP API's (tests/serve.sh,
# tests/serve_lists.sh), what is pushed to it (tests/serve_push.sh), one
# contact (tests/serve_contact.sh), the
# page's in a browser (tests/serve_page.sh), the scripted SMTP server's
# (tests/smtpd_test.sh), the SMTP stage's through the binary (tests/smtp.sh),
# the handoff's (tests/handoff.sh), the handoff inside the service's
# (tests/serve_handoff.sh)
# and make install's (tests/install.sh);
# print one closing line "suites: N passed, N failed".
set -u
b=${1:-build}
pass=0 fail=0
for t in "$b"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $t"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
# The suites of the built program, each given its path.
for s in e2e dns store scoring keys serve serve_lists serve_push serve_contact serve_jobs serve_page smtp handoff serve_handoff; do
	echo "== tests/$s.sh $b/leadgate"
	if sh "tests/$s.sh" "$b/leadgate"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAILED: tests/$s.sh"; fi
done
echo "== tests/smtpd_test.sh"
if sh tests/smtpd_test.sh; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/smtpd_test.sh"; fi
echo "== tests/install.sh $b"
if sh tests/install.sh "$b"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/install.sh"; fi
echo
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
