#!/usr/bin/env python3
"""
gen_contacts.py - deterministic generator of realistic B2B contact CSV
exports (HubSpot-like), the input of leadgate's benchmark.

    gen_contacts.py [--rows N] [--seed S] [--domains D] [-o FILE]
                    [--emails-only FILE] [--labels FILE] [--stats]

Columns (header exactly):
    First Name,Last Name,Email,Company,Job Title,Phone,Country

Same --seed, --rows and --domains give byte-identical output (only
random.Random.random() is used, whose sequence is stable across Python
versions).  Written with the csv module, QUOTE_MINIMAL, CRLF line ends,
UTF-8 without BOM.

About 20% of rows use a free mail provider, the rest a company domain
drawn Zipf-like (exponent 1.1) from a pool of synthetic company domains.
About 12% of rows carry a deliberately odd Email cell: 1% duplicates of an
earlier address (case changed sometimes) and 0.5% each of the kinds in
BAD_KINDS below.  --stats prints the realised mix to stderr; --labels
writes the kind of each row, one per line, same order as the data rows.
Accidental duplicates are avoided: an address already used gets a number
appended (john.smith2@acme.com), so the only repeated cells are the
deliberate duplicates and the naturally repetitive kinds (N/A, empty, role
addresses such as info@ on a popular domain, special-use domains).

Use Debian's /usr/bin/python3 or any Python >= 3.7; no third-party module.
"""

import argparse
import bisect
import csv
import io
import sys

# ---------------------------------------------------------------- names
# (display, ascii for the address).  Some non-ASCII on purpose.
FIRST_NAMES = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael",
    "Linda", "William", "Elizabeth", "David", "Barbara", "Richard", "Susan",
    "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher",
    "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret",
    "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul",
    "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Dorothy",
    "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Edward",
    "Deborah", "Ronald", "Stephanie", "Timothy", "Rebecca", "Jason", "Sharon",
    "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary",
    "Amy", "Nicholas", "Shirley", "Eric", "Angela", "Jonathan", "Helen",
    "Stephen", "Anna", "Larry", "Brenda", "Justin", "Pamela", "Scott",
    "Nicole", "Brandon", "Emma", "Benjamin", "Samantha", "Samuel", "Katherine",
    "Gregory", "Christine", "Frank", "Debra", "Alexander", "Rachel", "Raymond",
    "Catherine", "Patrick", "Carolyn", "Jack", "Janet", "Dennis", "Ruth",
    "Jerry", "Maria", "Tyler", "Heather", "Aaron", "Diane", "Adam", "Julie",
    "Nathan", "Olivia", "Peter", "Sophie", "Lukas", "Hannah", "Leon", "Lea",
    "Felix", "Mia", "Maximilian", "Lena", "Jan", "Anja", "Pierre", "Camille",
    "Louis", "Chloe", "Hugo", "Manon", "Lucas", "Ines", "Oliver", "Amelia",
    "Harry", "Isla", "Liam", "Noah", "Ethan", "Ava", "Priya", "Rahul",
    "Arjun", "Ananya", "Wei", "Li", "Hiroshi", "Yuki", "Carlos", "Sofia",
    "Diego", "Valentina", "Mateo", "Lucia", "Ahmed", "Fatima", "Omar",
    "Aisha", "Piotr", "Anna-Lena", "Jean-Luc", "Marie-Claire",
]
FIRST_NAMES = [(n, n.lower()) for n in FIRST_NAMES] + [
    ("José", "jose"), ("Zoë", "zoe"), ("Łukasz", "lukasz"),
    ("François", "francois"), ("Björn", "bjorn"), ("Søren", "soren"),
    ("Renée", "renee"), ("Jürgen", "juergen"), ("Małgorzata", "malgorzata"),
    ("Íñigo", "inigo"), ("Zoé", "zoe"), ("Mário", "mario"),
]

LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez",
    "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz",
    "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan",
    "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos",
    "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
    "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
    "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long",
    "Ross", "Foster", "Jimenez", "Schmidt", "Schneider", "Fischer", "Weber",
    "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter",
    "Klein", "Wolf", "Neumann", "Bernard", "Dubois", "Durand", "Leroy",
    "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Fontaine", "Rossi",
    "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Kowalski",
    "Nowak", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Singh",
    "Kumar", "Sharma", "Gupta", "Tanaka", "Suzuki", "Sato", "Chen", "Wang",
    "Zhang", "Liu", "Silva", "Santos", "Oliveira", "Costa", "Murray",
    "Fraser", "Hansen", "Larsen", "Nielsen", "Johansson", "Andersson",
]
LAST_NAMES = [(n, n.lower().replace(" ", "")) for n in LAST_NAMES] + [
    ("Müller", "mueller"), ("Müller", "muller"), ("Schäfer", "schaefer"),
    ("García", "garcia"), ("Gómez", "gomez"), ("Wiśniewski", "wisniewski"),
    ("Łukasiewicz", "lukasiewicz"), ("O'Brien", "obrien"),
    ("O'Connor", "o'connor"), ("Núñez", "nunez"), ("Øvergaard", "overgaard"),
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("Smith-Jones", "smith-jones"),
]

# Non-ASCII local parts for the utf8_local kind (RFC 6531 addresses).
UTF8_LOCALS = [
    "josé", "zoë", "łukasz", "müller", "françois", "björn", "søren",
    "jürgen", "josé.garcía", "zoë.müller", "王伟", "李娜", "renée.dubois",
    "małgorzata.nowak", "íñigo", "δοκιμή", "пример",
]

JOB_TITLES = [
    "CEO", "CTO", "CFO", "COO", "Founder", "Co-Founder", "VP Sales",
    "VP of Marketing", "VP Engineering", "Head of Growth", "Head of Sales",
    "Sales Manager", "Account Executive", "Senior Account Executive",
    "Sales Development Representative", "Business Development Manager",
    "Marketing Manager", "Marketing Director", "Product Manager",
    "Senior Product Manager", "Software Engineer", "Senior Software Engineer",
    "Engineering Manager", "Data Scientist", "Data Analyst",
    "Operations Manager", "HR Manager", "Recruiter", "Office Manager",
    "Customer Success Manager", "Procurement Manager", "IT Director",
    "Managing Director", "Geschäftsführer", "Directeur Commercial",
    "Consultant", "Partner", "Owner", "President", "Controller",
    "Head of IT, EMEA", "Director, Partnerships", "", "",
]

# Free mail providers with relative weights.
FREE = [
    ("gmail.com", 45), ("yahoo.com", 10), ("hotmail.com", 9),
    ("outlook.com", 8), ("icloud.com", 4), ("aol.com", 3), ("gmx.de", 4),
    ("web.de", 4), ("t-online.de", 2), ("yahoo.co.uk", 2), ("hotmail.co.uk", 1),
    ("orange.fr", 2), ("free.fr", 1), ("laposte.net", 1), ("live.com", 2),
    ("protonmail.com", 1), ("gmx.net", 1),
]
TYPO_DOMAINS = [
    "gmial.com", "gmial.com", "gmail.co", "gmail.co", "gmai.com", "gmail.con",
    "gamil.com", "hotmial.com", "hotmial.com", "hotmail.co", "yaho.com",
    "yaho.com", "yahooo.com", "outlok.com", "outlok.com", "outlook.co",
]
DISPOSABLE = ["mailinator.com", "guerrillamail.com", "10minutemail.com",
              "yopmail.com"]
ROLES = ["info", "sales", "support", "noreply", "no-reply", "admin",
         "contact", "hello", "office", "billing", "marketing", "hr", "team"]
IDN_DOMAINS = ["bücher.de", "münchen-gmbh.de", "köln-media.de",
               "zürich-partners.ch", "café-lumière.fr", "straße-bau.de",
               "ñandú.es", "bücher.de", "münchen-gmbh.de"]
SPECIAL_USE = ["example.com", "example.com", "example.org", "example.net",
               "acme.test", "test", "mail.invalid", "invalid", "localhost",
               "foo.localhost"]

# Deliberate bad / odd kinds and their share of rows.
BAD_KINDS = [
    ("duplicate", 0.010),
    ("empty", 0.005), ("no_at", 0.005), ("double_dot", 0.005),
    ("edge_dot", 0.005), ("space_inside", 0.005), ("display_name", 0.005),
    ("padded", 0.005), ("typo_domain", 0.005), ("disposable", 0.005),
    ("role", 0.005), ("idn_domain", 0.005), ("utf8_local", 0.005),
    ("fullwidth_at", 0.005), ("zero_width", 0.005), ("na", 0.005),
    ("mailto", 0.005), ("special_use", 0.005), ("quoted_local", 0.005),
    ("local_too_long", 0.005), ("label_too_long", 0.005),
    ("domain_literal", 0.005), ("comment", 0.005),
]
KIND_NOTES = {
    "ok": "plain valid address (company or free provider)",
    "duplicate": "same address as an earlier row, case changed sometimes",
    "empty": "empty cell, sometimes blanks only",
    "no_at": "no @ (john.smithacme.com, john.smith, 'john at acme.com')",
    "double_dot": "'..' in local part or domain",
    "edge_dot": "leading or trailing dot in the local part",
    "space_inside": "a space inside the address",
    "display_name": "\"Smith, John\" <john@acme.com> or John Smith <...>",
    "padded": "leading/trailing blanks or tab (valid after trim)",
    "typo_domain": "typo of a popular provider (gmial.com, yaho.com ...)",
    "disposable": "mailinator.com, guerrillamail.com, 10minutemail.com, yopmail.com",
    "role": "info@, sales@, support@, noreply@ ... on a company domain",
    "idn_domain": "IDN domain (bücher.de, münchen-gmbh.de ...)",
    "utf8_local": "UTF-8 local part (josé@..., 王伟@...)",
    "fullwidth_at": "fullwidth ＠ U+FF20 instead of @",
    "zero_width": "zero-width space U+200B inside",
    "na": "N/A, n/a, -, none, TBD",
    "mailto": "mailto: prefix",
    "special_use": "example.com/.org/.net, .test, .invalid, localhost",
    "quoted_local": "quoted local part (\"john doe\"@acme.com)",
    "local_too_long": "local part of 65..90 octets",
    "label_too_long": "domain label of 64..75 octets",
    "domain_literal": "domain literal [192.0.2.x] or [IPv6:2001:db8::x]",
    "comment": "comment john(work)@acme.com or (work)john@acme.com",
}

SYLLABLES = [
    "ac", "al", "an", "ar", "ax", "ba", "be", "bi", "bo", "bra", "ca", "ce",
    "co", "cor", "da", "de", "di", "do", "dra", "el", "en", "er", "ex", "fa",
    "fi", "fo", "fu", "ga", "gi", "go", "ha", "he", "hy", "in", "io", "ja",
    "ka", "ki", "ko", "kra", "la", "le", "li", "lo", "lu", "ma", "me", "mi",
    "mo", "mu", "na", "ne", "ni", "no", "nu", "nova", "or", "pa", "pe", "pi",
    "po", "pra", "qua", "ra", "re", "ri", "ro", "ru", "sa", "se", "si", "so",
    "sta", "su", "ta", "te", "ti", "to", "tra", "tri", "tu", "ul", "va",
    "ve", "vi", "vo", "xa", "xi", "ya", "yo", "za", "ze", "zo", "lyn", "rix",
    "tex", "vex", "dyn", "lux", "mar", "ter", "sol", "ion", "ium", "ora",
]
WORD_SUFFIX = ["labs", "tech", "soft", "group", "data", "systems", "media",
               "works", "cloud", "ai", "hq", "digital", "consulting", "health",
               "logistics", "energy", "capital", "partners", "solutions"]
TLDS = [(".com", 55), (".io", 9), (".co", 6), (".net", 7), (".de", 9),
        (".co.uk", 8), (".fr", 6)]
COMPANY_SUFFIX = {
    ".com": ["Inc.", ", Inc.", "LLC", ", LLC", "Corp.", "", "", "Co."],
    ".net": ["Inc.", "LLC", "", "Networks"],
    ".io": ["", "", "Labs", "Inc."],
    ".co": ["", "", "Co.", "Inc."],
    ".de": ["GmbH", "GmbH", "AG", "GmbH & Co. KG", "UG (haftungsbeschränkt)"],
    ".co.uk": ["Ltd", "Ltd", "Limited", "plc", "LLP"],
    ".fr": ["SAS", "SA", "SARL", ""],
}
COUNTRIES_ANY = [("United States", 46), ("Canada", 6), ("United Kingdom", 9),
                 ("Germany", 8), ("France", 6), ("Netherlands", 4),
                 ("Spain", 3), ("Italy", 3), ("India", 4), ("Australia", 3),
                 ("Brazil", 2), ("Poland", 2), ("Sweden", 2), ("China", 1),
                 ("Japan", 1), ("", 4)]
COUNTRY_BY_TLD = {
    ".de": [("Germany", 85), ("Austria", 8), ("Switzerland", 7)],
    ".co.uk": [("United Kingdom", 95), ("Ireland", 5)],
    ".fr": [("France", 90), ("Belgium", 6), ("Switzerland", 4)],
}


def weighted(pairs):
    """(items, cumulative weights) for pick()."""
    items, cum, t = [], [], 0.0
    for item, w in pairs:
        t += w
        items.append(item)
        cum.append(t)
    return items, cum


class Gen:
    def __init__(self, seed, ndomains):
        import random
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.free = weighted(FREE)
        self.tlds = weighted(TLDS)
        self.countries_any = weighted(COUNTRIES_ANY)
        self.country_by_tld = {k: weighted(v) for k, v in COUNTRY_BY_TLD.items()}
        self.kinds = weighted(BAD_KINDS + [("ok", 1.0 - sum(w for _, w in BAD_KINDS))])
        self._make_domains(ndomains)
        self.seen = set()       # lower-case addresses used so far
        self.seen_list = []     # the same, in order, for duplicates

    # -- helpers
    def pick(self, wl):
        items, cum = wl
        return items[bisect.bisect_right(cum, self.r() * cum[-1])]

    def one(self, seq):
        return seq[int(self.r() * len(seq))]

    def digits(self, lo, hi):
        return str(lo + int(self.r() * (hi - lo + 1)))

    def _make_domains(self, n):
        r = self.r
        names, tlds, seen = [], [], set()
        ns = len(SYLLABLES)
        while len(names) < n:
            k = 2 if r() < 0.55 else 3
            base = "".join(SYLLABLES[int(r() * ns)] for _ in range(k))
            x = r()
            if x < 0.18:
                label = base + self.one(WORD_SUFFIX)
            elif x < 0.24:
                label = base + "-" + self.one(WORD_SUFFIX)
            else:
                label = base
            tld = self.pick(self.tlds)
            d = label + tld
            if d in seen or len(label) < 4:
                continue
            seen.add(d)
            names.append(d)
            tlds.append(tld)
        self.domains = names
        self.domain_tld = tlds
        # Zipf, exponent 1.1: rank k has weight k^-1.1; ranks are the
        # (random) generation order, so the popular names are arbitrary.
        cum, t = [], 0.0
        for k in range(1, n + 1):
            t += k ** -1.1
            cum.append(t)
        self.zipf_cum = cum
        self.zipf_total = t

    def company_domain(self):
        i = bisect.bisect_right(self.zipf_cum, self.r() * self.zipf_total)
        if i >= len(self.domains):
            i = len(self.domains) - 1
        return i

    def company_name(self, i):
        d = self.domains[i]
        tld = self.domain_tld[i]
        label = d[: -len(tld)]
        parts = label.split("-")
        name = " ".join(p.capitalize() for p in parts)
        suf = COMPANY_SUFFIX[tld][i % len(COMPANY_SUFFIX[tld])]
        if suf.startswith(","):
            name += suf
        elif suf:
            name += " " + suf
        x = self.r()
        if x < 0.004:
            name = '%s "%s" %s' % (parts[0].capitalize(), "Digital", suf or "Ltd")
        elif x < 0.006:
            name = '=HYPERLINK("http://%s/x","%s")' % (d, parts[0].capitalize())
        elif x < 0.007:
            name = "=1+2"
        elif x < 0.009:
            name = "@" + parts[0].capitalize()
        elif x < 0.012:
            name = name + ", a " + self.one(["Siemens", "Acme", "Oracle"]) + " company"
        return name

    def phone(self, country):
        r = self.r
        x = r()
        if x < 0.15:
            return ""
        d = self.digits
        if country in ("United States", "Canada", ""):
            area = d(201, 989)
            line = d(100, 199).rjust(4, "0")
            f = r()
            if f < 0.35:
                return "+1 %s 555 0%s" % (area, line[1:])
            if f < 0.6:
                return "(%s) 555-0%s" % (area, line[1:])
            if f < 0.8:
                return "%s-555-0%s" % (area, line[1:])
            if f < 0.9:
                return "%s.555.0%s" % (area, line[1:])
            return "+1-%s-555-0%s x%s" % (area, line[1:], d(10, 999))
        if country == "United Kingdom":
            return ("+44 20 7946 0%s" % d(100, 999)) if r() < 0.7 else ("020 7946 0%s" % d(100, 999))
        if country in ("Germany", "Austria", "Switzerland"):
            return ("+49 30 %s" % d(1000000, 9999999)) if r() < 0.6 else ("030 %s" % d(1000000, 9999999))
        if country == "France":
            return "+33 1 %s %s %s %s" % (d(10, 99), d(10, 99), d(10, 99), d(10, 99))
        return "+%s %s %s" % (d(20, 99), d(100, 999), d(100000, 9999999))

    def local_for(self, fa, la, free):
        r = self.r
        x = r()
        if x < 0.40:
            loc = fa + "." + la
        elif x < 0.60:
            loc = fa[0] + la
        elif x < 0.70:
            loc = fa
        elif x < 0.85:
            loc = fa + "_" + la
        else:
            loc = fa + la[0]
        loc = loc.replace("'", "") if r() < 0.8 else loc
        if free and r() < 0.6:
            loc += self.digits(1, 99) if r() < 0.5 else self.digits(1950, 2005)
        return loc

    def fresh(self, loc, dom, listed=True):
        """A not-yet-used lower-case address; records it (and, if listed,
        offers it to later duplicate rows)."""
        a = loc + "@" + dom
        k = a.lower()
        n = 2
        while k in self.seen:
            a = loc + str(n) + "@" + dom
            k = a.lower()
            n += 1
        self.seen.add(a if k == a else k)  # share the object when possible
        if listed:
            self.seen_list.append(a)
        return a

    @staticmethod
    def casey(addr):
        """John.Smith@Acme.com style."""
        loc, _, dom = addr.partition("@")
        loc = ".".join(p[:1].upper() + p[1:] for p in loc.split("."))
        return loc + "@" + dom[:1].upper() + dom[1:]

    # -- one row
    def row(self):
        r = self.r
        fd, fa = self.one(FIRST_NAMES)
        ld, la = self.one(LAST_NAMES)
        ci = self.company_domain()
        tld = self.domain_tld[ci]
        company = self.company_name(ci) if r() > 0.04 else ""
        free = r() < 0.20
        dom = self.pick(self.free) if free else self.domains[ci]
        cw = self.country_by_tld.get(tld)
        country = self.pick(cw) if cw and r() < 0.9 else self.pick(self.countries_any)
        title = self.one(JOB_TITLES)
        phone = self.phone(country)
        kind = self.pick(self.kinds)
        loc = self.local_for(fa, la, free)
        cdom = self.domains[ci]  # company domain, for kinds that need one
        email = self.email(kind, loc, dom, cdom, fd, ld, fa, la)
        return kind, [fd, ld, email, company, title, phone, country]

    def email(self, kind, loc, dom, cdom, fd, ld, fa, la):
        r = self.r
        if kind == "ok":
            a = self.fresh(loc, dom)
            return self.casey(a) if r() < 0.04 else a
        if kind == "duplicate":
            if not self.seen_list:
                return self.fresh(loc, dom)
            a = self.seen_list[int(r() * len(self.seen_list))]
            x = r()
            if x < 0.15:
                return a.upper()
            if x < 0.35:
                return self.casey(a)
            if x < 0.45:
                l, _, d = a.partition("@")
                return l + "@" + d.upper()
            return a
        if kind == "empty":
            return "" if r() < 0.8 else self.one([" ", "  ", "\t"])
        if kind == "no_at":
            x = r()
            if x < 0.5:
                return loc + dom
            if x < 0.8:
                return loc
            return loc + " at " + dom
        if kind == "double_dot":
            if r() < 0.7:
                if "." in loc:
                    return loc.replace(".", "..", 1) + "@" + dom
                return loc[:2] + ".." + loc[2:] + "@" + dom
            return loc + "@" + dom.replace(".", "..", 1)
        if kind == "edge_dot":
            x = r()
            if x < 0.45:
                return "." + loc + "@" + dom
            if x < 0.9:
                return loc + ".@" + dom
            return "." + loc + ".@" + dom
        if kind == "space_inside":
            x = r()
            if x < 0.5 and "." in loc:
                return loc.replace(".", " ", 1) + "@" + dom
            if x < 0.8:
                return loc + " @" + dom
            return loc + "@ " + dom
        if kind == "display_name":
            a = loc + "@" + dom
            x = r()
            if x < 0.5:
                return '"%s, %s" <%s>' % (ld, fd, a)
            if x < 0.85:
                return "%s %s <%s>" % (fd, ld, a)
            return "<%s>" % a
        if kind == "padded":
            a = self.fresh(loc, dom, False)
            x = r()
            if x < 0.4:
                return " " + a
            if x < 0.8:
                return a + " "
            if x < 0.9:
                return "  " + a + "  "
            return "\t" + a
        if kind == "typo_domain":
            return self.fresh(loc, self.one(TYPO_DOMAINS), False)
        if kind == "disposable":
            return self.fresh(loc, self.one(DISPOSABLE), False)
        if kind == "role":
            return self.one(ROLES) + "@" + cdom
        if kind == "idn_domain":
            d = self.one(IDN_DOMAINS)
            return self.fresh(loc, d.capitalize() if r() < 0.1 else d, False)
        if kind == "utf8_local":
            return self.fresh(self.one(UTF8_LOCALS), cdom if r() < 0.7 else dom, False)
        if kind == "fullwidth_at":
            return loc + "\uff20" + dom
        if kind == "zero_width":
            a = loc + "@" + dom
            x = r()
            if x < 0.4:
                return a + "\u200b"
            if x < 0.7:
                return "\u200b" + a
            i = 1 + int(r() * (len(loc) - 1)) if len(loc) > 1 else 1
            return a[:i] + "\u200b" + a[i:]
        if kind == "na":
            return self.one(["N/A", "N/A", "N/A", "n/a", "NA", "-", "none", "TBD"])
        if kind == "mailto":
            return ("mailto:" if r() < 0.85 else "MAILTO:") + loc + "@" + dom
        if kind == "special_use":
            return loc + "@" + self.one(SPECIAL_USE)
        if kind == "quoted_local":
            x = r()
            if x < 0.6:
                q = '"%s %s"' % (fa, la if r() < 0.7 else "doe")
            elif x < 0.8:
                q = '"%s..%s"' % (fa, la)
            else:
                q = '"%s@home"' % fa
            return q + "@" + dom
        if kind == "local_too_long":
            n = 65 + int(r() * 26)
            s = loc
            while len(s) < n:
                s += "." + self.one(SYLLABLES) + self.one(SYLLABLES) + "x"
            return s[:n].rstrip(".") + "x" + "@" + dom
        if kind == "label_too_long":
            n = 64 + int(r() * 12)
            lab = ""
            while len(lab) < n:
                lab += self.one(SYLLABLES)
            return loc + "@" + lab[:n] + self.one([".com", ".io", ".de"])
        if kind == "domain_literal":
            if r() < 0.8:
                return loc + "@[192.0.2." + self.digits(1, 254) + "]"
            return loc + "@[IPv6:2001:db8::" + self.digits(1, 99) + "]"
        if kind == "comment":
            c = self.one(["work", "home", "old", "sales dept", "x"])
            if r() < 0.75:
                return loc + "(" + c + ")@" + dom
            return "(" + c + ")" + loc + "@" + dom
        raise AssertionError(kind)


HEADER = ["First Name", "Last Name", "Email", "Company", "Job Title",
          "Phone", "Country"]


def open_out(path):
    if path is None or path == "-":
        return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8",
                                newline="", write_through=False), False
    return open(path, "w", encoding="utf-8", newline="", buffering=1 << 20), True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1000000, help="data rows (default 1000000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--domains", type=int, default=200000,
                    help="company domain pool size (default 200000)")
    ap.add_argument("-o", "--output", default=None, help="CSV output (default stdout)")
    ap.add_argument("--emails-only", metavar="FILE", default=None,
                    help="also write the Email cells, one per line (LF), same order")
    ap.add_argument("--labels", metavar="FILE", default=None,
                    help="also write each row's kind (ok, duplicate, no_at ...), one per line")
    ap.add_argument("--stats", action="store_true",
                    help="print the realised mix of kinds to stderr")
    a = ap.parse_args(argv)
    if a.rows < 0 or a.domains < 1:
        ap.error("--rows must be >= 0 and --domains >= 1")

    g = Gen(a.seed, a.domains)
    out, close_out = open_out(a.output)
    w = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow(HEADER)
    em = open(a.emails_only, "w", encoding="utf-8", newline="\n",
              buffering=1 << 20) if a.emails_only else None
    lab = open(a.labels, "w", encoding="utf-8", newline="\n",
               buffering=1 << 20) if a.labels else None
    counts = {}
    batch, kinds = [], []
    row = g.row
    for i in range(a.rows):
        kind, rec = row()
        batch.append(rec)
        kinds.append(kind)
        if len(batch) == 10000 or i == a.rows - 1:
            w.writerows(batch)
            if em:
                em.write("\n".join(r[2] for r in batch))
                em.write("\n")
            if lab:
                lab.write("\n".join(kinds))
                lab.write("\n")
            for k in kinds:
                counts[k] = counts.get(k, 0) + 1
            batch, kinds = [], []
    out.flush()
    if close_out:
        out.close()
    else:
        out.detach()
    for f in (em, lab):
        if f:
            f.close()
    if a.stats:
        n = max(a.rows, 1)
        print("kind            rows     share  what", file=sys.stderr)
        for k, _ in [("ok", 0)] + BAD_KINDS:
            c = counts.get(k, 0)
            print("%-15s %8d  %6.3f%%  %s" % (k, c, 100.0 * c / n, KIND_NOTES[k]),
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
