#!/bin/sh
# run.sh BUILD_DIR - run every unit test binary, then the end-to-end tests
# of the built binary, the DNS tests against unbound on loopback and the
# store tests (tests/store.sh), the scoring commands' (tests/scoring.sh),
# the API keys' (tests/keys.sh), the HTTP API's (tests/serve.sh,
# tests/serve_lists.sh), what is pushed to it (tests/serve_push.sh), the
# page's in a browser (tests/serve_page.sh) and make
# install's (tests/install.sh);
# print one closing line "suites: N passed, N failed".
set -u
b=${1:-build}
pass=0 fail=0
for t in "$b"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $t"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "== tests/e2e.sh $b/leadgate"
if sh tests/e2e.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/e2e.sh"; fi
echo "== tests/dns.sh $b/leadgate"
if sh tests/dns.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/dns.sh"; fi
echo "== tests/store.sh $b/leadgate"
if sh tests/store.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/store.sh"; fi
echo "== tests/scoring.sh $b/leadgate"
if sh tests/scoring.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/scoring.sh"; fi
echo "== tests/keys.sh $b/leadgate"
if sh tests/keys.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/keys.sh"; fi
echo "== tests/serve.sh $b/leadgate"
if sh tests/serve.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/serve.sh"; fi
echo "== tests/serve_lists.sh $b/leadgate"
if sh tests/serve_lists.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/serve_lists.sh"; fi
echo "== tests/serve_push.sh $b/leadgate"
if sh tests/serve_push.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/serve_push.sh"; fi
echo "== tests/serve_jobs.sh $b/leadgate"
if sh tests/serve_jobs.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/serve_jobs.sh"; fi
echo "== tests/serve_page.sh $b/leadgate"
if sh tests/serve_page.sh "$b/leadgate"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/serve_page.sh"; fi
echo "== tests/install.sh $b"
if sh tests/install.sh "$b"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: tests/install.sh"; fi
echo
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
