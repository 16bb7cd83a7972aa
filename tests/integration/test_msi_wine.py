"""The planner's MSI command lines, run for real by Wine's Windows Installer.

Test MSIs built with wixl carry Kaspersky-like product names and their own
product codes; the Endpoint Security one refuses to uninstall unless
KLLOGIN/KLPASSWD are right, the Network Agent one unless KLUNINSTPASSWD is the
UTF-16LE hex of its password (launch conditions, checked by msiexec itself).
They are installed under Wine's msiexec, read back from Wine's registry as
software records, matched against the bundled catalog, planned, and exactly
the planned argv is run. Wine hands back exit codes modulo 256; the step
outcome goes through windows_steps.classify_exit(truncated=True), the one place
that maps them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import catalog, matching, planning, windows_steps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from msi_products import AGENT_PASSWORD, KES_PASSWORD, PRODUCTS, WIXL, build_msis

WINE = shutil.which("wine64") or ("/usr/lib/wine/wine64" if os.access("/usr/lib/wine/wine64", os.X_OK) else None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        WINE is None or WIXL is None,
        reason="Wine (Debian wine64) and wixl (Debian wixl/msitools) are needed to run MSI command lines; "
        "not installed here, so the real Windows Installer test was SKIPPED",
    ),
]


UNINSTALL_KEYS = {
    "registry": "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "registry_wow64": "HKLM\\Software\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
}


class Wine:
    def __init__(self, prefix):
        self.env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")

    def run(self, argv):
        return subprocess.run([WINE, *argv], env=self.env, capture_output=True, text=True, timeout=300, check=False)

    def settle(self):
        """Wait until every Wine process (the msiserver service included) has exited, so runs never overlap."""
        server = os.path.join(os.path.dirname(WINE), "wineserver")
        subprocess.run([server, "-w"], env=self.env, capture_output=True, timeout=300, check=False)

    def records(self):
        """Software records from Wine's Uninstall keys, normalized as win_software_facts does."""
        records = []
        for source, key in UNINSTALL_KEYS.items():
            output = self.run(["reg", "query", key, "/s"]).stdout
            for block in re.split(r"\r?\n(?=HKEY_)", output):
                lines = block.strip().splitlines()
                if not lines or not lines[0].startswith("HKEY_") or lines[0].rstrip("\\").endswith("Uninstall"):
                    continue
                values = {}
                for line in lines[1:]:
                    found = re.match(r"^\s+(\S+)\s+(REG_\w+)\s+(.*)$", line)
                    if found:
                        values[found.group(1)] = found.group(3).strip()
                if not values.get("DisplayName"):
                    continue
                records.append(
                    {
                        "name": values["DisplayName"],
                        "version": values.get("DisplayVersion", ""),
                        "publisher": values.get("Publisher", ""),
                        "platform": "windows",
                        "source": source,
                        "identifier": lines[0].rsplit("\\", 1)[-1],
                        "uninstall_string": values.get("UninstallString", ""),
                        "windows_installer": values.get("WindowsInstaller") == "0x1",
                    }
                )
        return records

    def installed_codes(self):
        return {record["identifier"].upper() for record in self.records()}


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("wineprefix")
    wine = Wine(str(prefix))
    boot = wine.run(["wineboot", "-i"])
    assert boot.returncode == 0, boot.stderr
    wine.msis = build_msis(str(tmp_path_factory.mktemp("msi")))
    return wine


def install_all(wine):
    for key, path in wine.msis.items():
        result = wine.run(["msiexec", "/i", path, "/qn"])
        assert result.returncode == 0, f"installing {key}: rc {result.returncode} {result.stderr}"
    wine.settle()
    codes = wine.installed_codes()
    assert {p["code"] for p in PRODUCTS.values()} <= codes


def plan_for(wine, **options):
    bans = catalog.load_bans(["kaspersky"])
    records = wine.records()
    findings = matching.match(records, bans)
    builder_options = {"log_dir": "C:\\interdict-logs", **options}
    return planning.removal_plan(
        findings, bans, host="wine", mode="enforce", records=records, blocks=False, builder_options=builder_options
    )


def execute(wine, plan, secrets):
    """Run every step's argv exactly as planned; honour depends_on as win_software_apply does."""
    outcomes = {}
    wine.settle()
    for step in plan["steps"]:
        if step.get("blocked"):
            outcomes[step["id"]] = ("failed", None, step["blocked"])
            continue
        if any(
            outcomes.get(dep, ("failed",))[0] not in ("ok", "absent", "reboot_pending")
            for dep in step.get("depends_on", ())
        ):
            outcomes[step["id"]] = ("skipped", None, "an earlier step failed")
            continue
        argv = windows_steps.substitute_argv(step["command"], secrets)
        result = wine.run(argv)
        outcomes[step["id"]] = (
            windows_steps.classify_exit(step, result.returncode, truncated=True),
            result.returncode,
            "",
        )
    return outcomes


def test_planned_commands_remove_protected_products_in_order(wine):
    install_all(wine)
    secrets = {"kaspersky_kes_password": KES_PASSWORD, "kaspersky_klnagent_password": AGENT_PASSWORD}
    plan = plan_for(wine, secrets_set=sorted(secrets))
    msi_steps = [step for step in plan["steps"] if step["method"] == "msi"]
    targets = [step["target"] for step in msi_steps]
    assert set(targets) == {p["code"] for p in PRODUCTS.values()}
    # Endpoint Security first, Network Agent last, whatever the registry order.
    assert targets[0] == PRODUCTS["kes"]["code"] and targets[-1] == PRODUCTS["agent"]["code"]
    kes_step = msi_steps[0]
    assert (
        "KLLOGIN=KLAdmin" in kes_step["command"] and "KLPASSWD=<secret:kaspersky_kes_password>" in kes_step["command"]
    )
    assert kes_step["command"][:3] == ["msiexec.exe", "/x", PRODUCTS["kes"]["code"]]
    assert kes_step["command"][-4:] == [
        "/qn",
        "/norestart",
        "/l*v",
        "C:\\interdict-logs\\kaspersky-6B2C1C8E-4F5A-4D2B-9E61-3A7C0F1D2E01.log",
    ]
    assert "KLUNINSTPASSWD=<secret:kaspersky_klnagent_password:utf16le_hex>" in msi_steps[-1]["command"]
    for secret in secrets.values():
        assert secret not in repr(plan)

    outcomes = execute(wine, plan, secrets)
    assert {outcome for outcome, _rc, _msg in outcomes.values()} == {"ok"}, outcomes
    assert not ({p["code"] for p in PRODUCTS.values()} & wine.installed_codes())

    # Idempotent: the same commands again report "already gone" (1605 arrives from Wine as 69).
    again = execute(wine, plan, secrets)
    assert {rc for _o, rc, _m in again.values()} == {1605 % 256}
    assert {outcome for outcome, _rc, _msg in again.values()} == {"absent"}


def test_missing_password_fails_the_step_names_the_option_and_keeps_the_agent(wine):
    install_all(wine)
    plan = plan_for(wine)  # no secrets given, protection "auto"
    steps = {step["target"]: step for step in plan["steps"]}
    kes = steps[PRODUCTS["kes"]["code"]]
    assert "kaspersky_kes_password" in kes["failure_hint"]
    outcomes = execute(wine, plan, {})
    assert outcomes[kes["id"]][0] == "failed" and outcomes[kes["id"]][1] == 1603 % 256
    assert windows_steps.normalize_exit_code(outcomes[kes["id"]][1], truncated=True) == 1603
    # The agent waits for Endpoint Security, so it is still there.
    agent = steps[PRODUCTS["agent"]["code"]]
    assert outcomes[agent["id"]][0] == "skipped"
    codes = wine.installed_codes()
    assert PRODUCTS["kes"]["code"] in codes and PRODUCTS["agent"]["code"] in codes
    # The unprotected product was removed all the same.
    assert PRODUCTS["antivirus"]["code"] not in codes

    # Protection declared "on": the plan blocks the step up front instead of running it.
    blocked = plan_for(wine, password_protection="on")
    kes = next(step for step in blocked["steps"] if step["target"] == PRODUCTS["kes"]["code"])
    assert kes["blocked"] == "password protection is on and no password was given: set kaspersky_kes_password"

    # With the passwords, the leftovers go.
    secrets = {"kaspersky_kes_password": KES_PASSWORD, "kaspersky_klnagent_password": AGENT_PASSWORD}
    outcomes = execute(wine, plan_for(wine, secrets_set=sorted(secrets)), secrets)
    assert {outcome for outcome, _rc, _msg in outcomes.values()} == {"ok"}, outcomes
    assert not ({p["code"] for p in PRODUCTS.values()} & wine.installed_codes())


def test_wrong_agent_password_fails(wine):
    install_all(wine)
    secrets = {"kaspersky_kes_password": KES_PASSWORD, "kaspersky_klnagent_password": "not-it"}
    outcomes = execute(wine, plan_for(wine, secrets_set=sorted(secrets)), secrets)
    agent_id = next(i for i in outcomes if PRODUCTS["agent"]["code"] in i)
    assert outcomes[agent_id][0] == "failed", outcomes
    assert PRODUCTS["agent"]["code"] in wine.installed_codes()
    # Clean up for other tests with the right one.
    secrets["kaspersky_klnagent_password"] = AGENT_PASSWORD
    outcomes = execute(wine, plan_for(wine, secrets_set=sorted(secrets)), secrets)
    assert PRODUCTS["agent"]["code"] not in wine.installed_codes(), outcomes
