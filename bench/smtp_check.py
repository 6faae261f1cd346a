#!/usr/bin/python3
"""
smtp_check.py - the checks of the SMTP benchmark (bench/run_smtp.sh) on a
world of bench/gen_smtp_world.py.  Standard library only.

    smtp_check.py raw WORLD RAW_PRINT
        raw_smtp --print's answers turned into verdicts, against
        WORLD/truth.tsv (status, reason, flags but "duplicate"): checks
        the world, the server's script and the raw client together.
    smtp_check.py leadgate WORLD OUT.csv
        leadgate's output against WORLD/truth.tsv, row by row: Email,
        verify_status, verify_reason, verify_flags (as a set) and
        verify_mx.
    smtp_check.py log WORLD RCPT_MAX WHO LOG...
        the manners of client WHO, from tests/smtpd.py's session logs (one
        per worker):
        DATA commands, how sessions ended, the most sessions open at once
        to one host address (across the workers, from the open and close
        times), and sessions per domain against the fewest that carry its
        recipients (one per RCPT_MAX of them).

Each prints lines for the report on stdout; the first line is the
summary.  Exit 0 (the figures are reported, not judged), 2 on bad input.
"""

import collections
import csv
import json
import math
import sys

# raw_smtp's outcome -> (status, reason), as leadgate's SMTP reasons give them.
RAW_VERDICT = {
    "no_mailbox": ("undeliverable", "smtp.no_mailbox"),
    "disabled": ("undeliverable", "smtp.disabled"),
    "full": ("risky", "smtp.mailbox_full"),
    "blocked": ("unknown", "smtp.blocked"),
    "greylisted": ("unknown", "smtp.greylisted"),
    "timeout": ("unknown", "smtp.timeout"),
    "no_connect": ("unknown", "smtp.no_connect"),
    "undecided": ("unknown", "smtp.undecided"),
}


def read_truth(world):
    rows = []
    with open(world + "/truth.tsv", encoding="utf-8") as f:
        for line in f:
            email, st, rs, flags, mx = line.rstrip("\n").split("\t")
            rows.append((email, st, rs, flags, mx))
    return rows


def recipient(email):
    """The address as leadgate sends it in RCPT TO: the domain lower-case."""
    loc, _, dom = email.rpartition("@")
    return loc + "@" + dom.lower()


def flagset(s):
    return frozenset(x for x in s.split(";") if x)


def report(what, total, ok, pairs, bad, extra=""):
    print("%s agrees with truth.tsv on %d of %d rows (%.3f%%)%s"
          % (what, ok, total, 100.0 * ok / max(total, 1), extra))
    for (w, g), c in pairs.most_common(10):
        print("  %8d  expected %s, got %s" % (c, w, g))
    if bad:
        print("first disagreements (row: email | expected | got):")
        for b in bad:
            print("  %d: %s | %s | %s" % b)


def check_raw(world, path):
    got, catch_all = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, addr, outcome, reply = line.rstrip("\n").split("\t")
            if kind == "random":
                catch_all[addr.rpartition("@")[2]] = outcome == "accepted"
            else:
                got[addr] = outcome
    n = ok = 0
    pairs, bad = collections.Counter(), []
    for email, st, rs, flags, _mx in read_truth(world):
        n += 1
        a = recipient(email)
        o = got.get(a)
        if o is None:
            g = ("missing", "", frozenset())
        elif o == "accepted":
            if catch_all.get(a.rpartition("@")[2]):
                g = ("risky", "smtp.catch_all", frozenset(["accept_all"]))
            else:
                g = ("deliverable", "ok", frozenset())
        else:
            g = RAW_VERDICT[o] + (frozenset(),)
        w = (st, rs, flagset(flags) - {"duplicate"})
        if g == w:
            ok += 1
        else:
            pairs[("%s/%s" % w[:2], "%s/%s" % g[:2])] += 1
            if len(bad) < 10:
                bad.append((n, email, "%s %s" % w[:2], "%s %s" % g[:2]))
    report("raw_smtp's answers (as verdicts)", n, ok, pairs, bad)


def check_leadgate(world, path):
    truth = read_truth(world)
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        hdr = next(r)
        try:
            ci = [hdr.index(c) for c in ("Email", "verify_status", "verify_reason",
                                          "verify_flags", "verify_mx")]
        except ValueError as e:
            sys.exit("smtp_check: %s: missing column (%s)" % (path, e))
        n = ok = 0
        pairs, bad = collections.Counter(), []
        for row in r:
            got = [row[i] if i < len(row) else "" for i in ci]
            if n >= len(truth):
                n += 1
                pairs[("(none)", "(extra output row)")] += 1
                continue
            email, st, rs, flags, mx = truth[n]
            n += 1
            if (got[0] == email and got[1] == st and got[2] == rs
                    and flagset(got[3]) == flagset(flags) and got[4] == mx):
                ok += 1
            else:
                pairs[("%s/%s %s" % (st, rs, flags), "%s/%s %s" % (got[1], got[2], got[3]))] += 1
                if len(bad) < 10:
                    bad.append((n, email, " ".join([st, rs, flags, mx]),
                                " ".join(got[1:]) if got[0] == email else "email %r" % got[0]))
    missing = max(len(truth) - n, 0)
    report("leadgate", len(truth) + max(n - len(truth), 0), ok, pairs, bad,
           ", %d rows missing from the output" % missing if missing else "")


def check_log(world, rcpt_max, who, paths):
    beh, nrcpt = {}, {}
    with open(world + "/domains.tsv", encoding="ascii") as f:
        for line in f:
            d, b, _rows, n, _hosts = line.rstrip("\n").split("\t")
            beh[d], nrcpt[d] = b, int(n)
    ev, unclosed = [], 0
    data = 0
    closed_by = collections.Counter()
    sessions = collections.Counter()
    for p in paths:
        opened, quit_at = {}, {}   # sid -> (time, host); sid -> time of its QUIT
        with open(p, encoding="utf-8") as f:
            for line in f:
                e = json.loads(line)
                k = e["ev"]
                if k == "open":
                    opened[e["sid"]] = (e["t"], e["host"])
                elif k == "close":
                    t0, h = opened.pop(e["sid"], (None, e["host"]))
                    # A session the client ended with QUIT is over for the
                    # client once the QUIT is read: the server logs its
                    # close only after the 221 is sent, when the client may
                    # have opened the next one already.
                    t1 = quit_at.pop(e["sid"], e["t"])
                    if t0 is not None:
                        ev.append((t0, 1, h))
                        ev.append((t1, -1, h))
                    closed_by[e["by"]] += 1
                    for d in e.get("domains", []):
                        sessions[d] += 1
                elif k == "cmd":
                    verb = e["cmd"][:4].upper()
                    if verb == "DATA":
                        data += 1
                    elif verb == "QUIT":
                        quit_at[e["sid"]] = e["t"]
        # sessions never closed (the server stopped first) count as open
        for t0, h in opened.values():
            ev.append((t0, 1, h))
        unclosed += len(opened)
    # Sessions at once per host address, across the workers: closes
    # before opens at the same instant.
    ev.sort(key=lambda x: (x[0], x[1]))
    cur, peak = collections.Counter(), collections.Counter()
    for _t, delta, h in ev:
        cur[h] += delta
        if cur[h] > peak[h]:
            peak[h] = cur[h]
    nsess = sum(closed_by.values())
    print("%s, from the server's log: %d sessions, %d DATA commands, at most %d sessions at once "
          "to one host address" % (who, nsess, data, max(peak.values()) if peak else 0)
          + (", %d sessions not closed" % unclosed if unclosed else ""))
    print("  sessions ended by: " + ", ".join("%s %d" % kv for kv in closed_by.most_common()))
    # Sessions per domain that named it in a RCPT TO, beyond the fewest
    # that carry its recipients (ceil(n / rcpt_max)), by behaviour.
    excess = collections.defaultdict(collections.Counter)
    more = plain = 0
    for d, n in nrcpt.items():
        if d in sessions or beh[d] not in ("block_banner", "drop", "tarpit"):
            x = sessions.get(d, 0) - math.ceil(n / rcpt_max)
            excess[beh[d]][x] += 1
            if beh[d] not in ("greylist", "too_many"):
                plain += 1
                more += x > 0
    print("  %d of %d domains (greylisting and 452 ones aside) named in more sessions than "
          "ceil(recipients / %d)" % (more, plain, rcpt_max))
    print("  sessions per domain naming it, minus ceil(recipients / %d), by behaviour:" % rcpt_max)
    for b in sorted(excess):
        print("    %-13s %s" % (b, ", ".join("%+d: %d" % kv for kv in sorted(excess[b].items()))))


def main(argv):
    if len(argv) >= 3 and argv[0] == "raw":
        check_raw(argv[1], argv[2])
    elif len(argv) >= 3 and argv[0] == "leadgate":
        check_leadgate(argv[1], argv[2])
    elif len(argv) >= 5 and argv[0] == "log":
        check_log(argv[1], int(argv[2]), argv[3], argv[4:])
    else:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
