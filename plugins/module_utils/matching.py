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
compiled path above, where each combined pattern is split by the first character
its patterns can match, so a value is tried only against the patterns that can
start with its first character (and those that could start with anything).
"""

from __future__ import annotations

import re

try:  # the regex parser re itself uses (re._parser since Python 3.11)
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover  Python 3.10
    import sre_parse as _sre_parse

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
    get = record.get
    name, publisher, signer = get("name"), get("publisher"), get("signer")
    if not (
        (isinstance(name, str) and len(name) > FIELD_CAPS["name"])
        or (isinstance(publisher, str) and len(publisher) > FIELD_CAPS["publisher"])
        or (isinstance(signer, str) and len(signer) > FIELD_CAPS["signer"])
    ):
        return record
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


def _first_chars(items):
    """Characters a parsed pattern can start with, or None when that is not plain to see."""
    optional = set()  # first characters of leading parts that may be absent, like (?:AO\s+)?
    for op, av in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            first = _first_chars(av[2])
            if first is None:
                return None
            if av[0] >= 1:
                return optional | first
            optional |= first
            continue
        if name == "LITERAL":
            return optional | {chr(av)}
        if name == "IN":
            chars = set()
            for item_op, item_av in av:
                if str(item_op) == "LITERAL":
                    chars.add(chr(item_av))
                elif str(item_op) == "RANGE" and item_av[1] - item_av[0] < 128:
                    chars.update(chr(code) for code in range(item_av[0], item_av[1] + 1))
                else:
                    return None  # a negated set or a category (\w, \d): could start with anything
            return optional | chars
        if name == "SUBPATTERN":
            first = _first_chars(av[-1])
            return None if first is None else optional | first
        if name == "BRANCH":
            chars = set(optional)
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None:
                    return None
                chars |= first
            return chars
        return None  # an anchor, any character, a back reference...
    return None  # may match the empty string


def first_keys(pattern):
    """The first characters (lower-cased ASCII) a catalog pattern can match, or None for any.

    Only a prefilter: a pattern whose first character could be non-ASCII (where IGNORECASE
    folds, for example the Kelvin sign onto k) or is not a plain literal or set counts as any.
    """
    first = _first_chars(_sre_parse.parse(f"(?:{pattern})"))
    if first is None or not all(char.isascii() for char in first):
        return None
    return {char.lower() for char in first}


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
        # Per field some rule reads: (field, cap, {ASCII character: (combined regex, rules) of the rules that
        # can start with it or with anything}, (combined regex, rules) of all its rules).
        self.fields = []

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
        self.fields = []
        for field, rules in self.rules.items():
            if not rules:
                continue
            by_key, anywhere = {}, []
            for rule in rules:
                keys = first_keys(rule[1]["value"])
                if keys is None:
                    anywhere.append(rule)
                for key in keys or ():
                    by_key.setdefault(key, []).append(rule)
            # Each group keeps catalog order, so the choice of the strongest rule does not change.
            buckets = {}
            for key, group in by_key.items():
                members = {id(rule) for rule in group + anywhere}
                chosen = [rule for rule in rules if id(rule) in members]
                buckets[key] = (_combine([rule[1]["value"] for rule in chosen]), chosen)
            any_start = (_combine([rule[1]["value"] for rule in anywhere]), anywhere)
            # Every ASCII character, either case, to its group; a value starting with anything else
            # (where IGNORECASE may fold onto ASCII) is tried against every rule of the field.
            starts = {chr(code): buckets.get(chr(code).lower(), any_start) for code in range(128)}
            self.fields.append((field, FIELD_CAPS[field], starts, (self.combined[field], rules)))

    def match(self, record):
        """The (ban id, rule) pairs of every ban the record matches (strongest rule per ban)."""
        # Built only on a first hit: most records hit nothing, and an empty dict per record costs
        # its allocation and the garbage collector's attention.
        hits = None
        identifier = record.get("identifier")
        if identifier:
            by_identifier = self.identifiers.get(str(identifier).casefold())
            if by_identifier:
                hits = {}
                for ban_id, rule in by_identifier:
                    hits.setdefault(ban_id, rule)
        for field, cap, starts, combined in self.fields:
            value = record.get(field)
            if not value:
                continue
            value = (value if isinstance(value, str) else str(value))[:cap].strip()
            # The combined regex a value must match before its rules (those that can start with its first
            # character) are tried one by one.
            candidate, rules = starts.get(value[:1], combined)
            if candidate is None or not candidate.fullmatch(value):
                continue
            for ban_id, rule, regex, publisher in rules:
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
                if hits is None:
                    hits = {}
                current = hits.get(ban_id)
                if current is None or RULE_STRENGTH[rule["kind"]] < RULE_STRENGTH[current["kind"]]:
                    hits[ban_id] = rule
        return () if hits is None else tuple(hits.items())


class CompiledCatalog:
    """A catalog compiled for matching. Build it once, match any number of records."""

    def __init__(self, bans):
        self.bans = {ban["id"]: ban for ban in bans}
        self._specs = {}  # platform -> [(ban id, spec)], compiled when a record of that platform first comes
        for ban in bans:
            for platform, spec in ban["platforms"].items():
                self._specs.setdefault(platform, []).append((ban["id"], spec))
        self._platforms = {}
        self._memo = {}

    def _index(self, platform):
        """The compiled index of a platform, or None. Built on first use: a Linux host's audit compiles
        only the Linux rules (the Windows ones are most of the catalog)."""
        index = self._platforms.get(platform)
        if index is None and platform in self._specs:
            index = self._platforms[platform] = _PlatformIndex()
            for ban_id, spec in self._specs[platform]:
                index.add(ban_id, spec)
            index.seal()
        return index

    def _hits(self, record):
        """The (ban id, rule) pairs a record hits, by the compiled path (no memo; the index cuts every
        value it reads to FIELD_CAPS)."""
        platform = record.get("platform")
        try:
            index = self._index(platform)
        except TypeError:  # a platform that is not hashable (malformed input) has no index
            return ()
        return () if index is None else index.match(record)

    def _remember(self, key, record):
        """Match a record by the compiled path and keep its hits under its key (text keys only:
        1 and 1.0 are equal keys but different identifiers, "1" and "1.0")."""
        index = self._index(key[0])
        found = () if index is None else index.match(record)
        platform, identifier, name, publisher, signer = key
        if (
            (platform is None or isinstance(platform, str))
            and (identifier is None or isinstance(identifier, str))
            and (name is None or isinstance(name, str))
            and (publisher is None or isinstance(publisher, str))
            and (signer is None or isinstance(signer, str))
        ):
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def hits(self, record):
        """The (ban id, rule) pairs a record hits, remembered per distinct key of the fields matching reads."""
        get = record.get
        key = (get("platform"), get("identifier"), get("name"), get("publisher"), get("signer"))
        try:
            found = self._memo.get(key)
        except TypeError:  # a field that is not hashable (malformed input) is matched without the memo
            return self._hits(record)
        return self._remember(key, record) if found is None else found

    def match_record(self, record):
        """Findings for one record: a list of {ban, software, rule}."""
        found = self.hits(record)
        if not found:
            return []
        record = capped(record)
        return [{"ban": ban_id, "software": record, "rule": rule} for ban_id, rule in found]

    def match(self, records):
        """Yield findings for an iterable of records, lazily (memory stays flat)."""
        memo = self._memo
        for record in records:
            get = record.get
            key = (get("platform"), get("identifier"), get("name"), get("publisher"), get("signer"))
            try:  # hits(), inlined: this loop is the hot one
                found = memo.get(key)
            except TypeError:  # a field that is not hashable (malformed input) is matched without the memo
                found = self._hits(record)
            if found is None:
                found = self._remember(key, record)
            if found:
                software = capped(record)
                for ban_id, rule in found:
                    yield {"ban": ban_id, "software": software, "rule": rule}


def match(records, bans):
    """Findings for records against ban definitions (a list)."""
    return list(CompiledCatalog(bans).match(records))
