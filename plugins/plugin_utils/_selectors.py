# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selectors: JMESPath tests over one view of a host or device, and JMESPath queries over the fleet report.

``view`` builds the one view a selector sees, for Ansible hosts and MDM
devices alike (docs/selectors.md lists its keys). ``compile_selector`` checks
an expression once, when the options are read, and caches it per distinct
expression: it must parse, name only the view's keys at its top level, call
only known functions with the right number of arguments, and be a boolean
test (a comparison, ``contains``, ``starts_with``, ``ends_with``, ``glob``, or
``&&``, ``||``, ``!`` of tests). A projection, a bare field or a literal is
refused: its truthiness is not a decision anyone wrote down. ``matches``
evaluates one; only the planner calls it.

The language is JMESPath (the ``jmespath`` library) with three functions
added: ``glob(subject, pattern)`` (case-insensitive shell glob, as the
``hosts`` of an exception), ``days_until(date)`` and ``days_since(date)``
(whole days from the planning day to a ``YYYY-MM-DD...`` date, null when the
value is not a date).
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import re

try:
    import jmespath
    from jmespath import exceptions as jmespath_exceptions
    from jmespath import functions as jmespath_functions
except ImportError:  # pragma: no cover - reported by compile_selector()
    jmespath = None

VIEW_KEYS = (
    "name",
    "platform",
    "os_version",
    "ownership",
    "supervised",
    "enrollment",
    "user",
    "category",
    "groups",
    "mdm",
    "last_seen",
    "attributes",
)
# Device keys an Ansible host may set in its interdict_attributes (an MDM device has them from the MDM).
HOST_SETTABLE = ("ownership", "supervised", "enrollment", "user", "category")
BOOLEAN_FUNCTIONS = ("contains", "starts_with", "ends_with", "glob")
COMPARATORS = ("eq", "ne", "lt", "gt", "lte", "gte")
MAX_EXPRESSION = 1000
MAX_ATTRIBUTES = 100
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class SelectorError(ValueError):
    """A bad selector, query or view input. The message names the option, the expression and the position."""


def _day(value):
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


if jmespath is not None:

    class _Functions(jmespath_functions.Functions):
        """The functions JMESPath lacks for these tests; ``today`` is the planning day."""

        def __init__(self, today):
            super().__init__()
            self.today = today

        @jmespath_functions.signature({"types": ["string"]}, {"types": ["string"]})
        def _func_glob(self, subject, pattern):
            return fnmatch.fnmatchcase(subject.lower(), pattern.lower())

        @jmespath_functions.signature({"types": ["string", "null"]})
        def _func_days_until(self, value):
            day = _day(value) if value else None
            return None if day is None else (day - self.today).days

        @jmespath_functions.signature({"types": ["string", "null"]})
        def _func_days_since(self, value):
            day = _day(value) if value else None
            return None if day is None else (self.today - day).days

    FUNCTIONS = _Functions.FUNCTION_TABLE
else:  # pragma: no cover
    FUNCTIONS = {}


@functools.lru_cache(maxsize=32)
def _options(today):
    return jmespath.Options(custom_functions=_Functions(today))


def _today(now=None):
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017
    if isinstance(now, datetime.datetime):
        return now.date()
    if isinstance(now, datetime.date):
        return now
    day = _day(now)
    if day is None:
        raise SelectorError(f"now: expected a date YYYY-MM-DD, got {str(now)[:40]!r}")
    return day


def _shown(expression):
    """The expression as quoted in an error: repr() shows control characters as escapes, never raw."""
    return repr(expression[:200])


def _require_library():
    if jmespath is None:
        raise SelectorError(
            "the Python library 'jmespath' is required for selectors and queries (pip install jmespath)"
        )


def _text(expression, option):
    if not isinstance(expression, str):
        raise SelectorError(f"{option}: expected a JMESPath expression (a string), got {type(expression).__name__}")
    if not expression.strip():
        raise SelectorError(f"{option}: must not be empty")
    if len(expression) > MAX_EXPRESSION:
        raise SelectorError(f"{option}: longer than {MAX_EXPRESSION} characters")
    found = _CONTROL.search(expression)
    if found:
        raise SelectorError(f"{option}: holds a control character at position {found.start()}: {_shown(expression)}")


def _parse(expression, option):
    _require_library()
    try:
        return jmespath.compile(expression)
    except jmespath_exceptions.ParseError as exc:
        why = getattr(exc, "message", None) or str(exc.msg)
        if isinstance(exc, jmespath_exceptions.IncompleteExpressionError):
            why = "incomplete expression"
        elif getattr(exc, "token_value", None) not in (None, "") and not isinstance(
            exc, jmespath_exceptions.LexerError
        ):
            why = f"unexpected {str(exc.token_value)[:40]!r}"
        raise SelectorError(
            f"{option}: not a JMESPath expression, {why} at position {exc.lex_position} (from 0): {_shown(expression)}"
        ) from None
    except jmespath_exceptions.JMESPathError as exc:
        raise SelectorError(f"{option}: not a JMESPath expression ({str(exc)[:100]}): {_shown(expression)}") from None
    except RecursionError:
        raise SelectorError(f"{option}: nested too deeply: {_shown(expression)}") from None


def _check_functions(node, option, expression, depth=0):
    """Every function known and called with as many arguments as it takes (JMESPath checks this only when run)."""
    if depth > 100:
        raise SelectorError(f"{option}: nested too deeply: {_shown(expression)}")
    if node.get("type") == "function_expression":
        name = node["value"]
        if name not in FUNCTIONS:
            raise SelectorError(f"{option}: unknown function {name[:40]}(): {_shown(expression)}")
        signature = FUNCTIONS[name]["signature"]
        given = len(node["children"])
        variadic = any(arg.get("variadic") for arg in signature)
        if given != len(signature) and not (variadic and given >= len(signature)):
            raise SelectorError(
                f"{option}: {name}() takes {len(signature)} argument(s), {given} given: {_shown(expression)}"
            )
    for child in node.get("children") or ():
        if isinstance(child, dict):
            _check_functions(child, option, expression, depth + 1)


def _root_fields(node, found, at_root=True):
    """Names looked up on the view itself (not inside a nested value)."""
    kind = node.get("type")
    children = [c for c in node.get("children") or () if isinstance(c, dict)]
    if kind == "field":
        if at_root:
            found.add(node["value"])
        return
    if kind in ("subexpression", "index_expression", "projection", "value_projection", "filter_projection", "pipe"):
        # Only the left side is evaluated against the view; the rest against what it yields.
        if children:
            _root_fields(children[0], found, at_root)
        for child in children[1:]:
            _root_fields(child, found, False)
        return
    if kind == "expref":
        for child in children:
            _root_fields(child, found, False)
        return
    for child in children:
        _root_fields(child, found, at_root)


def _not_a_test(node):
    """The first part of the expression that is not a true/false test, or None when it all is."""
    kind = node.get("type")
    if kind == "comparator" and node.get("value") in COMPARATORS:
        return None
    if kind == "function_expression" and node.get("value") in BOOLEAN_FUNCTIONS:
        return None
    if kind in ("and_expression", "or_expression", "not_expression"):
        # JMESPath's && and || yield an operand, not true or false: every operand must be a test itself.
        return next((bad for bad in map(_not_a_test, node["children"]) if bad is not None), None)
    return node


_WHAT = {
    "literal": "a literal",
    "field": "a bare field",
    "subexpression": "a bare field",
    "projection": "a projection",
    "value_projection": "a projection",
    "filter_projection": "a projection (filter)",
    "flatten": "a projection (flatten)",
    "multi_select_list": "a list",
    "multi_select_dict": "a mapping",
    "pipe": "a pipe",
    "index_expression": "an index",
    "current": "the whole view",
    "identity": "the whole view",
}


@functools.lru_cache(maxsize=1024)
def _compile_selector(expression, option):
    _text(expression, option)
    compiled = _parse(expression, option)
    _check_functions(compiled.parsed, option, expression)
    fields = set()
    _root_fields(compiled.parsed, fields)
    unknown = sorted(fields - set(VIEW_KEYS))
    if unknown:
        raise SelectorError(
            f"{option}: {unknown[0][:40]!r} is not a key of the host view (keys: {', '.join(VIEW_KEYS)}): "
            f"{_shown(expression)}"
        )
    offending = _not_a_test(compiled.parsed)
    if offending is not None:
        kind = offending.get("type")
        what = _WHAT.get(kind) or ("a function that is not a test" if kind == "function_expression" else kind)
        raise SelectorError(
            f"{option}: must be a true/false test of one host (a comparison, contains(), starts_with(), ends_with(), "
            f"glob(), or &&, ||, ! of tests), not {what}: {_shown(expression)}"
        )
    if not fields:
        raise SelectorError(
            f"{option}: looks at no key of the host view, so it says the same for every host: {_shown(expression)}"
        )
    return compiled


def compile_selector(expression, option):
    """The compiled selector (cached per distinct expression), or a SelectorError naming ``option``."""
    if isinstance(expression, str):
        return _compile_selector(expression, option)
    _text(expression, option)  # raises
    return None


def matches(expression, host_view, option, now=None):
    """Whether the selector holds for this view. Only the planner calls this."""
    compiled = compile_selector(expression, option)
    try:
        return compiled.search(host_view, _options(_today(now))) is True
    except jmespath_exceptions.JMESPathError as exc:
        raise SelectorError(
            f"{option}: cannot be evaluated for {str(host_view.get('name'))[:64]!r}: {str(exc)[:160]}: "
            f"{_shown(expression)}"
        ) from None


def compile_query(expression):
    """A report query checked and compiled (cached), or a SelectorError with the position."""
    if not isinstance(expression, str):
        _text(expression, "query")
    return _compile_query(expression)


@functools.lru_cache(maxsize=256)
def _compile_query(expression):
    _text(expression, "query")
    compiled = _parse(expression, "query")
    _check_functions(compiled.parsed, "query", expression)
    return compiled


def query(expression, document, now=None):
    """A JMESPath query over a document (the fleet report): any result shape, the same functions as selectors."""
    compiled = compile_query(expression)
    try:
        return compiled.search(document, _options(_today(now)))
    except jmespath_exceptions.JMESPathError as exc:
        raise SelectorError(f"query: cannot be evaluated: {str(exc)[:160]}: {_shown(expression)}") from None


# ---------------------------------------------------------------- the view


def _string(value, limit=255):
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text[:limit])


def _scalar(value):
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _string(value)


def bounded_attributes(attributes, where="interdict_attributes"):
    """A host's own attributes: a mapping of at most 100 names to scalars or lists of scalars, bounded."""
    if attributes in (None, ""):
        return {}
    if not isinstance(attributes, dict):
        raise SelectorError(f"{where}: expected a mapping, got {type(attributes).__name__}")
    if len(attributes) > MAX_ATTRIBUTES:
        raise SelectorError(f"{where}: more than {MAX_ATTRIBUTES} attributes")
    bounded = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", key):
            raise SelectorError(
                f"{where}: attribute names are identifiers of at most 64 characters, got {_shown(str(key))}"
            )
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_ATTRIBUTES or any(isinstance(item, (dict, list, tuple)) for item in value):
                raise SelectorError(f"{where}.{key}: a list of at most {MAX_ATTRIBUTES} scalars expected")
            bounded[key] = [_scalar(item) for item in value]
        elif isinstance(value, dict):
            raise SelectorError(f"{where}.{key}: expected a scalar or a list of scalars, got a mapping")
        else:
            bounded[key] = _scalar(value)
    return bounded


def view(
    name,
    platform="",
    os_version="",
    ownership="",
    supervised=None,
    enrollment="",
    user="",
    category="",
    groups=(),
    mdm="",
    last_seen="",
    attributes=None,
):
    """The one view of a host or device a selector sees (docs/selectors.md). Every key is always there."""
    return {
        "name": _string(name),
        "platform": _string(platform),
        "os_version": _string(os_version),
        "ownership": _string(ownership).lower() or "unknown",
        "supervised": supervised if isinstance(supervised, bool) else None,
        "enrollment": _string(enrollment),
        "user": _string(user),
        "category": _string(category),
        "groups": sorted({_string(group) for group in groups or ()})[:1000],
        "mdm": _string(mdm),
        "last_seen": _string(last_seen, 64),
        "attributes": bounded_attributes(attributes),
    }


def host_view(host, platform="", host_info=None):
    """The view of an Ansible host: ``host_info`` is ``{groups, os_version, attributes}`` from the engine.

    ``attributes`` is the host's ``interdict_attributes`` variable; its ``ownership``, ``supervised``,
    ``enrollment``, ``user`` and ``category`` fill the view's keys of the same names.
    """
    info = host_info or {}
    if not isinstance(info, dict):
        raise SelectorError(f"host view: expected a mapping, got {type(info).__name__}")
    attributes = bounded_attributes(info.get("attributes"))
    groups = info.get("groups") or ()
    if isinstance(groups, str) or not isinstance(groups, (list, tuple)):
        raise SelectorError(f"host view: groups: expected a list of group names, got {type(groups).__name__}")
    return view(
        host,
        platform=platform,
        os_version=info.get("os_version") or "",
        groups=groups,
        attributes=attributes,
        **{key: attributes[key] for key in HOST_SETTABLE if key in attributes},
    )


def device_view(device, provider):
    """The view of an MDM device, from the inventory's device summary."""
    return view(
        device.get("host") or device.get("name") or device.get("id") or "",
        platform=device.get("platform") or "",
        os_version=device.get("os_version") or "",
        ownership=device.get("ownership") or "",
        supervised=device.get("supervised") if device.get("listed", True) and "supervised" in device else None,
        enrollment=device.get("enrollment") or "",
        user=device.get("user") or "",
        category=device.get("category") or "",
        groups=device.get("groups") or (),
        mdm=provider,
        last_seen=device.get("last_sync") or "",
    )
