#!/usr/bin/env python3
# dnsbad.py PORTFILE [silent | N | held FILE] - a DNS responder on loopback for
# tests/dns.sh that answers with canned records, some of them malformed on
# purpose: what a broken or hostile server sends and unbound never serves.
# It binds a free UDP port on 127.0.0.1, writes the port number to
# PORTFILE and answers until it is killed.  With "silent" it answers
# nothing, and refuses nothing either: a resolver that has died without
# closing its port.  With a number N it answers the first N queries, then
# nothing: a resolver that dies during a run.  With "held FILE" every query
# waits, unanswered, until FILE exists; then those and all later ones are
# answered: a test decides when lookups end, by an order of events rather
# than a timeout.  Standard library only.
#
#   mx-ok.com         MX 10 mx.mx-ok.com, the exchange compressed
#   a-ok.com          no MX; A 192.0.2.1
#   mx-pad.com        MX 10 whose exchange (the root) stops short of the
#                     record's data: "mail" follows it
#   a-short.com       no MX; an A record of 3 octets
#   aaaa-short.com    no MX, no A; an AAAA record of 4 octets
#   cname-loop.com    cname-loop.com CNAME b.cname-loop.com CNAME
#                     cname-loop.com, NOERROR, for every type
#   anything else     NXDOMAIN
import os
import socket
import struct
import sys

T_A, T_CNAME, T_MX, T_AAAA = 1, 5, 15, 28


def name(n):
    out = b""
    for label in n.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata):
    # owner: wire bytes (a name, or a compression pointer)
    return owner + struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata


QNAME = b"\xc0\x0c"  # a pointer to the question's name


def answer(qname, qtype):
    """(rcode, [records]) for a question."""
    if qname == "mx-ok.com":
        return 0, [rr(QNAME, T_MX, b"\x00\x0a\x02mx\xc0\x0c")] if qtype == T_MX else []
    if qname == "a-ok.com":
        return 0, [rr(QNAME, T_A, bytes([192, 0, 2, 1]))] if qtype == T_A else []
    if qname == "mx-pad.com":
        return 0, [rr(QNAME, T_MX, b"\x00\x0a\x00mail")] if qtype == T_MX else []
    if qname == "a-short.com":
        return 0, [rr(QNAME, T_A, bytes([192, 0, 2]))] if qtype == T_A else []
    if qname == "aaaa-short.com":
        return 0, [rr(QNAME, T_AAAA, bytes([32, 1, 13, 184]))] if qtype == T_AAAA else []
    if qname == "cname-loop.com":
        return 0, [rr(QNAME, T_CNAME, name("b.cname-loop.com")),
                   rr(name("b.cname-loop.com"), T_CNAME, name("cname-loop.com"))]
    return 3, []


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else ""
    left = int(mode) if mode.isdigit() else -1  # queries still answered; -1: all
    if mode == "silent":
        left = 0
    held = sys.argv[3] if mode == "held" else None
    waiting = []  # queries held back, with their peers
    if held:
        s.settimeout(0.05)
    while True:
        if held and waiting and os.path.exists(held):
            for q, peer in waiting:
                reply(s, q, peer)
            waiting = []
        try:
            q, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        if left == 0:
            continue
        if left > 0:
            left -= 1
        if held and not os.path.exists(held):
            waiting.append((q, peer))
            continue
        reply(s, q, peer)


def reply(s, q, peer):
    if len(q) < 12:
        return
    qid, _, qd = struct.unpack(">HHH", q[:6])
    if qd != 1:
        return
    # The question: labels (c-ares never compresses it), type, class.
    at, labels = 12, []
    while at < len(q) and q[at]:
        labels.append(q[at + 1:at + 1 + q[at]].decode("ascii", "replace"))
        at += 1 + q[at]
    end = at + 5
    if end > len(q):
        return
    qtype = struct.unpack(">H", q[at + 1:at + 3])[0]
    rcode, records = answer(".".join(labels).lower(), qtype)
    head = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1,
                       len(records), 0, 0)
    s.sendto(head + q[12:end] + b"".join(records), peer)

main()
