#!/usr/bin/python3
"""
gen_world.py - a deterministic DNS "world" for leadgate's DNS benchmark:
a contact list, the zone data an unbound on loopback serves for its
domains, and the verdict a correct verifier gives for every row.

    /usr/bin/python3 bench/gen_world.py --rows 1000000 --domains 200000 \\
        --seed 1 --port 53535 --out DIR [--stats]

Writes into DIR (created if missing):

    contacts.csv    First Name,Last Name,Email,Company,Job Title,Phone,Country
                    (csv module, QUOTE_MINIMAL, CRLF, UTF-8), ROWS rows
    truth.tsv       per data row, same order: email TAB status TAB reason TAB mx
    domains.txt     the distinct domains, in first-appearance order
    kinds.tsv       per domain, same order: domain TAB kind TAB outcome TAB best-mx
                    (outcome as bench/raw_dns.c names it)
    zones/*.zone    one zone file per TLD zone (com net io de co.uk org)
    unbound.conf    unbound serving those zones on 127.0.0.1:PORT
    world.json      the parameters and realised mix; written last, so its
                    presence means the world is complete

Every domain is used by at least one row: each domain gets one row first,
the other rows draw their domain Zipf-like (exponent 1.1, rank order
random), and the rows are then shuffled.  1% of rows repeat an earlier
address (case changed sometimes) and 1% are role addresses (a local part
from conf/lists/role.txt, a few with a +tag).  The other local parts are
first.last, jsmith, john_s, john, johnsmith, with a number appended when
the address is taken already or is a role name.  All addresses are
syntactically valid ASCII.

Domain kinds, as shares of the domains (exact counts, rounded):

    mx          93%   1-3 MX (distinct preferences), provider patterns
    a_only       2%   A only: implicit MX
    aaaa_only    0.5% AAAA only: implicit MX
    null_mx      1%   MX 0 . (RFC 7505); half of them with an A record too
    no_mail      1%   TXT only
    nxdomain     1.5% not in the zone
    servfail     0.5% lame delegation: NS ns.nowhere.<zone>., a name that
                      does not exist, so unbound answers SERVFAIL
    timeout      0.5% unbound local-zone "<domain>." deny: queries dropped
                      (--timeout-share PCT sets it; 0 makes a world where
                      no lookup waits out its tries, so that throughput,
                      not the timeouts, sets the wall time; the share
                      taken away or added goes to mx)

The most popular 1% of domains (by Zipf rank) are always mx, so that the
row shares of the failing kinds stay close to their domain shares instead
of swinging with whichever domain lands on rank 1.

Only random.Random.random() is used (own shuffle and sampling), so the same
arguments give byte-identical files on any Python 3.  Standard library only.
"""

import argparse
import bisect
import csv
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
# Name and title lists are shared with the no-DNS benchmark's generator.
from gen_contacts import FIRST_NAMES, LAST_NAMES, JOB_TITLES  # noqa: E402

HEADER = ["First Name", "Last Name", "Email", "Company", "Job Title",
          "Phone", "Country"]

KINDS = [("mx", 0.93), ("a_only", 0.02), ("aaaa_only", 0.005),
         ("null_mx", 0.01), ("no_mail", 0.01), ("nxdomain", 0.015),
         ("servfail", 0.005), ("timeout", 0.005)]
# What raw_dns.c calls each kind's outcome.
OUTCOME = {"mx": "mx", "a_only": "implicit", "aaaa_only": "implicit",
           "null_mx": "null_mx", "no_mail": "no_mail",
           "nxdomain": "nxdomain", "servfail": "servfail",
           "timeout": "timeout"}
# The verdict of a correct verifier, per kind: (status, reason).
VERDICT = {"mx": ("deliverable", "ok"), "a_only": ("deliverable", "ok"),
           "aaaa_only": ("deliverable", "ok"),
           "null_mx": ("undeliverable", "dns.null_mx"),
           "no_mail": ("undeliverable", "dns.no_mail_host"),
           "nxdomain": ("undeliverable", "dns.nxdomain"),
           "servfail": ("unknown", "dns.servfail"),
           "timeout": ("unknown", "dns.timeout")}

ZONES = [("com", 52), ("net", 8), ("io", 10), ("de", 12), ("co.uk", 10),
         ("org", 8)]
COMPANY_SUFFIX = {
    "com": ["Inc.", ", Inc.", "LLC", "Corp.", "", "Co."],
    "net": ["Inc.", "LLC", "", "Networks"],
    "io": ["", "", "Labs", "Inc."],
    "de": ["GmbH", "GmbH", "AG", "GmbH & Co. KG"],
    "co.uk": ["Ltd", "Ltd", "Limited", "plc", "LLP"],
    "org": ["", "Foundation", "Association", "Institute"],
}
COUNTRY_BY_ZONE = {
    "com": ["United States", "United States", "United States", "Canada", ""],
    "net": ["United States", "Netherlands", "Sweden", ""],
    "io": ["United States", "United Kingdom", "Germany", "India", ""],
    "de": ["Germany", "Germany", "Austria", "Switzerland"],
    "co.uk": ["United Kingdom", "United Kingdom", "Ireland"],
    "org": ["United States", "United Kingdom", "France", ""],
}

# Synthetic company names: WORD_A + WORD_B, optionally + "-" + SUFFIX or
# + SUFFIX.  Every label is at least 8 letters long, so none is one edit
# from the short popular mail domains (checked anyway, see avoid_reason).
WORD_A = [
    "amber", "apex", "arbor", "argent", "aster", "atlas", "aurora", "azure",
    "beacon", "birch", "blue", "bold", "bright", "brisk", "bronze", "cedar",
    "civic", "clear", "cobalt", "copper", "coral", "crest", "crimson",
    "crystal", "delta", "eagle", "east", "echo", "ember", "emerald", "ever",
    "falcon", "fern", "first", "fleet", "forge", "fox", "frost", "golden",
    "granite", "green", "grey", "harbor", "hazel", "high", "horizon",
    "indigo", "iron", "ivory", "jade", "juniper", "keen", "kestrel", "lake",
    "laurel", "linden", "lumen", "maple", "marble", "meadow", "mesa",
    "metro", "mid", "mint", "noble", "north", "nova", "oak", "ocean",
    "olive", "onyx", "orbit", "pacific", "peak", "pine", "pioneer", "polar",
    "prime", "quartz", "quick", "rapid", "raven", "red", "ridge", "river",
    "rock", "royal", "ruby", "sage", "salt", "sand", "scarlet", "sierra",
    "silver", "sky", "slate", "snow", "solar", "south", "spruce", "star",
    "steel", "stone", "summit", "sun", "swift", "tall", "terra", "tidal",
    "timber", "true", "twin", "union", "urban", "valley", "vast", "velvet",
    "vertex", "violet", "vivid", "west", "white", "wild", "willow", "wind",
    "winter", "wise", "zenith", "zinc",
]
WORD_B = [
    "anchor", "arc", "bay", "bell", "bridge", "brook", "canyon", "cape",
    "circle", "cliff", "cloud", "coast", "core", "cove", "crane", "creek",
    "crown", "dale", "dawn", "dock", "dune", "edge", "field", "fjord",
    "flame", "flow", "ford", "gate", "glen", "grove", "hall", "harbour",
    "haven", "heath", "helm", "hill", "hollow", "island", "key", "knoll",
    "lane", "leaf", "light", "line", "link", "lodge", "loop", "marsh",
    "mill", "moor", "mount", "nest", "path", "pier", "plain", "point",
    "pond", "port", "quay", "rail", "range", "reach", "reef", "road",
    "root", "route", "sail", "shore", "signal", "span", "spire", "spring",
    "square", "stream", "street", "tide", "tower", "trail", "tree", "vale",
    "view", "vine", "wave", "way", "well", "wharf", "wood", "works", "yard",
]
SUFFIX = [
    "systems", "labs", "group", "data", "media", "cloud", "digital",
    "consulting", "health", "logistics", "energy", "capital", "partners",
    "solutions", "analytics", "software", "networks", "ventures", "studio",
    "industries", "foods", "legal", "finance", "robotics", "security",
]

TXT_SPF = ['"v=spf1 include:_spf.google.com ~all"',
           '"v=spf1 include:spf.protection.outlook.com -all"',
           '"v=spf1 mx -all"', '"v=spf1 a mx ~all"']
SOA_MIN = 300      # negative-caching TTL (RFC 2308)
TTL = 3600


class Rng:
    """random.Random.random() based helpers; nothing else from random is
    used, so the output does not depend on the Python version."""

    def __init__(self, seed):
        import random
        self.r = random.Random(seed).random

    def below(self, n):
        return int(self.r() * n)

    def one(self, seq):
        return seq[int(self.r() * len(seq))]

    def shuffle(self, a):
        r = self.r
        for i in range(len(a) - 1, 0, -1):
            j = int(r() * (i + 1))
            a[i], a[j] = a[j], a[i]


def read_list(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s and not s.startswith("#"):
                out.append(s.lower())
    return out


def one_edit(a, b):
    """True if a and b are one edit apart (insert, delete, substitute, or
    swap of two neighbours) or equal."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) <= 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


DOT_ATOM_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*/=?^_`{|}~-")


def valid_local(s):
    if not s or len(s) > 64 or s.startswith(".") or s.endswith(".") or ".." in s:
        return False
    return all(c in DOT_ATOM_CHARS or c == "." for c in s)


class World:
    def __init__(self, a):
        self.a = a
        self.g = Rng(a.seed)
        self.roles = read_list(os.path.join(a.lists, "role.txt"))
        self.role_set = set(self.roles)
        # Role local parts used to build role rows: plain dot-atoms only.
        self.role_pick = [x for x in self.roles if valid_local(x) and "+" not in x]
        self.avoid_exact = set(read_list(os.path.join(a.lists, "disposable.txt")))
        self.avoid_exact |= set(read_list(os.path.join(a.lists, "free.txt")))
        self.typo_targets = read_list(os.path.join(a.lists, "typo-targets.txt"))
        self.first = [(d, "".join(c for c in x if c.isalnum() or c == "-"))
                      for d, x in FIRST_NAMES if x.isascii()]
        self.last = [(d, "".join(c for c in x if c.isalnum() or c == "-"))
                     for d, x in LAST_NAMES if x.isascii()]

    # ------------------------------------------------------------ domains
    def avoid_reason(self, d):
        if d in self.avoid_exact:
            return "listed"
        for t in self.typo_targets:
            if one_edit(d, t):
                return "typo"
        return None

    def make_domains(self):
        g, n = self.g, self.a.domains
        zw = []
        t = 0
        for z, w in ZONES:
            t += w
            zw.append(t)
        names, zones, seen = [], [], set()
        self.rejected = 0
        tries = 0
        while len(names) < n:
            tries += 1
            if tries > 50 * n + 1000:
                sys.exit("gen_world: cannot make %d distinct domains" % n)
            a, b = g.one(WORD_A), g.one(WORD_B)
            x = g.r()
            if x < 0.45:
                label = a + b
            elif x < 0.70:
                label = a + b + "-" + g.one(SUFFIX)
            elif x < 0.85:
                label = a + "-" + b
            else:
                label = a + b + g.one(SUFFIX)
            zone = ZONES[bisect.bisect_right(zw, g.r() * t)][0]
            d = label + "." + zone
            if d in seen:   # taken: try once with a number (brightlane7.com)
                label += str(2 + g.below(98))
                d = label + "." + zone
                if d in seen:
                    continue
            if label.startswith("nowhere"):
                continue
            if self.avoid_reason(d):
                self.rejected += 1
                continue
            seen.add(d)
            names.append(d)
            zones.append(zone)
        self.domains = names        # index = Zipf rank - 1
        self.dzone = zones

    def assign_kinds(self):
        g, n = self.g, self.a.domains
        share = dict(KINDS)
        share["timeout"] = self.a.timeout_share / 100.0
        counts = {k: int(round(n * share[k])) for k, _ in KINDS if k != "mx"}
        counts["mx"] = n - sum(counts.values())
        head = n // 100
        if n - head < sum(c for k, c in counts.items() if k != "mx"):
            head = 0
        idx = list(range(head, n))
        g.shuffle(idx)
        kind = ["mx"] * n
        p = 0
        for k, _ in KINDS:
            if k == "mx":
                continue
            for i in idx[p:p + counts[k]]:
                kind[i] = k
            p += counts[k]
        self.kind = kind

    def mx_records(self, i):
        """[(preference, host)] for an mx domain, in zone-file order."""
        g, d = self.g, self.domains[i]
        x = g.r()
        if x < 0.30:    # Google Workspace
            hosts = ["aspmx.l.google.com", "alt1.aspmx.l.google.com",
                     "alt2.aspmx.l.google.com"][:1 + g.below(3)]
            recs = list(zip([1, 5, 10], hosts))
        elif x < 0.55:  # Microsoft 365
            recs = [(g.one([0, 10]), d.replace(".", "-") + ".mail.protection.outlook.com")]
        elif x < 0.63:  # Proofpoint
            acct = "00%06d" % g.below(1000000)
            recs = [(10, "mx0a-%s.pphosted.com" % acct),
                    (10 + 10 * (1 + g.below(2)), "mx0b-%s.pphosted.com" % acct)][:1 + g.below(2)]
        elif x < 0.70:  # Mimecast
            reg = g.one(["eu", "us", "uk", "de"])
            recs = [(10, "%s-smtp-inbound-1.mimecast.com" % reg),
                    (20, "%s-smtp-inbound-2.mimecast.com" % reg)][:1 + g.below(2)]
        elif x < 0.75:  # Zoho
            recs = [(10, "mx.zoho.com"), (20, "mx2.zoho.com"),
                    (50, "mx3.zoho.com")][:1 + g.below(3)]
        else:           # own servers; the best is not always listed first
            hosts = ["mail." + d, "mx1." + d, "mx2." + d][:1 + g.below(3)]
            prefs = [5, 10, 20][:len(hosts)]
            g.shuffle(prefs)
            recs = list(zip(prefs, hosts))
        g.shuffle(recs)
        return recs

    @staticmethod
    def best_mx(recs):
        return min((p, h.lower().rstrip(".")) for p, h in recs)[1]

    def build_dns(self):
        """Per domain: zone records (owner relative to its zone, type,
        rdata) and the best MX (the truth's mx column)."""
        g = self.g
        self.best = [""] * len(self.domains)
        self.records = [None] * len(self.domains)

        def a_addr():   # RFC 2544 benchmarking range 198.18.0.0/15
            v = g.below(1 << 17)
            return "198.%d.%d.%d" % (18 + (v >> 16), (v >> 8) & 255, v & 255)

        def aaaa_addr():  # RFC 3849 documentation prefix
            return "2001:db8:%x:%x::%x" % (g.below(65536), g.below(65536), 1 + g.below(65535))

        for i, d in enumerate(self.domains):
            k = self.kind[i]
            z = self.dzone[i]
            rel = d[: -len(z) - 1]
            recs = []
            if k == "mx":
                mx = self.mx_records(i)
                self.best[i] = self.best_mx(mx)
                for p, h in mx:
                    recs.append((rel, "MX", "%d %s." % (p, h)))
                    if h.endswith("." + d):
                        recs.append((h[: -len(z) - 1], "A", a_addr()))
                if g.r() < 0.7:
                    recs.append((rel, "A", a_addr()))
                if g.r() < 0.5:
                    recs.append((rel, "TXT", g.one(TXT_SPF)))
            elif k == "a_only":
                self.best[i] = d
                for _ in range(1 + g.below(2)):
                    recs.append((rel, "A", a_addr()))
            elif k == "aaaa_only":
                self.best[i] = d
                recs.append((rel, "AAAA", aaaa_addr()))
            elif k == "null_mx":
                recs.append((rel, "MX", "0 ."))
                if g.r() < 0.5:
                    recs.append((rel, "A", a_addr()))
            elif k == "no_mail":
                recs.append((rel, "TXT", g.one(['"v=spf1 -all"', '"google-site-verification=%08x"' % g.below(1 << 32)])))
            elif k == "servfail":
                recs.append((rel, "NS", "ns.nowhere.%s." % z))
            # nxdomain: nothing; timeout: nothing (unbound drops the queries)
            self.records[i] = recs

    # ------------------------------------------------------------ rows
    def zipf_draws(self, m, e=1.1):
        """m domain indexes drawn Zipf-like with exponent e (index = rank
        - 1)."""
        n = len(self.domains)
        cum, t = [], 0.0
        for k in range(1, n + 1):
            t += k ** -e
            cum.append(t)
        r, bis = self.g.r, bisect.bisect_right
        out = []
        for _ in range(m):
            i = bis(cum, r() * t)
            out.append(i if i < n else n - 1)
        return out

    def person_local(self, fa, la):
        x = self.g.r()
        if x < 0.40:
            return fa + "." + la
        if x < 0.62:
            return fa[0] + la
        if x < 0.80:
            return fa + "_" + la[0]
        if x < 0.88:
            return fa
        return fa + la

    def person_address(self, fa, la, d, seen, next_n):
        """A person's address at d not in seen and no role address: a
        number after the local part where needed (john.smith2), the next
        one to try kept in next_n."""
        loc = self.person_local(fa, la)
        key = loc + "@" + d
        if key in seen or self.is_role(loc):
            num = next_n.get(key, 2)
            while (loc + str(num) + "@" + d) in seen:
                num += 1
            next_n[key] = num + 1
            loc = loc + str(num)
        return loc + "@" + d

    def company(self, i):
        d, z = self.domains[i], self.dzone[i]
        label = d[: -len(z) - 1]
        name = " ".join(p.capitalize() for p in label.split("-"))
        suf = COMPANY_SUFFIX[z][i % len(COMPANY_SUFFIX[z])]
        if suf.startswith(","):
            return name + suf
        return name + (" " + suf if suf else "")

    def phone(self):
        g = self.g
        if g.r() < 0.2:
            return ""
        return "+1 %d 555 0%03d" % (201 + g.below(789), 100 + g.below(900))

    def verdict(self, i, role):
        status, reason = VERDICT[self.kind[i]]
        mx = self.best[i]
        if status == "deliverable" and role:
            status, reason = "risky", "class.role"
        return status, reason, mx

    def is_role(self, local):
        l = local.lower().split("+", 1)[0]
        return l in self.role_set

    def rows(self):
        """Yields (csv row, truth line) for every data row, in order."""
        g, a = self.g, self.a
        n = len(self.domains)
        ndup = int(round(a.rows * 0.01))
        nrole = int(round(a.rows * 0.01))
        nbase = a.rows - ndup
        if nbase < n:
            sys.exit("gen_world: --rows too small: %d rows (after 1%% duplicates) "
                     "cannot use all %d domains" % (nbase, n))
        base = list(range(n)) + self.zipf_draws(nbase - n)
        g.shuffle(base)
        pos = list(range(1, a.rows))
        # A partial shuffle: the first ndup entries are a uniform sample.
        for j in range(min(ndup, len(pos))):
            k = j + g.below(len(pos) - j)
            pos[j], pos[k] = pos[k], pos[j]
        dup_at = set(pos[:ndup])
        del pos
        slots = list(range(nbase))
        for j in range(nrole):
            k = j + g.below(nbase - j)
            slots[j], slots[k] = slots[k], slots[j]
        role_at = set(slots[:nrole])
        del slots

        seen = set()           # lower-case addresses in use
        next_n = {}            # taken address -> next number to try
        emitted = []           # (address, truth) of non-duplicate rows
        self.count_rows = {k: 0 for k, _ in KINDS}
        self.count_dup = self.count_role = self.count_role_dns = 0
        self.count_status = {}
        self.first_seen = []   # domain indexes, first-appearance order
        used = bytearray(n)
        j = 0
        for p in range(a.rows):
            if p in dup_at and emitted:
                addr, truth, i = emitted[g.below(len(emitted))]
                x = g.r()
                if x < 0.10:
                    addr = addr.upper()
                elif x < 0.20:
                    loc, _, dom = addr.partition("@")
                    addr = loc + "@" + dom.upper()
                fd, ld = "", ""
                self.count_dup += 1
            else:
                i = base[j]
                role = j in role_at
                j += 1
                d = self.domains[i]
                fd, fa = g.one(self.first)
                ld, la = g.one(self.last)
                addr = None
                if role:
                    for _ in range(50):
                        loc = g.one(self.role_pick)
                        if g.r() < 0.05:
                            loc += "+" + g.one(["crm", "leads", "web", "2024"])
                        if (loc + "@" + d) not in seen:
                            addr = loc + "@" + d
                            break
                    if addr is None:
                        role = False
                if addr is None:
                    addr = self.person_address(fa, la, d, seen, next_n)
                seen.add(addr)
                role = self.is_role(addr.partition("@")[0])
                if role:
                    self.count_role += 1
                    if VERDICT[self.kind[i]][0] == "deliverable":
                        self.count_role_dns += 1
                st, rs, mx = self.verdict(i, role)
                truth = "%s\t%s\t%s" % (st, rs, mx)
                if not role and g.r() < 0.03:   # John.Smith@Brightlane.com
                    loc, _, dom = addr.partition("@")
                    addr = ".".join(s[:1].upper() + s[1:] for s in loc.split(".")) + \
                        "@" + dom[:1].upper() + dom[1:]
                emitted.append((addr, truth, i))
                if not used[i]:
                    used[i] = 1
                    self.first_seen.append(i)
            self.count_rows[self.kind[i]] += 1
            st = truth.split("\t", 1)[0]
            self.count_status[st] = self.count_status.get(st, 0) + 1
            z = self.dzone[i]
            company = self.company(i) if g.r() > 0.04 else ""
            country = g.one(COUNTRY_BY_ZONE[z])
            row = [fd, ld, addr, company, g.one(JOB_TITLES), self.phone(), country]
            yield row, addr + "\t" + truth

    # ------------------------------------------------------------ output
    def write_zones(self, out):
        zdir = os.path.join(out, "zones")
        os.makedirs(zdir, exist_ok=True)
        files = {}
        for z, _ in ZONES:
            f = open(os.path.join(zdir, z + ".zone"), "w", encoding="ascii",
                     newline="\n", buffering=1 << 20)
            f.write("; zone %s. for leadgate's DNS benchmark (bench/gen_world.py, seed %d)\n"
                    % (z, self.a.seed))
            f.write("$ORIGIN %s.\n$TTL %d\n" % (z, TTL))
            f.write("@ IN SOA ns.%s. hostmaster.%s. 1 7200 3600 1209600 %d\n" % (z, z, SOA_MIN))
            f.write("@ IN NS ns.%s.\n" % z)
            f.write("ns IN A 198.18.0.53\n")
            files[z] = f
        for i, recs in enumerate(self.records):
            f = files[self.dzone[i]]
            for owner, typ, rdata in recs:
                f.write("%s IN %s %s\n" % (owner, typ, rdata))
        for f in files.values():
            f.close()

    def write_conf(self, out):
        out = os.path.abspath(out)
        zdir = os.path.join(out, "zones")
        L = []
        w = L.append
        w("# unbound.conf for leadgate's DNS benchmark, world %s" % out)
        w("# written by bench/gen_world.py --seed %d; run: unbound -d -c %s/unbound.conf"
          % (self.a.seed, out))
        w("server:")
        for k, v in [
                ("interface", "127.0.0.1"), ("port", str(self.a.port)),
                ("do-daemonize", "no"), ("username", '""'), ("chroot", '""'),
                ("directory", '"%s"' % out), ("pidfile", '""'),
                ("use-syslog", "no"), ("logfile", '""'), ("verbosity", "1"),
                ("log-time-ascii", "yes"),
                ("module-config", '"iterator"'),
                ("do-not-query-localhost", "no"),
                ("do-ip4", "yes"), ("do-ip6", "no"), ("do-udp", "yes"), ("do-tcp", "yes"),
                ("num-threads", "1"),
                ("access-control", "127.0.0.0/8 allow"),
                # every client query waits for a slot: make room for
                # thousands in flight, never drop or jostle them
                ("num-queries-per-thread", "8192"), ("jostle-timeout", "10000"),
                ("outgoing-range", "8192"), ("incoming-num-tcp", "64"),
                ("so-rcvbuf", "8m"), ("so-sndbuf", "8m"), ("so-reuseport", "no"),
                # caches large enough for the whole world, one slab (one thread)
                ("msg-cache-size", "256m"), ("msg-cache-slabs", "1"),
                ("rrset-cache-size", "512m"), ("rrset-cache-slabs", "1"),
                ("infra-cache-slabs", "1"), ("key-cache-slabs", "1"),
                ("infra-cache-numhosts", "100000"),
                # no rate limits of any kind
                ("ratelimit", "0"), ("ip-ratelimit", "0"),
                ("unwanted-reply-threshold", "0"),
                # plain, fast iteration over the local auth zones
                ("qname-minimisation", "no"), ("minimal-responses", "yes"),
                ("prefetch", "no"), ("serve-expired", "no"),
                ("aggressive-nsec", "no"), ("harden-referral-path", "no"),
                ("harden-glue", "yes"), ("rrset-roundrobin", "no"),
                ("edns-buffer-size", "1232"),
                ("statistics-interval", "0"), ("extended-statistics", "no")]:
            w("    %s: %s" % (k, v))
        for z, _ in ZONES:
            w('    local-zone: "%s." nodefault' % z)
        w("    # the timeout kind: queries for these names are dropped")
        for i, d in enumerate(self.domains):
            if self.kind[i] == "timeout":
                w('    local-zone: "%s." deny' % d)
        w("")
        w("remote-control:")
        w("    control-enable: no")
        for z, _ in ZONES:
            w("")
            w("auth-zone:")
            w('    name: "%s."' % z)
            w('    zonefile: "%s"' % os.path.join(zdir, z + ".zone"))
            w("    for-upstream: yes")
            w("    for-downstream: no")
            w("    fallback-enabled: no")
        with open(os.path.join(out, "unbound.conf"), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(L) + "\n")


# ---------------------------------------------------------------- output
# (gen_smtp_world.py writes its world with these too)

def start_out(out):
    """Makes the directory out, its world.json gone until the world is
    complete (it is written last); returns that file's path."""
    os.makedirs(out, exist_ok=True)
    done = os.path.join(out, "world.json")
    if os.path.exists(done):
        os.unlink(done)
    return done


def write_contacts(out, rows):
    """contacts.csv (csv module, QUOTE_MINIMAL, CRLF) and truth.tsv in
    out, from rows: (row, truth line) pairs, 10,000 at a time."""
    with open(os.path.join(out, "contacts.csv"), "w", encoding="utf-8", newline="",
              buffering=1 << 20) as fc, \
            open(os.path.join(out, "truth.tsv"), "w", encoding="utf-8", newline="\n",
                 buffering=1 << 20) as ft:
        cw = csv.writer(fc, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        cw.writerow(HEADER)
        batch, tb = [], []
        for row, truth in rows:
            batch.append(row)
            tb.append(truth)
            if len(batch) == 10000:
                cw.writerows(batch)
                ft.write("\n".join(tb) + "\n")
                batch, tb = [], []
        if batch:
            cw.writerows(batch)
            ft.write("\n".join(tb) + "\n")


def write_info(done, info):
    """world.json: the parameters and the realised mix."""
    with open(done, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1000000, help="data rows (default 1000000)")
    ap.add_argument("--domains", type=int, default=200000, help="distinct domains (default 200000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--port", type=int, default=53535,
                    help="unbound's port on 127.0.0.1 in unbound.conf (default 53535)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--lists", default=os.path.join(ROOT, "conf", "lists"),
                    help="leadgate's lists (role, free, disposable, typo targets)")
    ap.add_argument("--timeout-share", type=float, default=0.5, metavar="PCT",
                    help="percent of the domains whose queries are dropped (default 0.5)")
    ap.add_argument("--stats", action="store_true", help="print the realised mix to stderr")
    a = ap.parse_args(argv)
    if a.domains < 1 or a.rows < 1:
        ap.error("--rows and --domains must be positive")
    if not 1 <= a.port <= 65535:
        ap.error("--port must be 1..65535")
    if not 0 <= a.timeout_share <= 5:
        ap.error("--timeout-share must be 0..5")

    t0 = time.perf_counter()
    out = a.out
    done = start_out(out)

    w = World(a)
    w.make_domains()
    w.assign_kinds()
    w.build_dns()
    write_contacts(out, w.rows())

    with open(os.path.join(out, "domains.txt"), "w", encoding="ascii", newline="\n") as fd, \
            open(os.path.join(out, "kinds.tsv"), "w", encoding="ascii", newline="\n") as fk:
        for i in w.first_seen:
            d = w.domains[i]
            fd.write(d + "\n")
            fk.write("%s\t%s\t%s\t%s\n" % (d, w.kind[i], OUTCOME[w.kind[i]], w.best[i]))
    w.write_zones(out)
    w.write_conf(out)

    nd = len(w.domains)
    kd = {k: w.kind.count(k) for k, _ in KINDS}
    info = {
        "rows": a.rows, "domains": nd, "seed": a.seed, "port": a.port,
        "timeout_share": a.timeout_share,
        "domain_kinds": kd, "row_kinds": w.count_rows,
        "duplicates": w.count_dup, "roles": w.count_role,
        "roles_on_deliverable": w.count_role_dns, "statuses": w.count_status,
        "domains_rejected": w.rejected,
        "records": sum(len(r) for r in w.records),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_info(done, info)

    if a.stats:
        e = sys.stderr
        print("gen_world: %d rows, %d domains, seed %d, %d zone records, %.1f s"
              % (a.rows, nd, a.seed, info["records"], info["seconds"]), file=e)
        print("kind         domains    share      rows    share", file=e)
        for k, _ in KINDS:
            print("%-10s %9d %7.2f%% %9d %7.2f%%" % (k, kd[k], 100.0 * kd[k] / nd,
                  w.count_rows[k], 100.0 * w.count_rows[k] / a.rows), file=e)
        print("duplicates %d (%.2f%%), role addresses %d (%.2f%%; %d on deliverable domains)"
              % (w.count_dup, 100.0 * w.count_dup / a.rows, w.count_role,
                 100.0 * w.count_role / a.rows, w.count_role_dns), file=e)
        print("truth: " + ", ".join("%s %d (%.2f%%)" % (k, v, 100.0 * v / a.rows)
                                    for k, v in sorted(w.count_status.items())), file=e)
        print("domain names rejected (on a list or one edit from a typo target): %d"
              % w.rejected, file=e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
