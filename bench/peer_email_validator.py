#!/usr/bin/python3
"""
peer_email_validator.py - the benchmark's peer: python-email-validator
(syntax only, check_deliverability=False) over the same addresses.

    /usr/bin/python3 bench/peer_email_validator.py [--limit N] [--emails-only] FILE

FILE is a contact CSV (the column named Email is used; read with the csv
module) or, with --emails-only or a non-.csv name, a file of one address
per line.  Cells are passed as they are (no trimming).  Prints one JSON
line to stdout:

    {"rows": N, "valid": V, "invalid": I, "seconds": S, "rows_per_s": R, ...}

seconds covers reading and parsing the input rows plus validating them
(not the interpreter start-up nor the module import), the same ground as
leadgate's run bar writing its output.

Run it with Debian's /usr/bin/python3 (package python3-email-validator);
another python3 on PATH may lack the module.
"""

import argparse
import csv
import json
import sys
import time

try:
    from email_validator import validate_email, EmailNotValidError
except ImportError:  # pragma: no cover
    sys.stderr.write("peer_email_validator: cannot import email_validator; "
                     "use /usr/bin/python3 with python3-email-validator installed\n")
    sys.exit(2)


def module_version():
    try:
        from importlib import metadata
        return metadata.version("email_validator")
    except Exception:
        try:
            from importlib import metadata
            return metadata.version("email-validator")
        except Exception:
            return "unknown"


def csv_emails(path, limit):
    f = open(path, encoding="utf-8", newline="", errors="surrogateescape")
    r = csv.reader(f)
    try:
        header = next(r)
    except StopIteration:
        return
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "email" not in names:
        sys.stderr.write("peer_email_validator: %s: no column named Email\n" % path)
        sys.exit(2)
    col = names.index("email")
    n = 0
    for row in r:
        if limit is not None and n >= limit:
            break
        n += 1
        yield row[col] if col < len(row) else ""
    f.close()


def line_emails(path, limit):
    n = 0
    with open(path, encoding="utf-8", newline="\n", errors="surrogateescape") as f:
        for line in f:
            if limit is not None and n >= limit:
                break
            n += 1
            if line.endswith("\n"):
                line = line[:-1]
            if line.endswith("\r"):
                line = line[:-1]
            yield line


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("file", help="contact CSV (Email column) or one address per line")
    ap.add_argument("--limit", type=int, default=None,
                    help="process only the first N addresses")
    ap.add_argument("--emails-only", action="store_true",
                    help="FILE holds one address per line (default for names not ending in .csv)")
    a = ap.parse_args(argv)

    as_lines = a.emails_only or not a.file.lower().endswith(".csv")
    src = line_emails if as_lines else csv_emails

    valid = invalid = errors = 0
    t0 = time.perf_counter()
    for cell in src(a.file, a.limit):
        try:
            validate_email(cell, check_deliverability=False)
            valid += 1
        except EmailNotValidError:
            invalid += 1
        except Exception:  # a crash inside the library counts as invalid
            invalid += 1
            errors += 1
    secs = time.perf_counter() - t0
    rows = valid + invalid
    out = {
        "rows": rows,
        "valid": valid,
        "invalid": invalid,
        "seconds": round(secs, 4),
        "rows_per_s": round(rows / secs, 1) if secs > 0 else 0.0,
        "library": "email_validator " + module_version(),
        "input": "lines" if as_lines else "csv",
    }
    if errors:
        out["exceptions"] = errors
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
