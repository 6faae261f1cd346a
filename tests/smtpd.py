#!/usr/bin/env python3
# smtpd.py - a scripted SMTP server on loopback for the tests and the
# benchmark of the mailbox prober (smtp/).  It plays, per listening
# address, one mail host: what it answers to RCPT TO for each mailbox, and
# how it misbehaves (greylisting, block lists, tarpits, drops ...).  It
# never takes a message: DATA is refused and logged, so that a test can
# assert that none ever came.  Standard library only (asyncio; ssl for
# STARTTLS).
#
#   smtpd.py --script SCRIPT.json --port N [--log LOG.jsonl] [--pidfile F]
#            [--cert C --key K] [--socks PORT] [--workers N] [--idle S]
#
# It listens on every address the script names, all on port N (only
# loopback addresses: 127.0.0.0/8, ::1), prints "ready" on stdout once
# listening and runs until SIGTERM.  With --port 0 it picks a port free on
# every address and prints "ready PORT"; with --socks 0 likewise
# " socks PORT" after it.  --socks PORT also listens on 127.0.0.1:PORT as
# a SOCKS5 proxy (RFC 1928: no authentication, CONNECT only, IPv4, IPv6
# and domain addresses) that connects only to loopback addresses.
# --workers N forks N processes, each with its own listening sockets on
# the same port (SO_REUSEPORT, the kernel spreads the connections); each
# logs to LOG.0 ... LOG.N-1; they share what greylisting remembers.
#
# The script (JSON):
#
#   {"hosts": {"127.0.0.2": {HOST}, ...},
#    "mailboxes": {MAILBOXES}}          for every host, under its own
#
# HOST, every key optional:
#   "name": "mx.test"        the name in the banner and the EHLO reply
#   "mta": "postfix"         whose wording the replies use: "postfix",
#                            "exim", "microsoft" (365) or "google"
#   "mailboxes": {...}       "user@domain" or "user" (any domain) to
#                            "ok", "unknown" (550 5.1.1 in the MTA's
#                            words), "disabled" (550 5.2.1), "full"
#                            (552 5.2.2), or a raw reply sent verbatim:
#                            "550 5.1.1 ..." (lines split on "\n", or a
#                            list of lines)
#   "default": "unknown"     the answer for a mailbox not listed
#   "catch_all": true        a mailbox not listed is "ok" (every RCPT 250)
#   "greylist": N            the first RCPT of an address from a client
#                            address gets 450 4.2.0, accepted N seconds on
#   "block": "banner"        554 5.7.1 (a block list) as the banner, then
#                            503 to all but QUIT; "rcpt": 550 5.7.1 to
#                            every RCPT
#   "refuse": true           accept and answer 421 at once, then close;
#                            "closed": the address is not listened on
#   "delay": D               each reply (the banner too) D seconds late
#   "drop_after": K          close the connection, unanswered, at the
#                            Kth command
#   "max_rcpt": K            452 4.5.3 to RCPTs after K in a session
#   "starttls": "offered"    STARTTLS in the EHLO reply (needs --cert and
#                            --key); "required": MAIL and RCPT get 530
#                            5.7.0 until TLS is on; "rcpt": only RCPT does
#   "tls_refuse": K          454 4.7.0 to the first K STARTTLS of a session
#   "flood": "ehlo"          that phase's reply ("banner", "ehlo", "mail"
#                            or "rcpt") comes after 160 continuation lines
#                            of 422 octets: over 64 KiB in all, each line
#                            within RFC 5321's 512
#   "banner", "mail"         raw replies for the banner and MAIL FROM
#
# The log: one JSON object a line, each with "t" (Unix time, seconds) and
# "ev":
#   open   a session: "sid", "client", "local" (ADDR:PORT), "host" (the
#          listening address), "concurrent" (this host's open sessions,
#          this one counted; with workers, those of this worker)
#   cmd    a command: "sid", "host", "cmd" (verbatim, without CRLF),
#          "reply" (as sent, lines joined by "\n"; null if none was sent)
#   tls    STARTTLS done: "sid", "host"
#   close  "sid", "host", "by" ("quit", "drop", "refuse", "client" (the
#          client closed), "idle", "stop" (SIGTERM), "error"), "rcpts"
#          (RCPT commands), "domains" (the domains they named, sorted)
#   socks  a SOCKS5 request: "client", "dest" (ADDR:PORT or NAME:PORT),
#          "reply" (RFC 1928's REP: 0 succeeded)
import argparse
import asyncio
import ipaddress
import json
import math
import mmap
import os
import signal
import socket
import ssl
import struct
import sys
import time
import zlib

# Replies per MTA, each written from that MTA's documented format (Postfix
# smtpd's reject messages, Exim's ACL defaults, Microsoft 365's NDR table,
# Google's support pages).  {addr}: the recipient.
WORDS = {
    "postfix": {
        "ok": "250 2.1.5 Ok",
        "unknown": "550 5.1.1 <{addr}>: Recipient address rejected: "
        "User unknown in local recipient table",
        "disabled": "550 5.2.1 <{addr}>: Recipient address rejected: Mailbox disabled",
        "full": "552 5.2.2 <{addr}>: Recipient address rejected: Mailbox full",
    },
    "exim": {
        # Exim names no enhanced code unless configured to
        "ok": "250 Accepted",
        "unknown": "550 Unrouteable address",
        "disabled": "550 5.2.1 <{addr}>: mailbox disabled",
        "full": "552 5.2.2 <{addr}>: mailbox is full",
    },
    "microsoft": {
        "ok": "250 2.1.5 Recipient OK",
        "unknown": "550 5.4.1 Recipient address rejected: Access denied. "
        "AS(201806281) [DB8EUR05FT011.eop-eur05.prod.protection.outlook.com]",
        "disabled": "550 5.2.1 Mailbox disabled for this recipient",
        "full": "552 5.2.2 Mailbox full",
    },
    "google": {
        "ok": "250 2.1.5 OK x1si1234567qkb.12 - gsmtp",
        "unknown": "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
        "550-5.1.1 double-checking the recipient's email address for typos or\n"
        "550-5.1.1 unnecessary spaces. For more information, go to\n"
        "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser x1si1234567qkb.12 - gsmtp",
        "disabled": "550-5.2.1 The email account that you tried to reach is disabled. Learn more at\n"
        "550 5.2.1  https://support.google.com/mail/?p=DisabledUser x1si1234567qkb.12 - gsmtp",
        "full": "552-5.2.2 The email account that you tried to reach is over quota. Please direct\n"
        "552 5.2.2  the recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp",
    },
}
GREYLISTED = "450 4.2.0 <{addr}>: Recipient address rejected: Greylisted, try again in {n} seconds"
BLOCKED_BANNER = ("554 5.7.1 Service unavailable; Client host [{client}] blocked using "
                  "zen.spamhaus.org; https://www.spamhaus.org/query/ip/{client}")
BLOCKED_RCPT = "550 5.7.1 Service unavailable; Client host [{client}] blocked using zen.spamhaus.org"
TOO_MANY = "452 4.5.3 Error: too many recipients"
REFUSED = "421 4.3.2 Service not available, closing transmission channel"
NEED_TLS = "530 5.7.0 Must issue a STARTTLS command first"
NO_DATA = "554 5.5.1 Error: no message is taken here"
TLS_REFUSED = "454 4.7.0 TLS not available due to local problem"
FLOODS = {"banner", "ehlo", "mail", "rcpt"}

HOST_KEYS = {"name", "mta", "mailboxes", "default", "catch_all", "greylist", "block",
             "refuse", "delay", "drop_after", "max_rcpt", "starttls", "banner", "mail",
             "tls_refuse", "flood"}
STATES = {"ok", "unknown", "disabled", "full"}


def die(msg):
    print(f"smtpd.py: {msg}", file=sys.stderr)
    sys.exit(2)


def raw(reply):
    """A raw reply of the script (a string with "\\n" between lines, or a
    list of lines) as one string, lines joined by "\\n"."""
    return "\n".join(reply) if isinstance(reply, list) else reply


class Host:
    """One listening address's behaviour, checked once at start."""

    def __init__(self, addr, spec, shared, path):
        where = f"{path}: host {addr}"
        if not isinstance(spec, dict):
            die(f"{where}: not an object")
        bad = set(spec) - HOST_KEYS
        if bad:
            die(f"{where}: unknown key {sorted(bad)[0]!r}")
        self.addr = addr
        self.name = spec.get("name", "mx.test")
        mta = spec.get("mta", "postfix")
        if mta not in WORDS:
            die(f"{where}: mta {mta!r} is none of {', '.join(WORDS)}")
        self.words = WORDS[mta]
        self.esc = mta != "exim"  # ENHANCEDSTATUSCODES in the EHLO reply
        if not isinstance(spec.get("mailboxes", {}), dict) or not isinstance(shared, dict):
            die(f"{where}: mailboxes is not an object")
        # Keys lower-cased once: a lookup is then one or two dict gets.
        self.boxes = {k.lower(): raw(v) for k, v in {**shared, **spec.get("mailboxes", {})}.items()}
        self.default = spec.get("default", "ok" if spec.get("catch_all") else "unknown")
        for k, v in [*self.boxes.items(), ("default", self.default)]:
            if not isinstance(v, str) or (v not in STATES and not v[:3].isdigit()):
                die(f"{where}: mailbox {k}: {v!r} is no state ({', '.join(sorted(STATES))}) nor a reply")
        def num(key, kind):
            v = spec.get(key, 0)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                die(f"{where}: {key} {v!r} is no number of {kind}")
            return v

        self.greylist = num("greylist", "seconds")
        self.block = spec.get("block")
        if self.block not in (None, "banner", "rcpt"):
            die(f"{where}: block {self.block!r} is neither \"banner\" nor \"rcpt\"")
        self.refuse = spec.get("refuse", False)
        if self.refuse not in (False, True, "closed"):
            die(f"{where}: refuse {self.refuse!r} is neither true nor \"closed\"")
        self.delay = num("delay", "seconds")
        self.drop_after = num("drop_after", "commands")
        self.max_rcpt = num("max_rcpt", "recipients")
        self.starttls = spec.get("starttls")
        if self.starttls not in (None, "offered", "required", "rcpt"):
            die(f"{where}: starttls {self.starttls!r} is none of \"offered\", \"required\", \"rcpt\"")
        self.tls_refuse = num("tls_refuse", "refusals")
        self.flood = spec.get("flood")
        if self.flood is not None and self.flood not in FLOODS:
            die(f"{where}: flood {self.flood!r} is none of {', '.join(sorted(FLOODS))}")
        self.banner = raw(spec.get("banner", f"220 {self.name} ESMTP"))
        self.mail = raw(spec.get("mail", "250 2.1.0 Ok"))
        self.open = 0  # sessions open now (in this process)

    def rcpt(self, addr):
        """The reply to RCPT TO:<addr> by the mailbox's state."""
        a = addr.lower()
        state = self.boxes.get(a) or self.boxes.get(a.partition("@")[0]) or self.default
        if state in STATES:
            return self.words[state].replace("{addr}", addr)
        return state


class Greylist:
    """When each (client address, recipient) was first seen, in a table
    shared by the workers (an anonymous mapping made before they fork), so
    that a retry is answered alike whichever worker takes it.  Slot i holds
    a CLOCK_MONOTONIC time (the same in every process), 0 if empty.  Two
    keys in one slot make the later one pass early: with 2^20 slots and a
    few thousand addresses, rarely enough for a test tool."""

    SLOTS = 1 << 20

    def __init__(self):
        self.m = mmap.mmap(-1, 8 * self.SLOTS)

    def first(self, key, now):
        """The time key was first seen; now if never (and it is kept)."""
        at = 8 * (zlib.crc32(key.encode()) % self.SLOTS)
        t = struct.unpack_from("d", self.m, at)[0]
        if t == 0:
            struct.pack_into("d", self.m, at, now)
            return now
        return t


class Log:
    """The JSON-lines log; flushed at each session's open and close, and
    at exit, so that a test reading it after a session sees the session."""

    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8") if path else None

    def write(self, ev, flush=False, **kw):
        if self.f:
            self.f.write(json.dumps({"t": round(time.time(), 6), "ev": ev, **kw}) + "\n")
            if flush:
                self.f.flush()

    def close(self):
        if self.f:
            self.f.close()
            self.f = None  # what a relay still running says is lost


class Session:
    """One SMTP connection to a host: reads commands a line at a time (so
    pipelined commands, RFC 2920, are answered in order) and answers each
    as the host's script says."""

    next_sid = 0

    def __init__(self, srv, host, reader, writer):
        self.srv, self.host, self.r, self.w = srv, host, reader, writer
        Session.next_sid += 1
        self.sid = Session.next_sid
        peer = writer.get_extra_info("peername")
        self.client = peer[0]
        self.peer = f"{peer[0]}:{peer[1]}"
        sock = writer.get_extra_info("sockname")
        self.local = f"{sock[0]}:{sock[1]}"
        self.helo = self.mail = self.tls = False
        self.ncmd = self.nrcpt = self.counted = self.nstarttls = 0
        self.domains = set()

    async def send(self, reply, phase=None):
        if self.host.delay:
            await asyncio.sleep(self.host.delay)
        if phase and phase == self.host.flood:
            # 160 lines of 422 octets (CRLF included) before the reply's
            # own: a reply over 64 KiB whose every line is within 512
            # octets (RFC 5321 4.5.3.1.5), in the reply's code
            self.w.write(f"{reply[:3]}-{'x' * 416}\r\n".encode() * 160)
        self.w.write(reply.replace("\n", "\r\n").encode() + b"\r\n")
        await self.w.drain()

    async def run(self):
        h, log = self.host, self.srv.log
        h.open += 1
        log.write("open", True, sid=self.sid, client=self.peer, local=self.local,
                  host=h.addr, concurrent=h.open)
        by = "error"
        try:
            by = await self.talk()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            by = "client"
        except TimeoutError:
            by = "idle"
        except asyncio.CancelledError:
            # Only the stop cancels a session; it ends here, not raising
            # (asyncio's stream callback would report a cancelled task).
            by = "stop"
        finally:
            h.open -= 1
            log.write("close", True, sid=self.sid, host=h.addr, by=by, rcpts=self.nrcpt,
                      domains=sorted(self.domains))
            self.w.close()

    async def talk(self):
        """The session; returns how it ended (the log's "by")."""
        h = self.host
        if h.refuse:
            await self.send(REFUSED)
            return "refuse"
        blocked = h.block == "banner"
        await self.send(BLOCKED_BANNER.format(client=self.client) if blocked else h.banner,
                        "banner")
        while True:
            try:
                async with asyncio.timeout(self.srv.idle):
                    line = await self.r.readline()
            except ValueError:  # longer than the reader's limit (64 KiB)
                await self.send("500 5.5.6 Error: line too long")
                return "error"
            if not line:
                return "client"
            if not line.endswith(b"\n"):
                return "client"  # closed in mid-line
            cmd = line.rstrip(b"\r\n").decode("utf-8", "backslashreplace")
            self.ncmd += 1
            if self.ncmd == h.drop_after:
                self.srv.log.write("cmd", sid=self.sid, host=h.addr, cmd=cmd, reply=None)
                return "drop"
            verb = cmd.partition(" ")[0].upper()
            if blocked and verb != "QUIT":
                reply = "503 5.5.1 Error: the banner refused this session"
            else:
                reply = self.answer(verb, cmd)
            self.srv.log.write("cmd", sid=self.sid, host=h.addr, cmd=cmd, reply=reply)
            await self.send(reply, {"EHLO": "ehlo", "MAIL": "mail", "RCPT": "rcpt"}.get(verb))
            if verb == "QUIT":
                return "quit"
            if verb == "STARTTLS" and reply.startswith("220"):
                # RFC 3207 4.2: after TLS, the session starts over at EHLO
                await self.w.start_tls(self.srv.tls)
                self.tls, self.helo, self.mail = True, False, False
                self.srv.log.write("tls", sid=self.sid, host=h.addr)

    def answer(self, verb, cmd):
        """The reply to one command (no I/O): RFC 5321 4.1.1's commands,
        RFC 3207's STARTTLS."""
        h = self.host
        if verb in ("EHLO", "HELO"):
            if not cmd[5:].strip():
                return "501 5.5.4 Syntax: EHLO hostname"
            self.helo, self.mail = True, False
            if verb == "HELO":
                return f"250 {h.name}"
            ext = ["PIPELINING", "SIZE 10240000"]
            if h.starttls and not self.tls:
                ext.append("STARTTLS")
            if h.esc:
                ext.append("ENHANCEDSTATUSCODES")
            ext.append("8BITMIME")
            lines = [f"{h.name} Hello [{self.client}]", *ext]
            return "\n".join(f"250{'-' if i < len(lines) - 1 else ' '}{x}" for i, x in enumerate(lines))
        if verb == "STARTTLS":
            if cmd.strip().upper() != "STARTTLS":
                return "501 5.5.4 Syntax: STARTTLS"
            if not h.starttls or self.tls:
                return "502 5.5.1 Error: command not implemented"
            self.nstarttls += 1
            if self.nstarttls <= h.tls_refuse:
                return TLS_REFUSED
            return "220 2.0.0 Ready to start TLS"
        if verb == "MAIL":
            if not cmd.upper().startswith("MAIL FROM:"):
                return "501 5.5.4 Syntax: MAIL FROM:<address>"
            if h.starttls == "required" and not self.tls:
                return NEED_TLS
            if not self.helo:
                return "503 5.5.1 Error: send HELO/EHLO first"
            if self.mail:
                return "503 5.5.1 Error: nested MAIL command"
            reply = h.mail
            self.mail = reply.startswith("2")
            return reply
        if verb == "RCPT":
            return self.rcpt(cmd)
        if verb == "DATA":
            return NO_DATA
        if verb == "RSET":
            self.mail = False
            return "250 2.0.0 Ok"
        if verb == "NOOP":
            return "250 2.0.0 Ok"
        if verb == "QUIT":
            return "221 2.0.0 Bye"
        if verb == "VRFY":
            return "252 2.0.0 Send some mail, I'll try my best"
        return "502 5.5.2 Error: command not recognized"

    def rcpt(self, cmd):
        h = self.host
        if not cmd.upper().startswith("RCPT TO:"):
            return "501 5.5.4 Syntax: RCPT TO:<address>"
        self.nrcpt += 1
        addr = cmd[8:].strip()
        if addr.startswith("<"):
            addr = addr[1:].partition(">")[0]
        else:
            addr = addr.partition(" ")[0]
        if "@" in addr:
            self.domains.add(addr.rpartition("@")[2].lower())
        if h.starttls in ("required", "rcpt") and not self.tls:
            return NEED_TLS
        if not self.mail:
            return "503 5.5.1 Error: need MAIL command"
        if h.block == "rcpt":
            return BLOCKED_RCPT.format(client=self.client)
        if h.max_rcpt and self.counted >= h.max_rcpt:
            return TOO_MANY
        self.counted += 1  # the recipients max_rcpt counts
        if h.greylist:
            # Greylisting by (client address, recipient), as postgrey does
            # by (client, sender, recipient): the sender is always ours.
            now = time.monotonic()
            first = self.srv.grey.first(f"{h.addr} {self.client} {addr.lower()}", now)
            if now - first < h.greylist:
                return GREYLISTED.format(addr=addr, n=math.ceil(h.greylist - (now - first)))
        return h.rcpt(addr)


# ---- SOCKS5 (RFC 1928) -----------------------------------------------------


async def socks(srv, reader, writer):
    """One SOCKS5 client: no authentication (method 0), CONNECT only, to a
    loopback address only; then relay bytes both ways until one closes."""
    peer = writer.get_extra_info("peername")
    dest, rep, greeted = None, 1, False
    try:
        ver, n = await reader.readexactly(2)
        methods = await reader.readexactly(n)
        if ver != 5 or 0 not in methods:
            writer.write(b"\x05\xff")  # no acceptable method (RFC 1928 3)
            rep = 255
            return
        writer.write(b"\x05\x00")
        greeted = True
        ver, cmd, _, atyp = await reader.readexactly(4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        elif atyp == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("ascii", "replace")
        else:
            rep = 8  # address type not supported
            return
        port = int.from_bytes(await reader.readexactly(2), "big")
        dest = f"{host}:{port}"
        if cmd != 1:
            rep = 7  # command not supported
            return
        # A name is connected to only if it is "localhost" or an address
        # literal: this proxy resolves nothing (the tests have no network).
        ip = "127.0.0.1" if host.lower() == "localhost" else host
        try:
            if not ipaddress.ip_address(ip).is_loopback:
                rep = 2  # not allowed by ruleset
                return
        except ValueError:
            rep = 4  # host unreachable
            return
        try:
            ur, uw = await asyncio.open_connection(ip, port)
        except OSError:
            rep = 5  # connection refused
            return
        rep = 0
        bound = uw.get_extra_info("sockname")
        fam = socket.AF_INET6 if ":" in bound[0] else socket.AF_INET
        writer.write(bytes([5, 0, 0, 4 if fam == socket.AF_INET6 else 1]) +
                     socket.inet_pton(fam, bound[0]) + bound[1].to_bytes(2, "big"))
        srv.log.write("socks", True, client=f"{peer[0]}:{peer[1]}", dest=dest, reply=0)
        await asyncio.gather(pipe(reader, uw), pipe(ur, writer))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        if rep:
            if greeted:
                writer.write(bytes([5, rep, 0, 1]) + bytes(6))
            srv.log.write("socks", True, client=f"{peer[0]}:{peer[1]}", dest=dest, reply=rep)
        writer.close()


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


# ---- listening ---------------------------------------------------------------


def bind(addr, port, reuse):
    """A TCP socket bound to addr:port (not listening yet)."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        s.bind((addr, port))
    except OSError:
        s.close()
        raise
    return s


def bind_all(addrs, port, reuse):
    """Sockets bound to every address on port; port 0: one port that is
    free on all of them (tried up to 50 times).  Returns (port, sockets)."""
    for _ in range(50 if port == 0 else 1):
        socks_ = []
        try:
            first = bind(addrs[0], port, reuse)
            socks_.append(first)
            p = first.getsockname()[1]
            for a in addrs[1:]:
                socks_.append(bind(a, p, reuse))
            return p, socks_
        except OSError as e:
            for s in socks_:
                s.close()
            err = e
    die(f"cannot listen on port {port} of {', '.join(addrs)}: {err.strerror}")


class Server:
    def __init__(self, hosts, log, tls, idle, grey):
        self.hosts, self.log, self.tls, self.idle, self.grey = hosts, log, tls, idle, grey
        self.sessions = set()  # the tasks of the sessions open


async def serve(srv, smtp_socks, socks_sock, ready):
    """Accept on the bound sockets until SIGTERM; ready() once listening."""
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    servers = []
    for s in smtp_socks:
        host = srv.hosts[s.getsockname()[0]]

        async def conn(r, w, host=host):
            task = asyncio.current_task()
            srv.sessions.add(task)
            try:
                await Session(srv, host, r, w).run()
            finally:
                srv.sessions.discard(task)
        servers.append(await asyncio.start_server(conn, sock=s, backlog=1024))
    if socks_sock:
        servers.append(await asyncio.start_server(lambda r, w: socks(srv, r, w),
                                                  sock=socks_sock, backlog=1024))
    ready()
    await stop
    for s in servers:
        s.close()
    # The sessions still open end now, each logged as closed by "stop".
    for task in list(srv.sessions):
        task.cancel()
    await asyncio.gather(*srv.sessions, return_exceptions=True)
    srv.log.close()


def main():
    ap = argparse.ArgumentParser(description="a scripted SMTP server on loopback, for the tests")
    ap.add_argument("--script", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--socks", type=int)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--idle", type=float, default=60, help="seconds a client may be silent")
    a = ap.parse_args()

    try:
        with open(a.script, encoding="utf-8") as f:
            script = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{a.script}: {e}")
    if not isinstance(script, dict) or not isinstance(script.get("hosts"), dict) or not script["hosts"]:
        die(f"{a.script}: no \"hosts\" object")
    hosts = {}
    for addr, spec in script["hosts"].items():
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            die(f"{a.script}: host {addr!r} is no IP address")
        if not ip.is_loopback:
            die(f"{a.script}: host {addr} is not a loopback address")
        h = Host(str(ip), spec, script.get("mailboxes", {}), a.script)
        if h.refuse != "closed":
            hosts[str(ip)] = h
    if not hosts:
        die(f"{a.script}: every host is closed")
    tls = None
    if any(h.starttls for h in hosts.values()):
        if not (a.cert and a.key):
            die("the script offers STARTTLS: give --cert and --key")
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)
    if a.workers < 1:
        die("--workers must be 1 or more")
    if a.socks is not None and not 0 <= a.socks < 65536:
        die("--socks must be a port number")

    # With workers, the parent binds (without listening) only to find and
    # hold the port; each worker binds its own sockets with SO_REUSEPORT.
    reuse = a.workers > 1
    port, smtp_socks = bind_all(list(hosts), a.port, reuse)
    sport, socks_socks = (bind_all(["127.0.0.1"], a.socks, reuse) if a.socks is not None
                          else (None, []))
    line = "ready" + (f" {port}" if a.port == 0 else "") + (f" socks {sport}" if a.socks == 0 else "")
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write(f"{os.getpid()}\n")

    grey = Greylist()

    def run(log, smtp, sk, ready):
        srv = Server(hosts, Log(log), tls, a.idle, grey)
        asyncio.run(serve(srv, smtp, sk[0] if sk else None, ready))

    if a.workers == 1:
        run(a.log, smtp_socks, socks_socks, lambda: print(line, flush=True))
        return
    rfd, wfd = os.pipe()
    kids = []
    for i in range(a.workers):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            mine = [bind(s.getsockname()[0], port, True) for s in smtp_socks]
            sk = [bind("127.0.0.1", sport, True)] if socks_socks else []
            for s in smtp_socks + socks_socks:
                s.close()
            run(a.log and f"{a.log}.{i}", mine, sk, lambda: os.write(wfd, b"r"))
            os._exit(0)
        kids.append(pid)
    os.close(wfd)
    got = 0
    while got < a.workers:
        b = os.read(rfd, 64)
        if not b:
            die("a worker ended before it listened")
        got += len(b)
    print(line, flush=True)

    def term(*_):
        for k in kids:
            try:
                os.kill(k, signal.SIGTERM)
            except ProcessLookupError:
                pass
    signal.signal(signal.SIGTERM, term)
    signal.signal(signal.SIGINT, term)
    for k in kids:
        while True:
            try:
                os.waitpid(k, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break


if __name__ == "__main__":
    main()
