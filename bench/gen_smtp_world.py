#!/usr/bin/python3
"""
gen_smtp_world.py - a deterministic SMTP "world" for leadgate's mailbox
probing benchmark: a contact list, the DNS zone that points its domains at
mail hosts on 127.0.0.0/8, the script of tests/smtpd.py that plays those
hosts, the recipients the raw client (bench/raw_smtp.c) asks, and the
verdict a correct `leadgate verify --smtp` gives for every row.

    /usr/bin/python3 bench/gen_smtp_world.py --rows 100000 --domains 3000 \\
        --seed 1 [--world default|throughput] --out DIR [--stats]

Writes into DIR (created if missing):

    contacts.csv  First Name,Last Name,Email,Company,Job Title,Phone,Country
                  (csv module, QUOTE_MINIMAL, CRLF, UTF-8), ROWS rows
    truth.tsv     per data row, same order:
                  email TAB status TAB reason TAB flags TAB mx
                  (flags ';'-separated and sorted, as verify_flags)
    smtp.zone     a root zone in the format of tests/lib.sh's dns_zone, for
                  tests/dnsd.sh: each domain's MX, each host's A record
    script.json   the script of tests/smtpd.py: per listening address its
                  behaviour and mailboxes
    raw.txt       per domain, first-appearance order, one line:
                  domain SP addr[,addr...] SP recipient...  (the MX hosts'
                  addresses in preference order, the distinct recipients as
                  leadgate sends them: domain lower-case)
    domains.tsv   per domain, same order: domain TAB behaviour TAB rows
                  TAB recipients TAB mx-hosts (name=addr,...)
    hosts.tsv     per host address: addr TAB name TAB behaviour TAB
                  listened (1/0) TAB domains TAB mta (whose wording)
    world.json    the parameters and realised mix; written last, so its
                  presence means the world is complete

The domains are bench/gen_world.py's (none on the free, disposable or
typo lists, none one edit from another); every domain gets one row, the other rows draw their domain
Zipf-like (exponent 1.1), then the rows are shuffled.  1% of rows repeat
an earlier address, some with the domain upper-cased (the same recipient
once normalized).  No row is a role address and no local part has
capitals, so that nothing but the SMTP stage and the duplicate flag shapes
a verdict.

Each domain has a behaviour, that of its first MX host that listens:

    normal        mailboxes exist or not (550 5.1.1 for the others)
    starttls      normal, STARTTLS offered
    starttls_req  normal, STARTTLS offered and required before MAIL
    catch_all     every RCPT 250                -> risky smtp.catch_all
    greylist      450 4.2.0 to an address's first RCPT, accepted after a
                  short delay (--greylist-delay)
    too_many      452 4.5.3 to the RCPTs after the first 10 of a session
                  (the rest go on in a new session)
    block_banner  554 5.7.1 greeting (listed)   -> unknown smtp.blocked
    block_rcpt    550 5.7.1 to every RCPT      -> unknown smtp.blocked
    full          besides unknown mailboxes, full (552 5.2.2 -> risky
                  smtp.mailbox_full) and disabled ones (550 5.2.1 ->
                  undeliverable smtp.disabled)
    slow          every reply delayed --slow-delay s (within the timeouts)
    drop          the connection dropped after the 2nd command, before any
                  RCPT; the only MX                -> unknown smtp.no_connect
    dead_primary  the preferred MX's address is not listened on (connection
                  refused), the second MX is normal
    tarpit        every reply delayed --tarpit-delay s, longer than
                  leadgate's banner timeout; the only MX -> unknown
                  smtp.timeout

The default world has them all (the tarpit's timeout then sets its wall
time); --world throughput has only normal, starttls, catch_all and unknown
mailboxes, so that nothing waits out a timeout or a delay.  40 provider
host addresses (--providers) serve about 70% of the domains of the
behaviours a provider can have (all but slow, drop, dead_primary and
tarpit); the other domains have hosts of their own.  The most popular 1%
of domains are always normal, on provider hosts.  Slow, drop and tarpit
domains are drawn among domains of at most 20 rows, so that a slow host
does not hold a large domain's sessions for minutes.

Only random.Random.random() is used, so the same arguments give
byte-identical files on any Python 3.  Standard library only.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
# The domain names, name lists and helpers of the DNS benchmark's world.
import gen_world  # noqa: E402
from gen_contacts import JOB_TITLES  # noqa: E402

# Shares of the domains per behaviour; "normal" takes what is left.
SHARES = {
    "default": [("starttls", 0.12), ("starttls_req", 0.02), ("catch_all", 0.08),
                ("greylist", 0.05), ("too_many", 0.02), ("block_banner", 0.015),
                ("block_rcpt", 0.015),
                ("full", 0.05), ("slow", 0.02), ("drop", 0.02),
                ("dead_primary", 0.04), ("tarpit", 0.005)],
    "throughput": [("starttls", 0.15), ("catch_all", 0.08)],
}
BEHAVIOURS = ["normal", "starttls", "starttls_req", "catch_all", "greylist",
              "too_many", "block_banner", "block_rcpt", "full", "slow", "drop",
              "dead_primary", "tarpit"]
# Behaviours only a domain's own host has.
OWN_ONLY = {"slow", "drop", "dead_primary", "tarpit"}
# Behaviours drawn among small domains only.
SMALL_ONLY = {"slow", "drop", "tarpit"}
SMALL_ROWS = 20
# A too_many host answers 452 4.5.3 to the RCPTs after this many.
TOO_MANY_AFTER = 10
# Share of a behaviour's domains on provider hosts.
PROVIDER_SHARE = 0.70

# Mailbox states of an address, by the behaviour of its domain:
# [(state, share)], "ok" takes what is left.
MAILBOXES = {"full": [("unknown", 0.10), ("full", 0.15), ("disabled", 0.10)]}
MAILBOXES_DEFAULT = [("unknown", 0.10)]

# The verdict per mailbox state on a host that answers RCPT plainly.
VERDICT = {"ok": ("deliverable", "ok"), "unknown": ("undeliverable", "smtp.no_mailbox"),
           "full": ("risky", "smtp.mailbox_full"), "disabled": ("undeliverable", "smtp.disabled")}
# Behaviours whose verdict does not depend on the mailbox.
DOMAIN_VERDICT = {"catch_all": ("risky", "smtp.catch_all"),
                  "block_banner": ("unknown", "smtp.blocked"),
                  "block_rcpt": ("unknown", "smtp.blocked"),
                  "drop": ("unknown", "smtp.no_connect"),
                  "tarpit": ("unknown", "smtp.timeout")}

# Provider host names: WORD + one of these + ".net"; no contact domain has
# such a label, and none reads like a mail provider leadgate might skip.
PROVIDER_WORDS = ["post", "relay", "mailhost", "mx", "inbound", "smtp", "mailgate", "exchange"]

SOA = ("$TTL 3600\n. SOA ns.fixture. hostmaster.fixture. 1 3600 600 86400 300\n"
       ". NS ns.fixture.\nns.fixture. A 127.0.0.1\n")


def shares_to_counts(n, shares):
    """Exact counts for n items, the rest to the first key (normal)."""
    counts = {k: int(round(n * s)) for k, s in shares}
    counts["normal"] = n - sum(counts.values())
    return counts


class SmtpWorld:
    def __init__(self, a):
        self.a = a
        # gen_world's World makes the domain names and holds the name
        # lists and the Rng; its DNS kinds are not used.
        # A tenth more domain names than needed: those one edit from
        # another are dropped (see drop_near).
        ns = argparse.Namespace(seed=a.seed, domains=a.domains + a.domains // 10 + 10,
                                rows=a.rows, lists=a.lists, timeout_share=0.0)
        self.w = gen_world.World(ns)
        self.g = self.w.g

    # ------------------------------------------------------------ rows
    def draw_rows(self):
        """The domain of each non-duplicate row, and which rows repeat."""
        w, g, a = self.w, self.g, self.a
        w.make_domains()
        self.drop_near(a.domains)
        n = len(w.domains)
        ndup = int(round(a.rows * 0.01))
        nbase = a.rows - ndup
        if nbase < n:
            sys.exit("gen_smtp_world: --rows too small: %d rows (after 1%% duplicates) "
                     "cannot use all %d domains" % (nbase, n))
        base = list(range(n)) + w.zipf_draws(nbase - n, a.zipf)
        g.shuffle(base)
        pos = list(range(1, a.rows))
        for j in range(min(ndup, len(pos))):
            k = j + g.below(len(pos) - j)
            pos[j], pos[k] = pos[k], pos[j]
        self.dup_at = set(pos[:ndup])
        self.base = base
        self.nrows = [0] * n
        for i in base:
            self.nrows[i] += 1

    def drop_near(self, n):
        """Keeps the first n domain names none of which is one edit from
        another: leadgate takes a domain seen often in a list for a typo
        target (conf's typo_frequent_min), and would flag its neighbours
        "typo".  Candidates share a key of the deletion index (the name,
        or it with one character deleted), as verify/typo.c finds them."""
        w = self.w
        keys = {}
        names, zones = [], []
        self.near_dropped = 0
        for d, z in zip(w.domains, w.dzone):
            vs = {d} | {d[:i] + d[i + 1:] for i in range(len(d))}
            if any(gen_world.one_edit(d, k) for v in vs for k in keys.get(v, ())):
                self.near_dropped += 1
                continue
            for v in vs:
                keys.setdefault(v, []).append(d)
            names.append(d)
            zones.append(z)
            if len(names) == n:
                break
        if len(names) < n:
            sys.exit("gen_smtp_world: cannot make %d domains none of which is one edit "
                     "from another" % n)
        w.domains, w.dzone = names, zones

    # ------------------------------------------------------------ behaviours
    def assign_behaviours(self):
        g, n = self.g, len(self.w.domains)
        counts = shares_to_counts(n, SHARES[self.a.world])
        head = n // 100     # the most popular 1%: normal (index = Zipf rank - 1)
        small = [i for i in range(head, n) if self.nrows[i] <= SMALL_ROWS]
        g.shuffle(small)
        beh = [None] * n
        p = 0
        for k in BEHAVIOURS:
            if k in SMALL_ONLY and counts.get(k):
                c = min(counts[k], len(small) - p)
                for i in small[p:p + c]:
                    beh[i] = k
                p += c
                counts["normal"] += counts[k] - c
                counts[k] = c
        rest = [i for i in range(head, n) if beh[i] is None]
        g.shuffle(rest)
        p = 0
        for k in BEHAVIOURS:
            if k == "normal" or k in SMALL_ONLY or not counts.get(k):
                continue
            for i in rest[p:p + counts[k]]:
                beh[i] = k
            p += counts[k]
        for i in range(n):
            if beh[i] is None:
                beh[i] = "normal"
        self.beh = beh

    # ------------------------------------------------------------ hosts
    def make_hosts(self):
        """Provider hosts, own hosts, and each domain's MX list."""
        g, w, a = self.g, self.w, self.a
        n = len(w.domains)
        by_beh = {k: [i for i in range(n) if self.beh[i] == k] for k in BEHAVIOURS}
        # Provider hosts per behaviour, in proportion to the domains they
        # may serve (at least one for a behaviour that has domains).
        prov_beh = [k for k in BEHAVIOURS if k not in OWN_ONLY and by_beh[k]]
        total = sum(len(by_beh[k]) for k in prov_beh)
        np_ = max(a.providers, len(prov_beh))
        alloc = {k: max(1, int(np_ * len(by_beh[k]) / total)) for k in prov_beh}
        while sum(alloc.values()) > np_:
            k = max(alloc, key=lambda x: alloc[x])
            alloc[k] -= 1
        while sum(alloc.values()) < np_:
            k = max(prov_beh, key=lambda x: len(by_beh[x]) / alloc[x])
            alloc[k] += 1

        self.hosts = []         # dicts: addr, name, behaviour, listened, domains
        self.mx = [None] * n    # per domain: [(pref, host index)]
        used_names = set()

        def host(addr, name, behaviour, listened=True):
            # Whose wording its replies use: all three give 5.1.1 or
            # Microsoft's 5.4.1 for an unknown mailbox.  Exim is left out:
            # its "550 Unrouteable address" names no enhanced code, so
            # what it means is a guess from the text.
            x = g.r()
            mta = "postfix" if x < 0.6 else "microsoft" if x < 0.8 else "google"
            self.hosts.append({"addr": addr, "name": name, "behaviour": behaviour,
                               "listened": listened, "domains": 0, "mta": mta})
            return len(self.hosts) - 1

        providers = {}
        pi = 0
        for k in prov_beh:
            providers[k] = []
            for _ in range(alloc[k]):
                while True:
                    name = "mx.%s%s.net" % (g.one(gen_world.WORD_A), g.one(PROVIDER_WORDS))
                    if name not in used_names:
                        break
                used_names.add(name)
                pi += 1
                providers[k].append(host("127.0.1.%d" % pi, name, k))
        own_n = [0]

        def own_addr():
            v = own_n[0]
            own_n[0] += 1
            if v >= 250 * 180:
                sys.exit("gen_smtp_world: too many own hosts")
            return "127.0.%d.%d" % (10 + v // 250, 1 + v % 250)

        head = n // 100
        for k in BEHAVIOURS:
            for i in by_beh[k]:
                d = w.domains[i]
                on_provider = k not in OWN_ONLY and (i < head or g.r() < PROVIDER_SHARE)
                if on_provider:
                    h = g.one(providers[k])
                    self.mx[i] = [(10, h)]
                elif k == "dead_primary":
                    h1 = host(own_addr(), "mx1." + d, k, listened=False)
                    h2 = host(own_addr(), "mx2." + d, "normal")
                    self.mx[i] = [(10, h1), (20, h2)]
                else:
                    self.mx[i] = [(10, host(own_addr(), "mail." + d, k))]
                for _, h in self.mx[i]:
                    self.hosts[h]["domains"] += 1

    # ------------------------------------------------------------ mailboxes
    def mailbox_state(self, i):
        r, acc = self.g.r(), 0.0
        for state, share in MAILBOXES.get(self.beh[i], MAILBOXES_DEFAULT):
            acc += share
            if r < acc:
                return state
        return "ok"

    def verdict(self, i, state):
        k = self.beh[i]
        if k in DOMAIN_VERDICT:
            st, rs = DOMAIN_VERDICT[k]
        else:
            st, rs = VERDICT[state]
        flags = ["accept_all"] if k == "catch_all" else []
        return st, rs, flags

    def rows(self):
        """Yields (csv row, truth line) for every data row, in order."""
        g, w, a = self.g, self.w, self.a
        n = len(w.domains)
        seen = set()
        next_n = {}
        emitted = []            # (address, status, reason, flags, domain index)
        self.mailbox = {}       # address -> state
        self.recipients = [[] for _ in range(n)]
        self.first_seen = []
        used = bytearray(n)
        self.count_status = {}
        self.count_rows = {k: 0 for k in BEHAVIOURS}
        self.count_dup = 0
        j = 0
        for p in range(a.rows):
            if p in self.dup_at and emitted:
                addr, st, rs, flags, i = emitted[g.below(len(emitted))]
                if g.r() < 0.2:     # john.smith@BRIGHTLANE.COM: the same once normalized
                    loc, _, dom = addr.partition("@")
                    addr = loc + "@" + dom.upper()
                flags = sorted(flags + ["duplicate"])
                fd = ld = ""
                self.count_dup += 1
            else:
                i = self.base[j]
                j += 1
                d = w.domains[i]
                fd, fa = g.one(w.first)
                ld, la = g.one(w.last)
                addr = w.person_address(fa, la, d, seen, next_n)
                seen.add(addr)
                state = self.mailbox_state(i)
                self.mailbox[addr] = state
                self.recipients[i].append(addr)
                st, rs, flags = self.verdict(i, state)
                emitted.append((addr, st, rs, flags, i))
                if not used[i]:
                    used[i] = 1
                    self.first_seen.append(i)
            self.count_rows[self.beh[i]] += 1
            self.count_status[st] = self.count_status.get(st, 0) + 1
            mx = self.hosts[self.mx[i][0][1]]["name"]
            company = w.company(i) if g.r() > 0.04 else ""
            country = g.one(gen_world.COUNTRY_BY_ZONE[w.dzone[i]])
            row = [fd, ld, addr, company, g.one(JOB_TITLES), w.phone(), country]
            yield row, "\t".join([addr, st, rs, ";".join(flags), mx])

    # ------------------------------------------------------------ output
    def write_zone(self, path):
        w = self.w
        with open(path, "w", encoding="ascii", newline="\n") as f:
            f.write(SOA)
            for i in self.first_seen:
                d = w.domains[i]
                for pref, h in self.mx[i]:
                    f.write("%s. MX %d %s.\n" % (d, pref, self.hosts[h]["name"]))
            for h in self.hosts:
                f.write("%s. A %s\n" % (h["name"], h["addr"]))

    def script(self):
        """tests/smtpd.py's script: every listened address, its behaviour
        and the mailboxes of the domains it serves."""
        a = self.a
        boxes = [dict() for _ in self.hosts]
        for i in self.first_seen:
            for _, h in self.mx[i]:
                if self.hosts[h]["listened"]:
                    for addr in self.recipients[i]:
                        boxes[h][addr] = self.mailbox[addr]
        hosts = []
        for h, box in zip(self.hosts, boxes):
            if h["listened"]:
                hosts.append((h["addr"], h["name"], h["mta"], h["behaviour"], box))
        return script_json(hosts, a.greylist_delay, a.slow_delay, a.tarpit_delay)

    def write_raw(self, path):
        w = self.w
        with open(path, "w", encoding="ascii", newline="\n") as f:
            for i in self.first_seen:
                addrs = ",".join(self.hosts[h]["addr"] for _, h in self.mx[i])
                f.write("%s %s %s\n" % (w.domains[i], addrs, " ".join(self.recipients[i])))


def script_json(hosts, greylist_delay, slow_delay, tarpit_delay):
    """The script of tests/smtpd.py for hosts [(addr, name, mta,
    behaviour, {address: mailbox state})].  Each host lists the mailboxes
    of its own domains only (smtpd.py copies the script's shared
    "mailboxes" into every host: 100,000 of them times 1,000 hosts is too
    many); those it does not list are unknown (550 5.1.1 in its MTA's
    words), or accepted on a catch-all host."""
    out = {"hosts": {}}
    for addr, name, mta, beh, box in hosts:
        h = {"name": name, "mta": mta}
        if beh in ("starttls", "starttls_req"):
            h["starttls"] = "required" if beh == "starttls_req" else "offered"
        elif beh == "catch_all":
            h["catch_all"] = True
        elif beh == "greylist":
            h["greylist"] = greylist_delay
        elif beh == "block_banner":
            h["block"] = "banner"
        elif beh == "block_rcpt":
            h["block"] = "rcpt"
        elif beh == "slow":
            h["delay"] = slow_delay
        elif beh == "tarpit":
            h["delay"] = tarpit_delay
        elif beh == "drop":
            h["drop_after"] = 2
        elif beh == "too_many":
            h["max_rcpt"] = TOO_MANY_AFTER
        if beh != "catch_all":
            h["mailboxes"] = {k: st for k, st in box.items() if st != "unknown"}
        out["hosts"][addr] = h
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100000, help="data rows (default 100000)")
    ap.add_argument("--domains", type=int, default=3000, help="distinct domains (default 3000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--world", choices=sorted(SHARES), default="default",
                    help="default: every behaviour; throughput: nothing that waits (default default)")
    ap.add_argument("--zipf", type=float, default=None, metavar="E",
                    help="exponent of the domains' popularity (default 1.1, as gen_world.py; "
                    "0.7 for the throughput world)")
    ap.add_argument("--providers", type=int, default=40,
                    help="provider host addresses serving many domains each (default 40)")
    ap.add_argument("--greylist-delay", type=int, default=2, metavar="S",
                    help="seconds a greylisting host defers an address (default 2)")
    ap.add_argument("--slow-delay", type=float, default=0.2, metavar="S",
                    help="seconds a slow host waits before each reply (default 0.2)")
    ap.add_argument("--tarpit-delay", type=float, default=40, metavar="S",
                    help="seconds a tarpit waits before each reply (default 40: more than "
                    "leadgate's 30 s banner timeout)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--lists", default=os.path.join(ROOT, "conf", "lists"),
                    help="leadgate's lists (role, free, disposable, typo targets)")
    ap.add_argument("--stats", action="store_true", help="print the realised mix to stderr")
    a = ap.parse_args(argv)
    if a.domains < 1 or a.rows < 1 or a.providers < 1:
        ap.error("--rows, --domains and --providers must be positive")
    if a.providers > 250:
        ap.error("--providers must be at most 250")
    if a.zipf is None:
        a.zipf = 0.7 if a.world == "throughput" else 1.1
    if not 0 <= a.zipf <= 3:
        ap.error("--zipf must be 0..3")

    t0 = time.perf_counter()
    out = a.out
    done = gen_world.start_out(out)

    sw = SmtpWorld(a)
    sw.draw_rows()
    sw.assign_behaviours()
    sw.make_hosts()

    gen_world.write_contacts(out, sw.rows())

    w = sw.w
    sw.write_zone(os.path.join(out, "smtp.zone"))
    sw.write_raw(os.path.join(out, "raw.txt"))
    with open(os.path.join(out, "script.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(sw.script(), f, indent=None, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "domains.tsv"), "w", encoding="ascii", newline="\n") as f:
        for i in sw.first_seen:
            f.write("%s\t%s\t%d\t%d\t%s\n" % (
                w.domains[i], sw.beh[i], sw.nrows[i], len(sw.recipients[i]),
                ",".join("%s=%s" % (sw.hosts[h]["name"], sw.hosts[h]["addr"]) for _, h in sw.mx[i])))
    with open(os.path.join(out, "hosts.tsv"), "w", encoding="ascii", newline="\n") as f:
        for h in sw.hosts:
            f.write("%s\t%s\t%s\t%d\t%d\t%s\n" % (h["addr"], h["name"], h["behaviour"],
                                                   1 if h["listened"] else 0, h["domains"], h["mta"]))

    nd = len(w.domains)
    kd = {k: sw.beh.count(k) for k in BEHAVIOURS}
    boxes = {}
    for st in sw.mailbox.values():
        boxes[st] = boxes.get(st, 0) + 1
    info = {
        "rows": a.rows, "domains": nd, "seed": a.seed, "world": a.world, "zipf": a.zipf,
        "providers": sum(1 for h in sw.hosts if h["addr"].startswith("127.0.1.")),
        "hosts": len(sw.hosts), "listened": sum(1 for h in sw.hosts if h["listened"]),
        "greylist_delay": a.greylist_delay, "slow_delay": a.slow_delay,
        "tarpit_delay": a.tarpit_delay,
        "domain_behaviours": kd, "row_behaviours": sw.count_rows,
        "recipients": len(sw.mailbox), "mailboxes": boxes,
        "duplicates": sw.count_dup, "statuses": sw.count_status,
        "domains_one_edit_apart_dropped": sw.near_dropped,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    gen_world.write_info(done, info)

    if a.stats:
        e = sys.stderr
        print("gen_smtp_world: %s world, %d rows, %d domains, %d recipients, seed %d, "
              "%d host addresses (%d providers, %d listened), %.1f s"
              % (a.world, a.rows, nd, len(sw.mailbox), a.seed, len(sw.hosts),
                 info["providers"], info["listened"], info["seconds"]), file=e)
        print("behaviour       domains    share      rows    share", file=e)
        for k in BEHAVIOURS:
            if kd[k]:
                print("%-13s %9d %7.2f%% %9d %7.2f%%" % (k, kd[k], 100.0 * kd[k] / nd,
                      sw.count_rows[k], 100.0 * sw.count_rows[k] / a.rows), file=e)
        print("mailboxes: " + ", ".join("%s %d" % kv for kv in sorted(boxes.items())), file=e)
        print("duplicates %d (%.2f%%)" % (sw.count_dup, 100.0 * sw.count_dup / a.rows), file=e)
        print("truth: " + ", ".join("%s %d (%.2f%%)" % (k, v, 100.0 * v / a.rows)
                                    for k, v in sorted(sw.count_status.items())), file=e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
