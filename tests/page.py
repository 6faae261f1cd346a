#!/usr/bin/env python3
"""page.py - drive the service's page in headless Chromium through the
DevTools protocol (a WebSocket client on the standard library only), as
tests/serve_page.sh asks (and the handoff's accept link's page, as
tests/serve_handoff.sh asks), and say what the page showed.

  page.py CHROMIUM DIR URL KEY [--bad-key KEY] [--upload CSV --list NAME]
          [--lists] [--all] --shot PNG --out JSON
  page.py CHROMIUM DIR URL - --accept LINK --shot PNG --out JSON

Chromium runs with its profile and downloads in DIR and is stopped by the
id of its process group when this ends.  Prints "ok - ..." / "not ok - ..."
lines (counted by the shell); OUT gets what the page showed: the lists'
rows, the job's row, the downloaded results' path; with --all, every list
and job, after "Show more" was pressed until there was no more (and how
many showed before).  Every wait is bounded.
"""
import argparse
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request

WAIT_S = 60  # the longest any one step may take


def say(good, what):
    print(("ok - " if good else "not ok - ") + what, flush=True)
    return good


class WebSocket:
    """The client side of RFC 6455, enough for the DevTools protocol:
    text frames, masked out, possibly fragmented in; ping answered."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.s = socket.create_connection((host, int(port)), timeout=WAIT_S)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise OSError("the DevTools socket closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise OSError("no WebSocket upgrade: %r" % head[:80])
        self.buf = b""

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise OSError("the DevTools socket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _frame(self, opcode, data):
        head = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def send(self, text):
        self._frame(1, text.encode())

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = b0 & 0x0F
            if opcode == 9:
                self._frame(10, data)
                continue
            if opcode == 8:
                raise OSError("the DevTools socket was closed")
            if opcode in (0, 1, 2):
                msg += data
                if b0 & 0x80:
                    return msg.decode()


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.n = 0
        self.events = []

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.n:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def until(self, expr, what, secs=WAIT_S):
        """Wait for expr to be true; False (and said) when it never is."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if self.js(expr):
                return True
            time.sleep(0.1)
        say(False, "%s (waited %d s)" % (what, secs))
        return False

    def type(self, text):
        self.call("Input.insertText", text=text)

    def key(self, name, code):
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=name, code=code,
                      windowsVirtualKeyCode=code == "Enter" and 13 or 9,
                      **({"text": "\r"} if name == "Enter" and kind == "keyDown" else {}))

    def problems(self):
        """Exceptions and console errors so far (a CSP violation is one)."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                # The API's own error answers (the test's bad key) are
                # logged by the browser as failed loads: not the page's.
                if p["entry"].get("source") != "network":
                    out.append(p["entry"]["text"])
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value")) for a in p.get("args", [])))
        return out


ROWS_JS = """(() => [...document.querySelectorAll('%s tbody tr')].map(tr => {
    const o = {cells: [...tr.cells].map(c => c.textContent), by: {}};
    for (const a of tr.getAttributeNames()) o[a] = tr.getAttribute(a);
    for (const c of tr.querySelectorAll('td[data-status]'))
        o.by[c.dataset.status] = c.textContent;
    const p = tr.querySelector('progress');
    if (p) o.progress = p.value;
    return o;
}))()"""


def start_chromium(binary, d):
    os.makedirs(d + "/profile", exist_ok=True)
    err = open(d + "/chromium.err", "w")
    proc = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-sync",
         "--disable-background-networking", "--disable-component-update",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--user-data-dir=" + d + "/profile", "--window-size=1280,1000", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    port_file = d + "/profile/DevToolsActivePort"
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end and proc.poll() is None:
        if os.path.exists(port_file):
            lines = open(port_file).read().split()
            if len(lines) >= 2:
                break
        time.sleep(0.1)
    else:
        stop(proc)
        raise RuntimeError("chromium did not start: " + open(d + "/chromium.err").read()[-500:])
    port = int(lines[0])
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port,
                                               timeout=WAIT_S))
    page = [t for t in targets if t["type"] == "page"][0]
    return proc, page["webSocketDebuggerUrl"]


def stop(proc):
    """Chromium and its helpers: the process group this started."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


COUNT_JS = "document.querySelectorAll('#%s-table tbody tr').length"
MORE_JS = "!document.getElementById('%s-more').hidden"


def show_all(page, out):
    """Each table's first page, then "Show more" pressed (by keyboard:
    the focus on the button, Enter) until it goes; at most 50 times."""
    for what, attr in (("lists", "data-list"), ("jobs", "data-job")):
        page.until("%s > 0 && %s" % (COUNT_JS % what, MORE_JS % what),
                   "the %s show, with a Show more" % what)
        out[what + "_first"] = page.js(COUNT_JS % what)
        presses = 0
        while presses < 50 and page.js(MORE_JS % what):
            n = page.js(COUNT_JS % what)
            page.js("document.getElementById('%s-more').focus()" % what)
            page.key("Enter", "Enter")
            if not page.until("%s > %d || !(%s)" % (COUNT_JS % what, n, MORE_JS % what),
                              "Show more %s adds rows" % what):
                break
            presses += 1
        out[what + "_presses"] = presses
        out[what + "_all"] = page.js(
            "[...document.querySelectorAll('#%s-table tbody tr')].map(r => r.getAttribute('%s'))"
            % (what, attr))
        say(not page.js(MORE_JS % what), "Show more %s, pressed %d times, has shown them all"
            % (what, presses))


def settled(page, expr, what):
    """Wait for expr across a navigation (while the page changes, there
    is no context to evaluate in): False (and said) when it never holds."""
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        try:
            if page.js(expr):
                return True
        except RuntimeError:
            pass
        time.sleep(0.1)
    say(False, "%s (waited %d s)" % (what, WAIT_S))
    return False


H1_JS = "(document.querySelector('h1') || {}).textContent || ''"


def accept(a, page, out):
    """The handoff's accept link (--accept URL): its page loads with one
    Accept button and nothing refused by its CSP; the button, pressed by
    keyboard, POSTs the link and the answer says Accepted."""
    page.call("Page.navigate", url=a.accept)
    if not settled(page, "document.readyState === 'complete' && %s !== ''" % H1_JS,
                   "the accept link's page loads"):
        return
    out["before"] = page.js(H1_JS)
    say(page.js("document.querySelectorAll('form[method=post] button').length") == 1,
        "the accept link's page has one Accept button")
    page.js("document.querySelector('form button').focus()")
    page.key("Enter", "Enter")
    if settled(page, "document.readyState === 'complete' && %s === 'Accepted'" % H1_JS,
               "the button's POST answers Accepted"):
        say(True, "the button's POST answers Accepted")
    out["after"] = page.js(H1_JS)
    out["text"] = page.js("(document.querySelector('p') || {}).textContent || ''")
    bad = page.problems()
    say(not bad, "no script error, no CSP violation on the accept link's pages"
        + ("" if not bad else ": %s" % bad[:3]))


def run(a, page, out):
    page.call("Runtime.enable")
    page.call("Log.enable")
    page.call("Page.enable")
    page.call("DOM.enable")
    if a.accept:
        accept(a, page, out)
        return
    os.makedirs(a.dir + "/downloads", exist_ok=True)
    page.call("Browser.setDownloadBehavior", behavior="allow",
              downloadPath=os.path.abspath(a.dir + "/downloads"))
    page.call("Page.navigate", url=a.url + "/")
    if not page.until("document.readyState === 'complete'", "the page loads"):
        return
    # app.js ran (CSP allowed it) and put the focus on the key's field.
    ok = page.until("document.activeElement && document.activeElement.id === 'key-input'",
                    "the key's field has the focus", 10)
    say(ok, "the page loads and asks for the key")
    say(page.js("document.getElementById('app').hidden"), "nothing but the key form shows")
    say(page.js("document.querySelector('label[for=key-input]') !== null"),
        "the key's field has a label")

    if a.bad_key:
        page.type(a.bad_key)
        page.key("Enter", "Enter")
        ok = page.until("document.getElementById('error').textContent.includes('refused')"
                        " && !document.getElementById('key').hidden",
                        "a refused key: the page says so and asks again")
        if ok:
            say(True, "a refused key: the page says so and asks again")
        say(page.js("sessionStorage.getItem('leadgate.key')") is None,
            "a refused key is not kept")

    # The key typed, Enter pressed: keyboard only.
    page.js("document.getElementById('key-input').focus()")
    page.type(a.key)
    page.key("Enter", "Enter")
    say(page.until("!document.getElementById('app').hidden", "the key opens the page"),
        "the key, typed and entered, opens the page")
    say(page.js("sessionStorage.getItem('leadgate.key')") == a.key,
        "the key is kept in sessionStorage")
    say(a.key not in page.js("location.href"), "the key is not in the URL")

    if a.lists:
        page.until("document.querySelectorAll('#lists-table tbody tr').length > 0 ||"
                   " document.getElementById('lists-note').textContent !== ''",
                   "the lists show")
        out["lists_before"] = page.js(ROWS_JS % "#lists-table")

    if a.upload:
        doc = page.call("DOM.getDocument")
        node = page.call("DOM.querySelector", nodeId=doc["root"]["nodeId"],
                         selector="#upload-file")
        page.call("DOM.setFileInputFiles", nodeId=node["nodeId"],
                  files=[os.path.abspath(a.upload)])
        page.js("document.getElementById('upload-list').focus()")
        page.type(a.list)
        page.key("Enter", "Enter")
        ok = page.until("/^Job \\S+ /.test(document.getElementById('upload-note').textContent)",
                        "the upload makes a job")
        note = page.js("document.getElementById('upload-note').textContent")
        say(ok, "the upload makes a job: " + note)
        job_id = note.split()[1] if ok else None
        out["job_id"] = job_id
        if ok:
            done = page.until(
                "(() => { const r = document.querySelector('#jobs-table tr[data-job=\"%s\"]');"
                " return r && ['done', 'failed', 'cancelled'].includes(r.dataset.state); })()"
                % job_id, "the job ends on the page")
            rows = page.js(ROWS_JS % "#jobs-table")
            out["job"] = [r for r in rows if r.get("data-job") == job_id][0]
            say(done and out["job"]["data-state"] == "done", "the page shows the job done")
            say(out["job"].get("progress") == 100, "its progress bar is full")
            # The lists follow: the job's list shows with its counts.
            if a.lists:
                page.until("[...document.querySelectorAll('#lists-table tbody tr')]"
                           ".some(r => r.dataset.list === %s)" % json.dumps(a.list),
                           "the job's list shows")
                out["lists"] = page.js(ROWS_JS % "#lists-table")
            # The results, downloaded with the button.
            before = set(os.listdir(a.dir + "/downloads"))
            page.js("document.querySelector('#jobs-table tr[data-job=\"%s\"] button').click()"
                    % job_id)
            end = time.monotonic() + WAIT_S
            got = None
            while time.monotonic() < end and not got:
                new = [f for f in set(os.listdir(a.dir + "/downloads")) - before
                       if not f.endswith(".crdownload")]
                got = new[0] if new else None
                time.sleep(0.1)
            say(got is not None, "the results download: %s" % got)
            if got:
                out["download"] = os.path.abspath(a.dir + "/downloads/" + got)

    if a.all:
        show_all(page, out)

    bad = page.problems()
    say(not bad, "no script error, no CSP violation" + ("" if not bad else ": %s" % bad[:3]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("chromium")
    p.add_argument("dir")
    p.add_argument("url")
    p.add_argument("key")
    p.add_argument("--bad-key")
    p.add_argument("--upload")
    p.add_argument("--list", default="")
    p.add_argument("--lists", action="store_true")
    p.add_argument("--all", action="store_true")
    p.add_argument("--accept", help="a handoff's accept link: its page and button only")
    p.add_argument("--shot", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    out = {}
    proc = None
    try:
        proc, ws_url = start_chromium(a.chromium, a.dir)
        page = Page(WebSocket(ws_url))
        try:
            run(a, page, out)
        finally:
            # The screenshot, whatever happened: what the page showed last.
            # An artifact for a person to look at, not a check: on a
            # loaded machine it can outlast WAIT_S, which is said, not
            # failed (the checks above have passed or failed already).
            try:
                shot = page.call("Page.captureScreenshot", format="png",
                                 captureBeyondViewport=True)
                os.makedirs(os.path.dirname(a.shot) or ".", exist_ok=True)
                with open(a.shot, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
            except (OSError, RuntimeError, ValueError, KeyError) as e:
                print("# no screenshot: %s" % e, flush=True)
    except Exception as e:  # said, and the test goes on to stop everything
        say(False, "the browser: %s" % e)
    finally:
        if proc:
            stop(proc)
        with open(a.out, "w") as f:
            json.dump(out, f)


if __name__ == "__main__":
    sys.exit(main())
