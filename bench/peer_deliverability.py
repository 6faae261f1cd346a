#!/usr/bin/python3
"""
peer_deliverability.py - the DNS benchmark's peer: python-email-validator
with check_deliverability=True, its DNS lookups sent to the benchmark's
unbound on loopback.

    /usr/bin/python3 bench/peer_deliverability.py --dns 127.0.0.1:PORT \\
        [--timeout MS] [--tries N] [--limit N] [--truth truth.tsv] contacts.csv

Reads the Email column of contacts.csv (csv module), the first --limit
addresses (default all), and calls

    validate_email(cell, check_deliverability=True, dns_resolver=R)

for each, one after the other: the library is synchronous.  R is a
dnspython resolver set up like email_validator.caching_resolver(), the
library's advice for validating many addresses, but pointed at
--dns instead of /etc/resolv.conf: dns.resolver.Resolver(configure=False),
nameservers [HOST], port PORT, an LRU cache, EDNS with a 1232-byte payload.
Its per-query timeout is --timeout and its lifetime (the whole budget of a
lookup, retries included) --timeout x --tries; dnspython retries a silent
server within the lifetime.  The cache keeps answers, NODATA and NXDOMAIN
for their TTL, not SERVFAIL nor timeouts, so every row on a silent domain
waits out the lifetime again.  Per domain the library asks MX, then A and
AAAA if there is no MX, then TXT (for an SPF "v=spf1 -all").

Prints on stderr the contacts/s and the counts, and on stdout one JSON
line for bench/run_dns.sh:

    {"rows", "valid", "invalid", "unknown", "seconds", "rows_per_s", ...}

valid: accepted (an MX or A/AAAA found); unknown: accepted but the lookup
timed out (the library then says "unknown-deliverability": "timeout");
invalid: rejected, for syntax or deliverability.  seconds covers reading
the rows and validating them, not the interpreter start nor the imports.

With --truth (the world's truth.tsv, same row order) it also counts how
often the library's verdict class agrees with the truth: deliverable or
risky <-> valid, undeliverable <-> invalid, unknown <-> unknown.  This is
information only: the library has no "servfail" verdict (it calls such a
domain non-existent) and no role check.

Run it with Debian's /usr/bin/python3 (python3-email-validator,
python3-dnspython); another python3 on PATH may lack them.
"""

import argparse
import csv
import json
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from peer_email_validator import csv_emails  # noqa: E402

try:
    import dns.resolver
    from email_validator import validate_email, EmailNotValidError
except ImportError:  # pragma: no cover
    sys.stderr.write("peer_deliverability: cannot import email_validator / dns.resolver; "
                     "use /usr/bin/python3 with python3-email-validator installed\n")
    sys.exit(2)


def module_version(name):
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:
        return "unknown"


def make_resolver(host, port, timeout_s, tries):
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [host]
    r.port = port
    r.timeout = timeout_s
    r.lifetime = timeout_s * tries
    r.cache = dns.resolver.LRUCache()
    r.use_edns(0, 0, 1232)
    return r


def emails(path, limit):
    """The Email column's cells, as peer_email_validator.py reads them."""
    return csv_emails(path, limit)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("file", help="contact CSV with an Email column")
    ap.add_argument("--dns", required=True, help="resolver as HOST:PORT, e.g. 127.0.0.1:53535")
    ap.add_argument("--timeout", type=int, default=2000, help="per-query timeout, ms (default 2000)")
    ap.add_argument("--tries", type=int, default=2,
                    help="lifetime of a lookup = timeout x tries (default 2)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N addresses")
    ap.add_argument("--truth", default=None, help="the world's truth.tsv, to count agreement")
    a = ap.parse_args(argv)
    host, sep, port = a.dns.rpartition(":")
    if not sep or not port.isdigit() or not host:
        ap.error("--dns must be HOST:PORT")
    if a.timeout < 1 or a.tries < 1:
        ap.error("--timeout and --tries must be positive")

    res = make_resolver(host, int(port), a.timeout / 1000.0, a.tries)
    truth = open(a.truth, encoding="utf-8") if a.truth else None

    valid = invalid = unknown = errors = agree = 0
    t_unknown = 0.0
    t0 = time.perf_counter()
    for cell in emails(a.file, a.limit):
        t1 = time.perf_counter()
        try:
            v = validate_email(cell, check_deliverability=True, dns_resolver=res)
            if getattr(v, "unknown-deliverability", None):
                unknown += 1
                t_unknown += time.perf_counter() - t1
                got = "unknown"
            else:
                valid += 1
                got = "valid"
        except EmailNotValidError:
            invalid += 1
            got = "invalid"
        except Exception:   # a crash inside the library counts as invalid
            invalid += 1
            errors += 1
            got = "invalid"
        if truth:
            st = truth.readline().split("\t")[1]
            want = {"deliverable": "valid", "risky": "valid",
                    "undeliverable": "invalid"}.get(st, "unknown")
            agree += want == got
    secs = time.perf_counter() - t0
    rows = valid + invalid + unknown
    out = {
        "rows": rows, "valid": valid, "invalid": invalid, "unknown": unknown,
        "seconds": round(secs, 4),
        "rows_per_s": round(rows / secs, 1) if secs > 0 else 0.0,
        "seconds_in_timeouts": round(t_unknown, 2),
        "timeout_ms": a.timeout, "tries": a.tries,
        "library": "email_validator %s, dnspython %s" % (
            module_version("email_validator"), module_version("dnspython")),
    }
    if errors:
        out["exceptions"] = errors
    if truth:
        out["agree"] = agree
        truth.close()
    sys.stderr.write(
        "peer_deliverability: %d contacts in %.2f s (%.1f contacts/s): valid %d, invalid %d, "
        "unknown (timeout) %d, %.1f s of it waiting on timeouts%s\n"
        % (rows, secs, out["rows_per_s"], valid, invalid, unknown, t_unknown,
           (", verdict class agrees with truth on %.2f%%" % (100.0 * agree / rows))
           if truth and rows else ""))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
