"""The AWX/AAP content pack says what the collection reads and what awx.awx accepts.

Credential type injectors must set exactly the environment variables the collection's code reads
(the Intune modules' option fallbacks, the bans' declared secrets); the configuration playbook may use
only arguments the bundled awx.awx modules define (read from their source, not from memory).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import AUTH_ARGUMENT_SPEC

ROOT = Path(__file__).resolve().parents[2]
TYPES = ROOT / "extensions" / "awx" / "credential_types"
AWX_MODULES = ROOT / ".venv/lib/python3.11/site-packages/ansible_collections/awx/awx/plugins/modules"


def credential_type(name):
    return yaml.safe_load((TYPES / name).read_text(encoding="utf-8"))


def injected(ctype):
    """{env var: input id} of a credential type, checking each template names one declared input."""
    ids = {field["id"] for field in ctype["inputs"]["fields"]}
    out = {}
    for var, template in ctype["injectors"]["env"].items():
        found = re.fullmatch(r"\{\{ (\w+) \}\}", template)
        assert found and found.group(1) in ids, f"{var}: {template!r} names no input of {sorted(ids)}"
        out[var] = found.group(1)
    assert set(ctype["inputs"].get("required", ())) <= ids
    return out


def test_intune_injectors_are_the_variables_the_intune_options_fall_back_to():
    reads = {option: spec["fallback"][1][0] for option, spec in AUTH_ARGUMENT_SPEC.items() if spec.get("fallback")}
    env = injected(credential_type("intune.yml"))
    assert env == {var: option for option, var in reads.items()}
    secret_fields = {f["id"] for f in credential_type("intune.yml")["inputs"]["fields"] if f.get("secret")}
    assert secret_fields == {option for option, spec in AUTH_ARGUMENT_SPEC.items() if spec.get("no_log")}


def test_ban_secret_injectors_are_the_variables_the_bans_declare():
    declared = {secret["name"]: secret["env"] for ban in load_bans() for secret in ban.get("secrets", ())}
    assert declared, "no ban declares a secret: the credential type has nothing to inject"
    env = injected(credential_type("ban_secrets.yml"))
    assert env == {var: name for name, var in declared.items()}
    assert all(f.get("secret") for f in credential_type("ban_secrets.yml")["inputs"]["fields"])


def module_arguments(module):
    """The argument names of an awx.awx module, from `argument_spec = dict(...)` in its source."""
    tree = ast.parse((AWX_MODULES / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "argument_spec" for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            names = {kw.arg for kw in node.value.keywords}
            for kw in node.value.keywords:  # aliases are accepted too
                if isinstance(kw.value, ast.Call):
                    for inner in kw.value.keywords:
                        if inner.arg == "aliases":
                            names |= set(ast.literal_eval(inner.value))
            return names
    raise AssertionError(f"no argument_spec in awx.awx.{module}")


def awx_tasks():
    play = yaml.safe_load((ROOT / "playbooks" / "awx_configure.yml").read_text(encoding="utf-8"))
    for task in play[0]["tasks"]:
        for key, args in task.items():
            if key.startswith("awx.awx."):
                yield task["name"], key.removeprefix("awx.awx."), args


@pytest.mark.skipif(not AWX_MODULES.is_dir(), reason="awx.awx (from the ansible package) is not installed")
def test_the_configuration_playbook_uses_only_arguments_awx_awx_defines():
    used = set()
    for name, module, args in awx_tasks():
        unknown = set(args) - module_arguments(module)
        assert not unknown, f"{name}: awx.awx.{module} has no argument {sorted(unknown)}"
        used.add(module)
    expected = {"execution_environment", "project", "credential_type", "credential", "inventory"}
    expected |= {"inventory_source", "job_template", "workflow_job_template", "schedule", "notification_template"}
    assert used == expected


def test_sliced_templates_and_a_report_over_the_whole_inventory():
    templates = {args["name"]: args for _name, module, args in awx_tasks() if module == "job_template"}
    by_playbook = {}
    for args in templates.values():
        by_playbook.setdefault(args["playbook"], []).append(args)
        assert (ROOT / args["playbook"]).is_file(), args["playbook"]
    assert all(not isinstance(a["job_slice_count"], int) or a["job_slice_count"] >= 1 for a in templates.values())
    (report,) = by_playbook["playbooks/report.yml"]
    assert report["job_slice_count"] == 1 and "limit" not in report
    enforce = by_playbook["playbooks/enforce.yml"][0]
    assert enforce["survey_enabled"] and {q["variable"] for q in enforce["survey_spec"]["spec"]} >= {"interdict_bans"}


def test_the_execution_environment_file_names_the_windows_connection_libraries():
    ee = yaml.safe_load((ROOT / "extensions" / "awx" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert ee["version"] == 3
    python = " ".join(ee["dependencies"]["python"])
    assert "pywinrm" in python and "pypsrp" in python
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert all((ROOT / meta["dependencies"][kind]).is_file() for kind in ("python", "system"))
