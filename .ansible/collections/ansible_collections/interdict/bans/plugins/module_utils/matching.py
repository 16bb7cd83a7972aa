# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Match normalized software records against the ban catalog.

The catalog is compiled once per platform: exact identifiers go into one
dictionary, and the name, publisher and signer patterns of every ban are joined
into one combined pattern per field. A record therefore costs one dictionary
lookup and at most three regex calls however many bans there are; only a record
that hits a combined pattern is re-checked rule by rule to learn which rules
matched (that is rare, so it is cheap).
"""

from __future__ import annotations

import re

# When several rules of one ban match a record, the finding cites the strongest.
RULE_STRENGTH = {"identifier": 0, "signer": 1, "name": 2, "publisher": 3}
_FIELDS = (("name", "names"), ("publisher", "publishers"), ("signer", "signers"))


def _rule(kind, entry, value_key):
    rule = {"kind": kind, "value": entry[value_key], "source": entry["source"]}
    if entry.get("unconfirmed"):
        rule["unconfirmed"] = True
    return rule


def _combine(patterns):
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


class _PlatformIndex:
    """Everything needed to match records of one platform."""

    def __init__(self):
        self.identifiers = {}  # casefolded identifier -> [(ban id, rule)]
        self.rules = {field: [] for field, _key in _FIELDS}  # field -> [(ban id, rule, regex, publisher regex)]
        self.excludes = {}  # ban id -> combined exclude regex
        self.combined = {}

    def add(self, ban_id, spec):
        for entry in spec.get("identifiers", ()):
            self.identifiers.setdefault(entry["value"].casefold(), []).append(
                (ban_id, _rule("identifier", entry, "value"))
            )
        for field, key in _FIELDS:
            for entry in spec.get(key, ()):
                publisher = entry.get("publisher")
                self.rules[field].append(
                    (
                        ban_id,
                        _rule(field, entry, "pattern"),
                        re.compile(entry["pattern"], re.IGNORECASE),
                        re.compile(publisher, re.IGNORECASE) if publisher else None,
                    )
                )
        if spec.get("exclude"):
            self.excludes[ban_id] = _combine([entry["pattern"] for entry in spec["exclude"]])

    def seal(self):
        self.combined = {field: _combine([rule[1]["value"] for rule in rules]) for field, rules in self.rules.items()}

    def match(self, record):
        """Return {ban id: rule} for every ban the record matches (strongest rule per ban)."""
        hits = {}
        identifier = record.get("identifier")
        if identifier:
            for ban_id, rule in self.identifiers.get(str(identifier).casefold(), ()):
                hits.setdefault(ban_id, rule)
        for field, _key in _FIELDS:
            combined = self.combined[field]
            value = record.get(field)
            if combined is None or not value:
                continue
            value = str(value).strip()
            if not combined.fullmatch(value):
                continue
            for ban_id, rule, regex, publisher in self.rules[field]:
                if not regex.fullmatch(value):
                    continue
                # A name rule may demand a publisher; a record without one (an MDM
                # report that carries only a display name) still matches by name.
                if publisher is not None and record.get("publisher") and not publisher.fullmatch(record["publisher"]):
                    continue
                exclude = self.excludes.get(ban_id)
                if exclude is not None and exclude.fullmatch(str(record.get("name") or "").strip()):
                    continue
                current = hits.get(ban_id)
                if current is None or RULE_STRENGTH[rule["kind"]] < RULE_STRENGTH[current["kind"]]:
                    hits[ban_id] = rule
        return hits


class CompiledCatalog:
    """A catalog compiled for matching. Build it once, match any number of records."""

    def __init__(self, bans):
        self.bans = {ban["id"]: ban for ban in bans}
        self._platforms = {}
        for ban in bans:
            for platform, spec in ban["platforms"].items():
                self._platforms.setdefault(platform, _PlatformIndex()).add(ban["id"], spec)
        for index in self._platforms.values():
            index.seal()

    def match_record(self, record):
        """Findings for one record: a list of {ban, software, rule}."""
        index = self._platforms.get(record.get("platform"))
        if index is None:
            return []
        return [{"ban": ban_id, "software": record, "rule": rule} for ban_id, rule in index.match(record).items()]

    def match(self, records):
        """Yield findings for an iterable of records, lazily (memory stays flat)."""
        for record in records:
            yield from self.match_record(record)


def match(records, bans):
    """Findings for records against ban definitions (a list)."""
    return list(CompiledCatalog(bans).match(records))
