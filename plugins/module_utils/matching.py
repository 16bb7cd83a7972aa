# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Match normalized software records against the ban catalog.

The catalog is compiled once per platform: exact identifiers go into one
dictionary, and the name, publisher and signer patterns of every ban are joined
into one combined pattern per field. A record therefore costs one dictionary
lookup and at most three regex calls however many bans there are; only a record
that hits a combined pattern is re-checked rule by rule to learn which rules
matched (that is rare, so it is cheap).

Every pattern is compiled by ``compile_pattern`` and nowhere else, so the
catalog check (``catalog.validate_ban``) compiles exactly what runs here. Host
values are cut to ``FIELD_CAPS`` characters before any pattern sees them: with
the catalog's limits on patterns (no nested or overlapping repeats, at most
three unbounded quantifiers) that bounds the cost of one record.

A fleet repeats itself: thousands of hosts report the same few thousand titles.
The ban rules a record hits depend only on the fields matching reads, so they
are kept per distinct key of those fields (``MEMO_LIMIT`` keys at most, then the
memo starts over, so memory stays bounded however many distinct records come).
A record seen before costs one dictionary lookup; an unseen one takes the
compiled path above.
"""

from __future__ import annotations

import re

# When several rules of one ban match a record, the finding cites the strongest.
RULE_STRENGTH = {"identifier": 0, "signer": 1, "name": 2, "publisher": 3}
_FIELDS = (("name", "names"), ("publisher", "publishers"), ("signer", "signers"))
# The longest host value any pattern sees (longer values are cut before matching, and in the finding).
FIELD_CAPS = {"name": 256, "publisher": 256, "signer": 512}
# Distinct records whose hits are remembered at once (about 200 bytes each, plus the values).
MEMO_LIMIT = 65_536


def compile_pattern(pattern):
    """A catalog pattern as every matcher runs it: a full, case-insensitive match of ``(?:pattern)``."""
    return re.compile(f"(?:{pattern})", re.IGNORECASE)


def capped(record):
    """The record with its matched fields cut to FIELD_CAPS (the same dict when nothing is too long)."""
    long_fields = [
        field for field, cap in FIELD_CAPS.items() if isinstance(record.get(field), str) and len(record[field]) > cap
    ]
    if not long_fields:
        return record
    record = dict(record)
    for field in long_fields:
        record[field] = record[field][: FIELD_CAPS[field]]
    return record


def _rule(kind, entry, value_key):
    rule = {"kind": kind, "value": entry[value_key], "source": entry["source"]}
    if entry.get("unconfirmed"):
        rule["unconfirmed"] = True
    return rule


def _combine(patterns):
    if not patterns:
        return None
    return compile_pattern("|".join(f"(?:{pattern})" for pattern in patterns))


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
                        compile_pattern(entry["pattern"]),
                        compile_pattern(publisher) if publisher else None,
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
            value = str(value)[: FIELD_CAPS[field]].strip()
            if not combined.fullmatch(value):
                continue
            for ban_id, rule, regex, publisher in self.rules[field]:
                if not regex.fullmatch(value):
                    continue
                # A name rule may demand a publisher; a record without one (an MDM
                # report that carries only a display name) still matches by name.
                if (
                    publisher is not None
                    and record.get("publisher")
                    and not publisher.fullmatch(str(record["publisher"])[: FIELD_CAPS["publisher"]])
                ):
                    continue
                exclude = self.excludes.get(ban_id)
                if exclude is not None and exclude.fullmatch(
                    str(record.get("name") or "")[: FIELD_CAPS["name"]].strip()
                ):
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
        self._memo = {}

    def _hits(self, record):
        """The (ban id, rule) pairs a record hits, by the compiled path (no memo)."""
        index = self._platforms.get(record.get("platform"))
        if index is None:
            return ()
        return tuple(index.match(capped(record)).items())

    def hits(self, record):
        """The (ban id, rule) pairs a record hits, remembered per distinct key of the fields matching reads."""
        key = (
            record.get("platform"),
            record.get("identifier"),
            record.get("name"),
            record.get("publisher"),
            record.get("signer"),
        )
        try:
            found = self._memo.get(key)
        except TypeError:  # a field that is not hashable (malformed input) is matched without the memo
            return self._hits(record)
        if found is None:
            found = self._hits(record)
            # Only text keys are kept: 1 and 1.0 are equal keys but different identifiers ("1", "1.0").
            if all(value is None or type(value) is str for value in key):
                if len(self._memo) >= MEMO_LIMIT:
                    self._memo.clear()
                self._memo[key] = found
        return found

    def match_record(self, record):
        """Findings for one record: a list of {ban, software, rule}."""
        found = self.hits(record)
        if not found:
            return []
        record = capped(record)
        return [{"ban": ban_id, "software": record, "rule": rule} for ban_id, rule in found]

    def match(self, records):
        """Yield findings for an iterable of records, lazily (memory stays flat)."""
        hits = self.hits
        for record in records:
            found = hits(record)
            if found:
                software = capped(record)
                for ban_id, rule in found:
                    yield {"ban": ban_id, "software": software, "rule": rule}


def match(records, bans):
    """Findings for records against ban definitions (a list)."""
    return list(CompiledCatalog(bans).match(records))
