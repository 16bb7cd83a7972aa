"""A deliberately naive matcher: every rule of every ban, tried on every record.

It states the matching rules in the plainest possible way. Property tests use
it as the oracle for the compiled engine, and the benchmark as its baseline.
"""

import re

STRENGTH = {"identifier": 0, "signer": 1, "name": 2, "publisher": 3}


def naive_match(records, bans):
    findings = []
    for record in records:
        for ban in bans:
            spec = ban["platforms"].get(record.get("platform"))
            if spec is None:
                continue
            best = None
            for entry in spec.get("identifiers", ()):
                if record.get("identifier") and str(record["identifier"]).casefold() == entry["value"].casefold():
                    best = best or ("identifier", entry["value"])
            name = str(record.get("name") or "").strip()
            excluded = any(re.fullmatch(e["pattern"], name, re.IGNORECASE) for e in spec.get("exclude", ()))
            for field, key in (("signer", "signers"), ("name", "names"), ("publisher", "publishers")):
                value = str(record.get(field) or "").strip()
                for entry in spec.get(key, ()):
                    if not value or not re.fullmatch(entry["pattern"], value, re.IGNORECASE) or excluded:
                        continue
                    constraint = entry.get("publisher")
                    publisher = record.get("publisher")
                    if constraint and publisher and not re.fullmatch(constraint, publisher, re.IGNORECASE):
                        continue
                    if best is None or STRENGTH[field] < STRENGTH[best[0]]:
                        best = (field, entry["pattern"])
            if best:
                findings.append((ban["id"], best[0], best[1]))
    return findings
