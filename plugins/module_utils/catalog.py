# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ban catalog: load ban files, validate them, and say exactly what is wrong.

A ban is data (docs/catalog.md). Validation happens once, on the controller,
when the catalog lookup loads the files; everything downstream (matching,
planning, modules) receives validated dictionaries.
"""

from __future__ import annotations

import math
import os
import re
import stat

from ansible_collections.interdict.bans.plugins.module_utils.matching import compile_pattern

PLATFORMS = ("windows", "linux", "macos", "ios", "android")
MATCHER_KINDS = ("identifiers", "names", "publishers", "signers")
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bans")

# Limits on a ban file, checked before anything else reads it (docs/catalog.md, "Limits").
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 12
MAX_STRING_CHARS = 4096
MAX_PATTERN_CHARS = 512
MAX_UNBOUNDED = 3
# Free text that may span lines; every other string refuses all control characters.
PROSE_KEYS = ("description", "note", "scope", "broad_reason")
CORPUS_DIR = os.path.join(os.path.dirname(BUNDLED_DIR), "data", "corpus")
CORPUS_FILES = ("debian-bookworm.txt", "common-titles.txt")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PROSE_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class BanError(ValueError):
    """A ban file is malformed. The message names the file, the ban and the field."""


def _matcher(value_key):
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": [value_key, "source"],
            "properties": {
                value_key: {"type": "string", "minLength": 1},
                "source": {"type": "string", "minLength": 1},
                "unconfirmed": {"type": "boolean"},
                "note": {"type": "string"},
                # A value that matches common software is refused unless the entry says why it must.
                "allow_broad": {"type": "boolean"},
                "broad_reason": {"type": "string", "minLength": 1},
                **({"publisher": {"type": "string", "minLength": 1}} if value_key == "pattern" else {}),
            },
        },
    }


_STRING_LIST = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
_SECRET_NAME = "^[a-z][a-z0-9_]*$"
SECRET_ENCODINGS = ("plain", "utf16le_hex")
# Secrets a ban's removal needs: declared once, named by the steps, valued only at run time.
_SECRETS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "env", "encoding", "description"],
        "properties": {
            "name": {"type": "string", "pattern": _SECRET_NAME},
            "env": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
            "encoding": {"enum": list(SECRET_ENCODINGS)},
            "description": {"type": "string", "minLength": 1},
            "source": {"type": "string", "minLength": 1},
            "unconfirmed": {"type": "boolean"},
        },
    },
}
_ORDER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"first": _STRING_LIST, "last": _STRING_LIST},
}

# How to remove / block, per platform. Each platform's section is owned by the
# code that plans steps for it (the posix, windows and MDM step builders).
REMOVE_SCHEMAS = {
    "windows": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "order": _ORDER,
            "products": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "source"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "quiet_args": _STRING_LIST,
                        "msi_properties": {"type": "object", "additionalProperties": {"type": "string"}},
                        "password": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["property", "secret"],
                            "properties": {
                                "property": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                                "secret": {"type": "string", "pattern": _SECRET_NAME},
                                "login_property": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                                # A plain builder option that overrides ``login``; never a secret.
                                "login_option": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                                "login": {"type": "string", "minLength": 1},
                            },
                        },
                        "source": {"type": "string", "minLength": 1},
                        "unconfirmed": {"type": "boolean"},
                        "note": {"type": "string"},
                    },
                },
            },
            "vendor_tool": {
                "type": "object",
                "additionalProperties": False,
                "required": ["option", "source"],
                "properties": {
                    "option": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "arguments": {"type": "array", "items": {"type": "string"}},
                    "source": {"type": "string", "minLength": 1},
                    "unconfirmed": {"type": "boolean"},
                    "note": {"type": "string"},
                },
            },
        },
    },
    "linux": {"type": "object", "additionalProperties": False, "properties": {"order": _ORDER}},
    # macOS: vendor uninstallers the vendor documents, run before the app bundle is removed
    # (plugin_utils/_posix_steps.py turns their success_codes into the step's exit_codes).
    "macos": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "order": _ORDER,
            "uninstallers": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["match", "command", "source"],
                    "properties": {
                        "match": {"type": "string", "minLength": 1},
                        "command": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                        "success_codes": {"type": "array", "items": {"type": "integer"}},
                        "source": {"type": "string", "minLength": 1},
                        "unconfirmed": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "ios": {"type": "object", "additionalProperties": False, "properties": {}},
    "android": {"type": "object", "additionalProperties": False, "properties": {}},
}
BLOCK_SCHEMAS = {
    "windows": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "applocker": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "publishers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["publisher", "source"],
                            "properties": {
                                "publisher": {"type": "string", "pattern": "^O=.+"},
                                "product": {"type": "string", "minLength": 1},
                                "binary": {"type": "string", "minLength": 1},
                                "collections": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {"enum": ["Exe", "Msi", "Script", "Dll"]},
                                },
                                "source": {"type": "string", "minLength": 1},
                                "unconfirmed": {"type": "boolean"},
                                "note": {"type": "string"},
                            },
                        },
                    },
                    "packages": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "source"],
                            "properties": {
                                "name": {"type": "string", "pattern": "^[A-Za-z0-9.-]+$"},
                                "publisher_id": {"type": "string", "pattern": "^[0-9a-hjkmnp-tv-z]{13}$"},
                                "publisher": {"type": "string", "pattern": "^CN=.+"},
                                "source": {"type": "string", "minLength": 1},
                                "unconfirmed": {"type": "boolean"},
                                "note": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
    "linux": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"packages": _STRING_LIST, "flatpaks": _STRING_LIST},
    },
    # Jamf Pro restricted software matches a process name (plugins/module_utils/jamf.py).
    "macos": {"type": "object", "additionalProperties": False, "properties": {"process_names": _STRING_LIST}},
    "ios": {"type": "object", "additionalProperties": False, "properties": {"bundle_ids": _STRING_LIST}},
    "android": {"type": "object", "additionalProperties": False, "properties": {"packages": _STRING_LIST}},
}


def ban_schema():
    """The JSON schema of one ban file (built on demand so platform sections stay editable)."""
    platform_schemas = {}
    for platform in PLATFORMS:
        platform_schemas[platform] = {
            "type": "object",
            "additionalProperties": False,
            "anyOf": [{"required": [kind]} for kind in MATCHER_KINDS],
            "properties": {
                "identifiers": _matcher("value"),
                "names": _matcher("pattern"),
                "publishers": _matcher("pattern"),
                "signers": _matcher("pattern"),
                "exclude": _matcher("pattern"),
                "remove": REMOVE_SCHEMAS[platform],
                "block": BLOCK_SCHEMAS[platform],
            },
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "description", "authorities", "platforms"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
            # A user's file that replaces a bundled ban says so with the bundled id.
            "replaces": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
            "title": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "authorities": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "date", "reference"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                        "reference": {"type": "string", "minLength": 1},
                        "url": {"type": "string", "pattern": "^https?://"},
                        "scope": {"type": "string"},
                        # The address could not be confirmed against the issuer's site; the report says so.
                        "unconfirmed": {"type": "boolean"},
                    },
                },
            },
            "secrets": _SECRETS,
            "platforms": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": platform_schemas,
            },
        },
    }


def _where(path):
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _type_name(value):
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _describe(error):
    """The schema error in words, without echoing the value (only its kind and the schema's own terms)."""
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        words = {
            "object": "a mapping",
            "array": "a list",
            "string": "a string",
            "boolean": "a boolean",
            "integer": "an integer",
            "number": "a number",
        }
        return f"expected {words.get(expected, expected)}, got {_type_name(error.instance)}"
    if kind == "required":
        missing = [key for key in expected if key not in error.instance]
        return f"missing required field {missing[0]!r}"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties") or {})
        unknown = sorted(str(key) for key in error.instance if key not in allowed)
        return f"unknown field {unknown[0][:64]!r} (allowed: {', '.join(allowed)})"
    if kind in ("minItems", "minProperties"):
        return "must not be empty"
    if kind == "minLength":
        return "must not be empty"
    if kind == "pattern":
        return f"does not have the required form (regular expression {expected})"
    if kind == "enum":
        return f"expected one of {', '.join(str(item) for item in expected)}"
    return error.message[:200]


def _jsonschema():
    """jsonschema, imported when a ban file is validated (auditing a host never validates one; the import
    takes about a tenth of a second)."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - reported as a ban error
        raise BanError(
            "the Python library 'jsonschema' is required to validate ban files (pip install jsonschema)"
        ) from None
    return jsonschema


def _schema_error(data):
    jsonschema = _jsonschema()
    validator = jsonschema.Draft202012Validator(ban_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return None
    # anyOf over required matcher kinds: say it in words rather than echo the schema.
    if error.validator == "anyOf" and len(error.path) == 2 and error.path[0] == "platforms":
        return _where(error.path), f"needs at least one matcher ({', '.join(MATCHER_KINDS)})"
    if (
        error.validator == "additionalProperties"
        and error.path
        and error.path[0] == "platforms"
        and len(error.path) == 1
    ):
        unknown = sorted(str(key) for key in set(error.instance) - set(PLATFORMS))
        return f"platforms.{unknown[0][:64]}", f"unknown platform (expected one of {', '.join(PLATFORMS)})"
    return _where(error.path), _describe(error)


# ---------------------------------------------------------------- strings and structure


def _check_structure(data):
    """(path, problem) for the first key, string or nesting the catalog refuses, else None.

    Runs before the schema, so no later message ever holds a huge or forged value.
    """
    stack = [(data, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _where(path), f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, dict):
            for key in reversed(list(value)):
                if not isinstance(key, str):
                    return _where(path), f"keys must be strings, got {_type_name(key)}"
                if _CONTROL.search(key) or len(key) > 64:
                    return _where(path), "a key holds a control character or is longer than 64 characters"
                stack.append((value[key], (*path, key), depth + 1))
        elif isinstance(value, list):
            for index in reversed(range(len(value))):
                stack.append((value[index], (*path, index), depth + 1))
        elif isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                return _where(path), f"longer than {MAX_STRING_CHARS} characters ({len(value)})"
            prose = bool(path) and path[-1] in PROSE_KEYS
            found = (_PROSE_CONTROL if prose else _CONTROL).search(value)
            if found:
                allowed = " (only newline and tab are allowed here)" if prose else ""
                return _where(
                    path
                ), f"holds control character U+{ord(found.group()):04X} at offset {found.start()}{allowed}"
        elif isinstance(value, float) and math.isnan(value):
            return _where(path), "not a number"
    return None


# ---------------------------------------------------------------- patterns

try:  # Python >= 3.11
    import re._constants as _sre_constants
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse

_C = _sre_constants
_REPEATS = tuple(getattr(_C, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_C, name))


def _first_chars(items):
    """Casefolded characters a sequence can start with, or None when that is unknown or any character."""
    for op, av in items:
        if op is _C.AT:  # ^, $, \b: zero width
            continue
        if op is _C.LITERAL:
            return {chr(av).casefold()}
        if op is _C.IN:
            chars = set()
            for item_op, item_av in av:
                if item_op is _C.LITERAL:
                    chars.add(chr(item_av).casefold())
                elif item_op is _C.RANGE and item_av[1] - item_av[0] < 256:
                    chars.update(chr(code).casefold() for code in range(item_av[0], item_av[1] + 1))
                else:
                    return None
            return chars
        if op is _C.SUBPATTERN:
            return _first_chars(av[-1])
        if op is _C.BRANCH:
            union = set()
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None:
                    return None
                union |= first
            return union
        if op in _REPEATS and av[0] > 0:
            return _first_chars(av[2])
        return None
    return None


def _overlapping_branches(items):
    """True when an alternation inside these items has two branches that can start alike."""
    for op, av in items:
        children = ()
        if op is _C.BRANCH:
            firsts = [_first_chars(branch) for branch in av[1]]
            seen = set()
            for first in firsts:
                if first is None or seen & first:
                    return True
                seen |= first
            children = av[1]
        elif op is _C.SUBPATTERN:
            children = [av[-1]]
        elif op in _REPEATS:
            children = [av[2]]
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            children = [av[1]]
        if any(_overlapping_branches(child) for child in children):
            return True
    return False


def pattern_hazard(pattern):
    """Why a (compilable) pattern could take super-linear time in Python's backtracking matcher, or None.

    Refused: backreferences and conditionals; a repeat (``*``, ``+``, ``{m,n}`` with n > 1) inside
    another repeat; a repeated alternation whose branches can start with the same character; more than
    MAX_UNBOUNDED unbounded quantifiers. What is left runs in at most cubic time in the length of a
    host value, and host values are cut to matching.FIELD_CAPS characters.
    """
    unbounded = 0
    stack = [(_sre_parse.parse(pattern, re.IGNORECASE), False)]
    while stack:
        items, in_repeat = stack.pop()
        for op, av in items:
            if op in (_C.GROUPREF, _C.GROUPREF_EXISTS):
                return "backreferences and conditional groups are not allowed (they can take exponential time)"
            if op in _REPEATS:
                low, high, body = av
                repeats = high > 1 and high != low
                if high == _C.MAXREPEAT:
                    unbounded += 1
                if repeats and in_repeat:
                    return "a repeat inside a repeat, like (a+)+ or (a*\\s?)*, can take exponential time"
                if repeats and _overlapping_branches(body):
                    return (
                        "a repeated alternation whose branches can match the same text, like (a|ab)*, "
                        "can take exponential time"
                    )
                stack.append((body, in_repeat or repeats))
            elif op is _C.SUBPATTERN:
                stack.append((av[-1], in_repeat))
            elif op is _C.BRANCH:
                stack.extend((branch, in_repeat) for branch in av[1])
            elif op in (_C.ASSERT, _C.ASSERT_NOT):
                stack.append((av[1], in_repeat))
            elif getattr(_C, "ATOMIC_GROUP", None) is not None and op is _C.ATOMIC_GROUP:
                stack.append((av, in_repeat))
    if unbounded > MAX_UNBOUNDED:
        return (
            f"{unbounded} unbounded quantifiers (*, +, {{n,}}); at most {MAX_UNBOUNDED} are allowed, "
            "more can take polynomial time"
        )
    return None


def check_pattern(pattern):
    """Why a catalog pattern is unusable, or None.

    Compiled exactly as it runs: as written (how the planner's ordering, the Windows product and the
    macOS uninstaller fields compile it) and by matching.compile_pattern (how every matcher does).
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"longer than {MAX_PATTERN_CHARS} characters"
    try:
        # As written first, so the error's position is the position in the pattern as written.
        re.compile(pattern, re.IGNORECASE)
        compiled = compile_pattern(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        return f"invalid regular expression: {exc}"
    hazard = pattern_hazard(pattern)
    if hazard:
        return hazard
    if compiled.fullmatch(""):
        return "matches the empty string"
    return None


def _pattern_fields(data):
    """(where, pattern) for every regular expression in a ban."""
    for platform, spec in data["platforms"].items():
        base = f"platforms.{platform}"
        for kind in ("names", "publishers", "signers", "exclude"):
            for index, entry in enumerate(spec.get(kind, ())):
                yield f"{base}.{kind}[{index}].pattern", entry["pattern"]
                if "publisher" in entry:
                    yield f"{base}.{kind}[{index}].publisher", entry["publisher"]
        remove = spec.get("remove") or {}
        for end in ("first", "last"):
            for index, pattern in enumerate((remove.get("order") or {}).get(end, ())):
                yield f"{base}.remove.order.{end}[{index}]", pattern
        for index, product in enumerate(remove.get("products", ())):
            yield f"{base}.remove.products[{index}].name", product["name"]
        for index, uninstaller in enumerate(remove.get("uninstallers", ())):
            yield f"{base}.remove.uninstallers[{index}].match", uninstaller["match"]


# ---------------------------------------------------------------- overbreadth

_CORPUS = {}


def load_corpus(directory=None):
    """Common software names and ids no ban may match unless it says ``allow_broad`` (data/corpus)."""
    directory = directory or CORPUS_DIR
    if directory not in _CORPUS:
        names = []
        for name in CORPUS_FILES:
            path = os.path.join(directory, name)
            try:
                with open(path, encoding="utf-8") as handle:
                    names.extend(line.strip() for line in handle if line.strip() and not line.startswith("#"))
            except OSError as exc:
                raise BanError(f"{path}: cannot read the overbreadth corpus: {exc.strerror}") from None
        _CORPUS[directory] = (tuple(names), frozenset(name.casefold() for name in names))
    return _CORPUS[directory]


def _broad_entries(data):
    """(where, entry, kind) for every identifier and breadth-checked pattern entry."""
    for platform, spec in data["platforms"].items():
        for kind in ("identifiers", "names", "publishers", "signers"):
            for index, entry in enumerate(spec.get(kind, ())):
                yield f"platforms.{platform}.{kind}[{index}]", entry, kind


def _check_breadth(data, prefix, corpus):
    names, folded = corpus
    allowed, patterns = set(), []
    for where, entry, kind in _broad_entries(data):
        if entry.get("allow_broad") and not str(entry.get("broad_reason") or "").strip():
            raise BanError(f"{prefix}: {where}.broad_reason: allow_broad needs a reason (broad_reason)")
        if entry.get("broad_reason") and not entry.get("allow_broad"):
            raise BanError(f"{prefix}: {where}.broad_reason: given without allow_broad: true")
        if kind == "identifiers":
            if entry.get("allow_broad"):
                allowed.add(entry["value"].casefold())
            elif entry["value"].casefold() in folded:
                raise BanError(
                    f"{prefix}: {where}.value: {entry['value'][:80]!r} is common software (data/corpus); "
                    "say allow_broad: true with a broad_reason if this is really meant"
                )
            continue
        if not entry.get("allow_broad"):
            patterns.append((where, entry["pattern"]))
    # One pass with every pattern joined (as the matcher joins them); rule by rule only on a hit.
    combined = compile_pattern("|".join(f"(?:{pattern})" for _where, pattern in patterns)) if patterns else None
    hits = [name for name in names if combined.fullmatch(name)] if combined else []
    for where, pattern in patterns if hits else ():
        compiled = compile_pattern(pattern)
        hit = next((name for name in hits if compiled.fullmatch(name)), None)
        if hit is not None:
            raise BanError(
                f"{prefix}: {where}.pattern: too broad: it matches {hit[:80]!r}, common software (data/corpus); "
                "narrow it, or say allow_broad: true with a broad_reason"
            )
    for platform, spec in data["platforms"].items():
        block = spec.get("block") or {}
        for key in ("packages", "flatpaks", "bundle_ids", "process_names"):
            values = block.get(key, ())
            for index, value in enumerate(values if isinstance(values, list) else ()):
                if value.casefold() in folded and value.casefold() not in allowed:
                    raise BanError(
                        f"{prefix}: platforms.{platform}.block.{key}[{index}]: {value[:80]!r} is common software "
                        "(data/corpus); it can only be blocked when an identifier with the same value says "
                        "allow_broad: true"
                    )


# ---------------------------------------------------------------- one ban


def validate_ban(data, origin="<data>", corpus=None):
    """Validate one ban definition; return it unchanged or raise BanError.

    ``corpus`` (from load_corpus) adds the overbreadth check; ban files loaded by load_bans always get it.
    """
    ban_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(ban_id, str) or not re.fullmatch("[a-z][a-z0-9_]{0,63}", ban_id):
        ban_id = None
    prefix = f"{origin}: ban {ban_id!r}" if ban_id else f"{origin}: ban (no id)"
    if not isinstance(data, dict):
        raise BanError(f"{prefix}: (top level): expected a mapping, got {_type_name(data)}")
    problem = _check_structure(data)
    if problem:
        raise BanError(f"{prefix}: {problem[0]}: {problem[1]}")
    problem = _schema_error(data)
    if problem:
        raise BanError(f"{prefix}: {problem[0]}: {problem[1]}")
    for where, pattern in _pattern_fields(data):
        why = check_pattern(pattern)
        if why:
            raise BanError(f"{prefix}: {where}: {why}")
    _check_secrets(data, prefix)
    if corpus is not None:
        _check_breadth(data, prefix, corpus)
    return data


def _check_secrets(data, prefix):
    """Secret names are unique within the ban, and every password names a declared one."""
    declared = []
    for index, secret in enumerate(data.get("secrets", ())):
        if secret["name"] in declared:
            raise BanError(f"{prefix}: secrets[{index}].name: {secret['name']!r} is declared twice")
        declared.append(secret["name"])
    products = ((data["platforms"].get("windows") or {}).get("remove") or {}).get("products", ())
    for index, product in enumerate(products):
        name = (product.get("password") or {}).get("secret")
        if name is not None and name not in declared:
            known = ", ".join(declared) or "none"
            raise BanError(
                f"{prefix}: platforms.windows.remove.products[{index}].password.secret: "
                f"{name!r} is not declared in secrets (declared: {known})"
            )


# ---------------------------------------------------------------- files


def _yaml_loader():
    """A safe YAML loader that refuses anchors, aliases, explicit tags, duplicate keys and deep nesting.

    Dates stay strings (the schema asks for ``YYYY-MM-DD`` strings).
    """
    import yaml  # controller-side only

    class Loader(yaml.SafeLoader):
        def __init__(self, stream):
            super().__init__(stream)
            self._depth = 0

        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise yaml.MarkedYAMLError(None, None, "anchors and aliases are not allowed", event.start_mark)
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!" and not isinstance(event, yaml.DocumentStartEvent):
                raise yaml.MarkedYAMLError(None, None, "explicit tags are not allowed", event.start_mark)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                self._depth += 1
                if self._depth > MAX_DEPTH:
                    raise yaml.MarkedYAMLError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
                try:
                    return super().compose_node(parent, index)
                finally:
                    self._depth -= 1
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.MarkedYAMLError(None, None, "keys must be plain scalars", key_node.start_mark)
                if key_node.value in seen:
                    raise yaml.MarkedYAMLError(
                        None, None, f"duplicate key {key_node.value[:64]!r}", key_node.start_mark
                    )
                seen.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode):
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")


def read_ban_file(path):
    """The text of a ban file: a regular file of at most MAX_FILE_BYTES bytes of UTF-8. Never blocks."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        # Looked at before it is opened (a socket cannot be opened), and again after (it may have changed).
        kind = _not_regular(os.stat(path).st_mode)
        if kind:
            raise BanError(f"{path}: not a ban file: {kind}, not a regular file")
        fd = os.open(path, flags)
    except OSError as exc:
        raise BanError(f"{path}: cannot read ban file: {exc.strerror}") from None
    try:
        kind = _not_regular(os.fstat(fd).st_mode)
        if kind:
            raise BanError(f"{path}: not a ban file: {kind}, not a regular file")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise BanError(f"{path}: cannot read ban file: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise BanError(f"{path}: ban file larger than {MAX_FILE_BYTES} bytes")
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BanError(
            f"{path}: not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start} (save the file as UTF-8)"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_ban_text(text, path):
    """The one YAML document of a ban file, read by the restricted loader."""
    import yaml  # controller-side only

    loader = None
    try:
        loader = _yaml_loader()(text)
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        raise BanError(
            f"{path}: ban (unparsed): not valid YAML: special characters are not allowed "
            f"(character U+{exc.character if isinstance(exc.character, int) else ord(exc.character):04X} "
            f"at offset {exc.position})"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise BanError(f"{path}: ban (unparsed): not valid YAML: {what}{where}") from None
    except yaml.YAMLError as exc:
        raise BanError(f"{path}: ban (unparsed): not valid YAML: {str(exc)[:200]}") from None
    except RecursionError:
        raise BanError(f"{path}: ban (unparsed): nested deeper than {MAX_DEPTH} levels") from None
    finally:
        if loader is not None:
            loader.dispose()


def _load_file(path, corpus=None):
    return validate_ban(parse_ban_text(read_ban_file(path), path), path, corpus)


def ban_files(paths):
    """Expand files and directories into a sorted list of ban files."""
    files = []
    for path in paths:
        if not isinstance(path, str) or not path or "\x00" in path:
            raise BanError(f"ban_paths: expected a file or folder path, got {_type_name(path)}")
        if os.path.isdir(path):
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                raise BanError(f"{path}: cannot list ban folder: {exc.strerror}") from None
            files.extend(os.path.join(path, name) for name in names if name.endswith((".yml", ".yaml")))
        elif os.path.lexists(path):
            files.append(path)
        else:
            raise BanError(f"{path}: no such ban file or directory")
    return files


def bundled_ids():
    """Ids of the bundled bans (each bundled file is named after its ban's id; a unit test holds that)."""
    return sorted(os.path.splitext(os.path.basename(path))[0] for path in ban_files([BUNDLED_DIR]))


def _check_secret_names_unique(loaded):
    """A secret name means one value for the whole run, so two bans may not declare the same one."""
    owners = {}
    for ban_id, (path, ban) in loaded.items():
        for index, secret in enumerate(ban.get("secrets", ())):
            if secret["name"] in owners:
                other_id, other_path = owners[secret["name"]]
                raise BanError(
                    f"{path}: ban {ban_id!r}: secrets[{index}].name: {secret['name']!r} is already declared "
                    f"by ban {other_id!r} in {other_path}"
                )
            owners[secret["name"]] = (ban_id, path)


def load_bans(names=None, paths=None, corpus_dir=None):
    """Load bundled bans plus the user's files/folders; select by id when names are given."""
    if names is not None and (
        not isinstance(names, (list, tuple)) or not all(isinstance(name, str) and name for name in names)
    ):
        raise BanError("ban ids: expected a list of ban ids (strings)")
    if paths is not None and not isinstance(paths, (list, tuple)):
        raise BanError(f"ban_paths: expected a list of paths, got {_type_name(paths)}")
    corpus = load_corpus(corpus_dir)
    loaded = {}
    bundled = set(ban_files([BUNDLED_DIR]))
    for path in ban_files([BUNDLED_DIR, *(paths or [])]):
        if path in bundled and path in (entry[0] for entry in loaded.values()):
            continue  # the bundled folder given again
        ban = _load_file(path, corpus)
        previous = loaded.get(ban["id"], (None,))[0]
        replaces = ban.get("replaces")
        if path in bundled:
            pass
        elif previous is not None and previous not in bundled:
            raise BanError(f"{path}: ban {ban['id']!r}: id: already defined in {previous}")
        elif previous is not None and replaces != ban["id"]:
            raise BanError(
                f"{path}: ban {ban['id']!r}: id: the bundled ban {ban['id']!r} ({previous}) has this id; "
                f"say replaces: {ban['id']} to replace it, or choose another id"
            )
        elif previous is None and replaces is not None:
            raise BanError(
                f"{path}: ban {ban['id']!r}: replaces: {replaces!r} must be the id of a bundled ban "
                f"and equal this ban's id (bundled: {', '.join(sorted(loaded))})"
            )
        loaded[ban["id"]] = (path, ban)
    _check_secret_names_unique(loaded)
    if not names:
        return [ban for _origin, ban in loaded.values()]
    missing = [name for name in names if name not in loaded]
    if missing:
        raise BanError(f"unknown ban {missing[0][:64]!r}: known bans are {', '.join(sorted(loaded))}")
    return [loaded[name][1] for name in names]


def secret_value(secret, provided, environ=None):
    """A declared secret's value: ``provided[name]``, or when that is missing or empty, ``environ[env]``.

    An empty value never masks the environment (an empty role default and an
    AWX credential's variable can meet). Returns "" when neither has one.
    """
    value = (provided or {}).get(secret["name"])
    if value is None or value == "":
        value = (environ or {}).get(secret.get("env") or "", "")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BanError(f"secrets.{secret['name']}: expected a string value, got {type(value).__name__}")
    return str(value)
