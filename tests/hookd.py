#!/usr/bin/env python3
# hookd.py - a webhook receiver on loopback for the tests of the sender
# (handoff/send.c).  It logs every request and checks its Standard
# Webhooks signature itself, with Python's hmac and base64: the sender's
# own signer is not the judge of its signatures.  Standard library only
# (http.server's ThreadingHTTPServer, HTTP/1.1 with keep-alive).
#
#   hookd.py --port N --log LOG.jsonl --secret whsec_BASE64
#
# It listens on 127.0.0.1:N (0: a free port), prints "ready PORT" on
# stdout once listening and runs until SIGTERM.  Each request is one
# line of JSON in LOG, written once its answer is decided:
#
#   {"path": "/ok", "method": "POST", "id": webhook-id, "ts": webhook-timestamp,
#    "sig_ok": true, "content_type": ..., "user_agent": ..., "body": ...,
#    "status": the status answered, "concurrent": requests to the same path
#    in hand at once, this one included, "expect": the Expect header or null,
#    "count": the requests to this path with this webhook-id so far, this
#    one included}
#
# sig_ok is true when one of the signatures of webhook-signature ("v1,B64"
# separated by spaces) is the HMAC-SHA256, under the secret's key, of
# "ID.TS.BODY"; false otherwise (no header, or none matches).
#
# What it answers, by path (a count is per path and webhook-id):
#   /ok, /hook   200 (/hook: the URL of leadgate(1)'s [handoff] example)
#   /flaky       500 the first two times, then 200
#   /limit       429 with "Retry-After: 7" the first time, then 200
#   /limit-date  503 with a Retry-After HTTP-date 120 s ahead, the first
#                time, then 200
#   /throttle    502
#   /gone        410
#   /bad         400
#   /redirect    302 to /ok
#   /big         200 with a body of 100 KiB
#   /slow        200 after 3 s
#   /stall       200 after 20 s the first time (past the sender's 15 s
#                timeout), then 200 at once
#   /many        200 after 50 ms (several at once overlap)
#   /slack/...   200 (a Slack incoming webhook)
#   /crm/v3/...  200 (HubSpot's API)
#   /services/data/...  201 (Salesforce's upsert: created); 300 (several
#                records match) when the path has "several" in it
#   anything else 404
import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"concurrent": {}, "counts": {}}


def sig_ok(key, msg_id, ts, body, header):
    if not msg_id or not ts or not header:
        return False
    want = base64.b64encode(
        hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    for part in header.split(" "):
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig, want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def decide(self, path, count):
        if path in ("/ok", "/hook"):
            return 200, (), b"ok"
        if path == "/flaky":
            return (500, (), b"") if count <= 2 else (200, (), b"")
        if path == "/limit":
            return (429, [("Retry-After", "7")], b"") if count == 1 else (200, (), b"")
        if path == "/limit-date":
            when = email.utils.formatdate(time.time() + 120, usegmt=True)
            return (503, [("Retry-After", when)], b"") if count == 1 else (200, (), b"")
        if path == "/throttle":
            return 502, (), b""
        if path == "/gone":
            return 410, (), b""
        if path == "/bad":
            return 400, (), b"no"
        if path == "/redirect":
            return 302, [("Location", "/ok")], b""
        if path == "/big":
            return 200, (), b"x" * (100 * 1024)
        if path == "/slow":
            time.sleep(3)
            return 200, (), b""
        if path == "/stall":
            if count == 1:
                time.sleep(20)
            return 200, (), b""
        if path == "/many":
            time.sleep(0.05)
            return 200, (), b""
        if path.startswith("/slack/") or path.startswith("/crm/v3/"):
            return 200, (), b"ok"
        if path.startswith("/services/data/"):
            if "several" in path:
                return 300, [("Content-Type", "application/json")], b'["/x/1", "/x/2"]'
            return 201, (), b""
        return 404, (), b""

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        msg_id = self.headers.get("webhook-id")
        ts = self.headers.get("webhook-timestamp")
        with LOCK:
            conc = STATE["concurrent"]
            conc[self.path] = conc.get(self.path, 0) + 1
            concurrent = conc[self.path]
            key = (self.path, msg_id)
            STATE["counts"][key] = STATE["counts"].get(key, 0) + 1
            count = STATE["counts"][key]
        try:
            status, headers, out = self.decide(self.path, count)
            rec = {
                "path": self.path, "method": self.command, "id": msg_id, "ts": ts,
                "sig_ok": sig_ok(self.server.key, msg_id, ts, body,
                                 self.headers.get("webhook-signature")),
                "content_type": self.headers.get("Content-Type"),
                "user_agent": self.headers.get("User-Agent"),
                "expect": self.headers.get("Expect"),
                "authorization": self.headers.get("Authorization"),
                "body": body.decode("utf-8", "replace"), "status": status,
                "concurrent": concurrent, "count": count,
            }
            with LOCK:
                self.server.log.write(json.dumps(rec) + "\n")
                self.server.log.flush()
            try:
                self.answer(status, out, headers)
            except OSError:
                pass  # the sender gave up (a timeout)
        finally:
            with LOCK:
                STATE["concurrent"][self.path] -= 1

    do_POST = handle_any
    do_PATCH = handle_any
    do_PUT = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a sender that gave up or closed its connection: not news
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret", required=True)
    a = ap.parse_args()
    if not a.secret.startswith("whsec_"):
        sys.exit("hookd.py: the secret begins with whsec_")
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.key = base64.b64decode(a.secret[len("whsec_"):])
    srv.log = open(a.log, "a", encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"ready {srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    finally:
        srv.log.close()


if __name__ == "__main__":
    main()
