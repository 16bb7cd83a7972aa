"""Static checks of the Windows modules, since validate-modules cannot run here without pwsh.

Each ``.ps1`` argument spec (``$spec = @{ options = @{ ... } }``, read from the
module's source with a small parser for PowerShell hashtable literals) is
compared with its ``.yml`` documentation: names, types, elements, defaults,
choices, required, sub-options. And no secret may be carried by an option that
Ansible.Basic cannot mask: it masks a no_log value by its text, so only a
scalar (str) no_log option or sub-option is safe; a dict or list option marked
no_log is masked by its type name and its contents leak.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = os.path.join(ROOT, "plugins", "modules")
WINDOWS_MODULES = ("win_software_apply", "win_software_facts")
# Options of the action plugin only: read on the controller, never sent to the host.
ACTION_ONLY = {"win_software_apply": {"secrets"}}
# Options that carry a secret value (what the tests below hold to a scalar no_log).
SECRET_WORDS = re.compile(r"(?:^|_)(?:secret|password|passwd|value)s?$")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>\#[^\n]*)
      | (?P<open>@\{|@\()
      | (?P<close>[})])
      | (?P<punct>[=;,\n])
      | '(?P<string>(?:[^']|'')*)'
      | (?P<variable>\$(?:true|false|null))
      | (?P<number>-?\d+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE | re.IGNORECASE,
)


def tokens(text):
    position, found = 0, []
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise ValueError(f"cannot read PowerShell at {text[position : position + 40]!r}")
        position = match.end()
        kind = match.lastgroup
        if kind == "comment":
            continue
        value = match.group(kind)
        if kind == "string":
            value = value.replace("''", "'")
        elif kind == "variable":
            value = {"$true": True, "$false": False, "$null": None}[value.lower()]
        elif kind == "number":
            value = int(value)
        found.append((kind, value))
    return found


def _skip_separators(items, index):
    while index < len(items) and items[index][0] == "punct" and items[index][1] in (";", "\n"):
        index += 1
    return index


def _value(items, index):
    kind, value = items[index]
    if kind == "open" and value == "@{":
        return _hashtable(items, index + 1)
    if kind == "open" and value == "@(":
        result, index = [], _skip_separators(items, index + 1)
        while items[index][0] != "close":
            element, index = _value(items, index)
            result.append(element)
            index = _skip_separators(items, index)
            if items[index] == ("punct", ","):
                index = _skip_separators(items, index + 1)
        return result, index + 1
    values = [value]
    index += 1
    while index < len(items) and items[index] == ("punct", ","):
        values.append(items[index + 1][1])
        index += 2
    return (values if len(values) > 1 else values[0]), index


def _hashtable(items, index):
    result = {}
    index = _skip_separators(items, index)
    while items[index][0] != "close":
        key_kind, key = items[index]
        assert key_kind in ("word", "string"), f"unexpected {items[index]}"
        assert items[index + 1] == ("punct", "="), f"expected = after {key}"
        result[key], index = _value(items, index + 2)
        index = _skip_separators(items, index)
    return result, index + 1


def ps1_spec(name):
    with open(os.path.join(MODULES, f"{name}.ps1"), encoding="utf-8") as handle:
        source = handle.read()
    start = source.index("$spec = @{") + len("$spec = ")
    items = tokens(source[start : source.index("$module = [Ansible.Basic.AnsibleModule]::Create(")])
    spec, _rest = _value(items, 0)
    return spec


def yml_options(name):
    with open(os.path.join(MODULES, f"{name}.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["DOCUMENTATION"]["options"]


def _as_list(value):
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def compare(spec_options, doc_options, where, action_only=()):
    """Differences between a spec's options and their documentation, as readable lines."""
    problems = []
    documented = set(doc_options) - set(action_only)
    if set(spec_options) != documented:
        problems.append(f"{where}: spec has {sorted(spec_options)}, documentation has {sorted(documented)}")
    for option in sorted(set(spec_options) & documented):
        spec, doc = spec_options[option], doc_options[option]
        here = f"{where}.{option}"
        for key in ("type", "elements"):
            if spec.get(key) != doc.get(key) and not (
                key == "type" and spec.get(key) is None and doc.get(key) == "str"
            ):
                problems.append(
                    f"{here}: {key} is {spec.get(key)!r} in the spec, {doc.get(key)!r} in the documentation"
                )
        if bool(spec.get("required")) != bool(doc.get("required")):
            problems.append(f"{here}: required differs")
        spec_default = spec.get("default")
        if spec_default != doc.get("default") and not (spec_default in ([], {}) and doc.get("default") in ([], {})):
            problems.append(f"{here}: default is {spec_default!r} in the spec, {doc.get('default')!r} in the docs")
        if _as_list(spec.get("choices")) != _as_list(doc.get("choices")):
            problems.append(f"{here}: choices differ")
        if spec.get("no_log") and "no_log" not in " ".join(_as_list(doc.get("description")) or []):
            problems.append(f"{here}: no_log in the spec, not said in the documentation")
        if "options" in spec or "suboptions" in doc:
            problems += compare(spec.get("options") or {}, doc.get("suboptions") or {}, here)
    return problems


def secret_problems(options, where):
    """Options that would carry a secret unmasked: a secret-named option not a scalar no_log, or a no_log dict/list."""
    problems = []
    for option, spec in options.items():
        here = f"{where}.{option}"
        kind = spec.get("type", "str")
        if spec.get("no_log") and kind in ("dict", "list", "raw"):
            problems.append(f"{here}: a {kind} option marked no_log is masked by its type name; its values leak")
        if spec.get("options"):
            problems += secret_problems(spec["options"], here)
        elif SECRET_WORDS.search(option) and not (spec.get("no_log") and kind == "str"):
            problems.append(f"{here}: carries a secret and is not a no_log str option")
    return problems


@pytest.mark.parametrize("name", WINDOWS_MODULES)
def test_ps1_argument_spec_matches_its_documentation(name):
    spec = ps1_spec(name)
    assert spec["options"], "no options read from the spec"
    assert compare(spec["options"], yml_options(name), name, ACTION_ONLY.get(name, ())) == []


@pytest.mark.parametrize("name", WINDOWS_MODULES)
def test_no_secret_is_carried_by_an_option_ansible_basic_cannot_mask(name):
    assert secret_problems(ps1_spec(name)["options"], name) == []


def test_apply_module_sends_each_secret_as_a_scalar_no_log_sub_option_and_logs_no_event():
    spec = ps1_spec("win_software_apply")
    values = spec["options"]["secret_values"]
    assert values["type"] == "list" and values["elements"] == "dict" and not values.get("no_log")
    assert values["options"]["value"] == {"type": "str", "required": True, "no_log": True}
    assert not values["options"]["placeholder"].get("no_log")
    assert spec["no_log"] is True  # Ansible.Basic writes no "Invoked with:" event for a no_log module


def test_the_parser_reads_what_the_spec_holds():
    items = tokens(
        "@{ options = @{ a = @{ type = 'list'; elements = 'str'; default = @() }\n"
        "  b = @{ type = 'str'; choices = 'x', 'y'; no_log = $true } }  # comment\n supports_check_mode = $true }"
    )
    spec, _rest = _value(items, 0)
    assert spec == {
        "options": {
            "a": {"type": "list", "elements": "str", "default": []},
            "b": {"type": "str", "choices": ["x", "y"], "no_log": True},
        },
        "supports_check_mode": True,
    }


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"secret_values": {"type": "dict", "no_log": True}}, "masked by its type name"),
        ({"password": {"type": "str"}}, "not a no_log str option"),
        ({"s": {"type": "list", "options": {"value": {"type": "str"}}}}, "s.value: carries a secret"),
    ],
)
def test_the_secret_check_catches_what_leaked_before(spec, problem):
    assert any(problem in line for line in secret_problems(spec, "m"))


def test_the_comparison_catches_a_drift():
    doc = {"steps": {"type": "list", "elements": "dict", "required": True, "description": "x"}}
    assert compare({"steps": {"type": "list", "elements": "str", "required": True}}, doc, "m")
    assert compare({"steps": {"type": "list", "elements": "dict"}}, doc, "m")
    assert not compare({"steps": {"type": "list", "elements": "dict", "required": True}}, doc, "m")
