#!/bin/sh
# gen.sh - make the signed webhook vectors of tests/test_esp.c, with signers
# independent of leadgate's code: Python's hmac module for Mailgun, the
# openssl command for SendGrid.  Run from the top of the tree:
#
#   sh tests/vectors/esp/gen.sh
#
# It rewrites, in tests/vectors/esp/:
#   mailgun-signed.json   tests/data/bounces/mailgun-webhook.json with its
#                         signature object replaced by one made now:
#                         HMAC-SHA256(MAILGUN_KEY, timestamp || token), hex
#   mailgun-parent.json   the same event as a subaccount's: signature by
#                         another key, parent-signature by MAILGUN_KEY
#   sendgrid-pub.b64      base64 DER SubjectPublicKeyInfo of a new P-256 key
#   sendgrid-other.b64    the public key of a second, unrelated key pair
#   sendgrid-p384.b64     a P-384 public key: ECDSA, but not SendGrid's curve
#   sendgrid-ts.txt       the timestamp header (TS below)
#   sendgrid-sig.b64      base64 DER ECDSA-SHA256 signature over
#                         TS || tests/data/bounces/sendgrid.json (raw bytes)
# The private keys live in a temporary directory and are deleted.  New key
# pairs are made on every run: the test only needs the outputs to agree.
set -eu
d=tests/vectors/esp
MAILGUN_KEY=key-test-4f1c9a7e2b6d8053  # tests/test_esp.c holds the same
OTHER_KEY=key-subaccount-7d3e         # the subaccount's own, unknown to us
TS=1765000000                         # 2025-12-06T05:46:40Z: "now" of the tests
TOKEN=c1a9d4b0e5f2a7c3d8e9b1f4a6c2d7e0b3f8a5c9d1e6b2f7a4

python3 - "$MAILGUN_KEY" "$OTHER_KEY" "$TS" "$TOKEN" <<'PY'
import hashlib, hmac, json, sys
key, other, ts, token = sys.argv[1:5]
def sign(k):
    return hmac.new(k.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
with open("tests/data/bounces/mailgun-webhook.json") as f:
    body = json.load(f)
body["signature"] = {"timestamp": ts, "token": token, "signature": sign(key)}
with open("tests/vectors/esp/mailgun-signed.json", "w") as f:
    json.dump(body, f, indent=2)
    f.write("\n")
body["signature"] = {"timestamp": ts, "token": token, "signature": sign(other),
                     "parent-signature": sign(key)}
with open("tests/vectors/esp/mailgun-parent.json", "w") as f:
    json.dump(body, f, indent=2)
    f.write("\n")
PY

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for k in key other; do
	openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/$k.pem"
	openssl ec -in "$tmp/$k.pem" -pubout -outform DER -out "$tmp/$k.pub" 2>/dev/null
done
base64 -w0 "$tmp/key.pub" > "$d/sendgrid-pub.b64"
base64 -w0 "$tmp/other.pub" > "$d/sendgrid-other.b64"
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/p384.pem"
openssl ec -in "$tmp/p384.pem" -pubout -outform DER 2>/dev/null | base64 -w0 > "$d/sendgrid-p384.b64"
printf '%s' "$TS" > "$d/sendgrid-ts.txt"
{ printf '%s' "$TS"; cat tests/data/bounces/sendgrid.json; } > "$tmp/msg"
openssl dgst -sha256 -sign "$tmp/key.pem" -out "$tmp/sig" "$tmp/msg"
base64 -w0 "$tmp/sig" > "$d/sendgrid-sig.b64"
# The independent check: openssl verifies what it signed.
openssl dgst -sha256 -verify "$tmp/key.pub" -keyform DER -signature "$tmp/sig" "$tmp/msg"
