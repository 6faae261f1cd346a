#!/usr/bin/python3
"""
gen_store.py - helpers of leadgate's store benchmark (bench/run_store.sh).

    gen_store.py bounces --truth truth.tsv [--events 100000] [--seed 1]
                 [--start 2026-11-23T00:00:00Z] [--days 7] -o FILE
        A CSV of bounce events (header email,type,code,reason,time) for
        the addresses of a generated world (bench/gen_world.py's truth.tsv):
        90 % of the events are for distinct deliverable addresses of the
        world, 10 % for addresses the world does not hold, and 1 % repeat
        an earlier line exactly (an event exported twice).  Types:
        hard 50 %, soft 30 %, block 10 %, complaint 5 %, unsubscribe 5 %,
        each with a matching SMTP reply and enhanced status code in the
        reason; times spread over DAYS days from START (RFC 3339, UTC).
        Deterministic: the same arguments give the same bytes.

    gen_store.py events --truth truth.tsv [--events 1000000] [--seed 1]
                 [--end 2026-11-23T00:00:00Z] [--days 90] -o FILE
        NDJSON engagement events (event_id, email, type, channel,
        occurred_at) on the world's addresses, for `leadgate events
        import` and `leadgate score`: types in a fixed mix (email open
        40, click 15, content download 10, pricing visit 8, webinar 5,
        reply 5, demo request 2, unsubscribe 1 in 86), times spread over
        the DAYS days before END and in no order, 1 % of the lines an
        earlier event again.  Deterministic.

    gen_store.py check-plan --db DB --before UNIXTIME [--budget 100000]
        Checks the newest refresh run's plan against an independent
        computation: every contact row is read, the ones not suppressed
        and verified before UNIXTIME (the run's cut-off: --now less
        --older-than) are sorted in Python by (verified_at, id), and the
        first BUDGET must be the plan, rank by rank.  Prints one line;
        exit 0 when the plan holds exactly the BUDGET stalest, 1 otherwise.

    gen_store.py evict FILE...
        Drops the files' pages from the page cache (posix_fadvise
        DONTNEED after fdatasync), so the next read is cold without
        touching the rest of the machine's cache.

Standard library only.
"""

import argparse
import csv
import datetime
import os
import random
import sqlite3
import sys

KINDS = [  # type, share, code, reason (%s: the address)
    ("hard", 0.50, "550", "550 5.1.1 <%s>: Recipient address rejected: User unknown"),
    ("soft", 0.30, "452", "452 4.2.2 <%s>: Mailbox full"),
    ("block", 0.10, "554", "554 5.7.1 Message rejected: listed by a blocklist"),
    ("complaint", 0.05, "", "abuse report (feedback loop)"),
    ("unsubscribe", 0.05, "", "list-unsubscribe one-click"),
]


def parse_time(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def fmt_time(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cmd_bounces(a):
    rng = random.Random(a.seed)
    known = []
    domains = []
    seen = set()
    with open(a.truth, encoding="utf-8") as f:
        for line in f:
            email, status = line.rstrip("\n").split("\t")[:2]
            key = email.lower()
            if status != "deliverable" or key in seen:
                continue
            seen.add(key)
            known.append(email)
            domains.append(email.rpartition("@")[2])
    n_unique = a.events - a.events // 100          # 1 % repeat an earlier line
    n_unknown = n_unique // 10
    n_known = n_unique - n_unknown
    if n_known > len(known):
        sys.exit("gen_store.py: the world has %d deliverable addresses, %d wanted"
                 % (len(known), n_known))
    # Sample without replacement: a partial Fisher-Yates over the indices.
    idx = list(range(len(known)))
    for i in range(n_known):
        j = i + int(rng.random() * (len(idx) - i))
        idx[i], idx[j] = idx[j], idx[i]
    addrs = [known[i] for i in idx[:n_known]]
    for i in range(n_unknown):
        d = domains[int(rng.random() * len(domains))]
        addrs.append("former.staff%d@%s" % (i + 1, d))
    for i in range(len(addrs) - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        addrs[i], addrs[j] = addrs[j], addrs[i]

    cum, acc = [], 0.0
    for k in KINDS:
        acc += k[1]
        cum.append(acc)
    start, span = parse_time(a.start), a.days * 86400
    rows = []
    for addr in addrs:
        x = rng.random()
        k = next((KINDS[i] for i, c in enumerate(cum) if x < c), KINDS[-1])
        t = start + int(rng.random() * span)
        reason = k[3] % addr if "%s" in k[3] else k[3]
        rows.append((addr, k[0], k[2], reason, fmt_time(t)))
    for _ in range(a.events - n_unique):
        rows.insert(int(rng.random() * len(rows)) + 1, rows[int(rng.random() * len(rows))])
    tmp = a.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["email", "type", "code", "reason", "time"])
        w.writerows(rows)
    os.replace(tmp, a.output)
    by = {}
    for r in rows:
        by[r[1]] = by.get(r[1], 0) + 1
    print("gen_store.py: %d events (%d addresses of the world, %d unknown, %d repeated lines): %s"
          % (len(rows), n_known, n_unknown, a.events - n_unique,
             ", ".join("%s %d" % (k[0], by.get(k[0], 0)) for k in KINDS)), file=sys.stderr)


# Engagement events for `events import` and `score`: (type, weight,
# channel), a mix like a marketing automation export's.
EVENT_KINDS = (
    ("email_open", 40, "email"), ("email_click", 15, "email"),
    ("content_download", 10, "web"), ("pricing_visit", 8, "web"),
    ("webinar_attended", 5, "event"), ("email_reply", 5, "email"),
    ("demo_request", 2, "web"), ("unsubscribe", 1, "email"),
)


def cmd_events(a):
    """NDJSON events on the world's addresses over the `days` before
    `end`, in a shuffled order (late events are the rule, not the
    exception); 1 % of the lines repeat an earlier event_id."""
    rng = random.Random(a.seed)
    addrs = []
    seen = set()
    with open(a.truth, encoding="utf-8") as f:
        for line in f:
            email = line.rstrip("\n").split("\t")[0]
            if "@" in email and email.lower() not in seen:
                seen.add(email.lower())
                addrs.append(email)
    cum, acc = [], 0
    for k in EVENT_KINDS:
        acc += k[1]
        cum.append(acc)
    end, span = parse_time(a.end), a.days * 86400
    tmp = a.output + ".tmp"
    n_dup = a.events // 100
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(a.events):
            e = i if i < a.events - n_dup else int(rng.random() * (a.events - n_dup))
            r = random.Random(a.seed * 1000003 + e)  # the same event each time it is drawn
            x = r.random() * acc
            k = next((EVENT_KINDS[j] for j, c in enumerate(cum) if x < c), EVENT_KINDS[-1])
            addr = addrs[int(r.random() * len(addrs))]
            t = end - int(r.random() * span)
            f.write('{"event_id":"b%d","email":"%s","type":"%s","channel":"%s","occurred_at":"%s"}\n'
                    % (e, addr, k[0], k[2], fmt_time(t)))
    os.replace(tmp, a.output)
    print("gen_store.py: %d event lines (%d repeated) on %d addresses"
          % (a.events, n_dup, len(addrs)), file=sys.stderr)


def cmd_check_plan(a):
    db = sqlite3.connect("file:%s?mode=ro" % a.db, uri=True)
    row = db.execute("SELECT id FROM runs WHERE kind = 'refresh' ORDER BY id DESC LIMIT 1").fetchone()
    if not row:
        print("check-plan: no refresh run in %s" % a.db)
        return 1
    run = row[0]
    plan = db.execute("SELECT rank, contact_id FROM refresh_plan WHERE run_id = ? ORDER BY rank",
                      (run,)).fetchall()
    contacts = db.execute("SELECT id, verified_at, suppressed FROM contacts").fetchall()
    db.close()
    va = {cid: v for cid, v, _s in contacts}
    elig = sorted(((v, cid) for cid, v, s in contacts if s == 0 and v < a.before), key=lambda t: t)
    want = [cid for _v, cid in elig[:a.budget]]
    got = [cid for _r, cid in plan]
    ranks_ok = [r for r, _c in plan] == list(range(1, len(plan) + 1))
    ok = got == want and ranks_ok and len(got) == min(a.budget, len(elig))
    left = elig[a.budget:]
    newest_in = max((va[c] for c in got), default=None)
    oldest_out = left[0][0] if left else None
    print("run %d: %d planned, %d eligible (not suppressed, verified before %s) of %d "
          "contacts; independent sort %s the plan rank by rank%s; planned verified_at %s .. %s, "
          "oldest eligible left out %s"
          % (run, len(got), len(elig), fmt_time(a.before), len(contacts),
             "matches" if got == want else "does NOT match", "" if ranks_ok else " (ranks not 1..N)",
             fmt_time(va[got[0]]) if got else "-", fmt_time(newest_in) if got else "-",
             fmt_time(oldest_out) if oldest_out is not None else "-"))
    return 0 if ok else 1


def cmd_evict(a):
    for p in a.files:
        if not os.path.exists(p):
            continue
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bounces", help="a CSV of bounce events")
    b.add_argument("--truth", required=True)
    b.add_argument("--events", type=int, default=100000)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--start", default="2026-11-23T00:00:00Z")
    b.add_argument("--days", type=int, default=7)
    b.add_argument("-o", "--output", required=True)
    v = sub.add_parser("events", help="NDJSON engagement events")
    v.add_argument("--truth", required=True)
    v.add_argument("--events", type=int, default=1000000)
    v.add_argument("--seed", type=int, default=1)
    v.add_argument("--end", default="2026-11-23T00:00:00Z")
    v.add_argument("--days", type=int, default=90)
    v.add_argument("-o", "--output", required=True)
    c = sub.add_parser("check-plan", help="check the newest refresh plan")
    c.add_argument("--db", required=True)
    c.add_argument("--budget", type=int, default=100000)
    c.add_argument("--before", type=int, required=True, help="the cut-off, Unix seconds")
    e = sub.add_parser("evict", help="drop files from the page cache")
    e.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.cmd == "bounces":
        if a.events < 100:
            sys.exit("gen_store.py: --events must be at least 100")
        cmd_bounces(a)
        return 0
    if a.cmd == "events":
        cmd_events(a)
        return 0
    if a.cmd == "check-plan":
        return cmd_check_plan(a)
    return cmd_evict(a)


if __name__ == "__main__":
    sys.exit(main())
