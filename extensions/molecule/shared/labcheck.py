# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the lab scenarios' testinfra tests look at, read the same way everywhere.

On the container: dpkg's view of a package, the apt pins, the fake service
markers and the log every maintainer script of the lab packages appends to
(tests/lab/build_debs.py). On the controller: the host results and the fleet
report the roles wrote under ``$MOLECULE_EPHEMERAL_DIRECTORY/report``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from testinfra.utils.ansible_runner import AnsibleRunner

SERVICE_DIR = "/var/lib/interdict-lab/services"
MAINTSCRIPT_LOG = "/var/log/interdict-lab/maintscripts.log"
PIN_DIR = "/etc/apt/preferences.d"
# Conffiles of the lab packages: a purge removes them, a plain remove keeps them.
CONFFILES = {
    "kesl": "/etc/opt/kaspersky/kesl/kesl.conf",
    "kesl-gui": "/etc/opt/kaspersky/kesl/kesl-gui.conf",
    "klnagent64": "/etc/opt/kaspersky/klnagent64/klnagent.conf",
    "wechat": "/etc/opt/wechat/wechat.conf",
    "ticktick": "/etc/opt/ticktick/ticktick.conf",
    "wemeet": "/etc/opt/wemeet/wemeet.conf",
}
SERVICES = {"kesl": "kesl", "klnagent64": "klnagent64"}
# The ban each banned lab package belongs to.
BAN_OF = {"kesl": "kaspersky", "kesl-gui": "kaspersky", "klnagent64": "kaspersky", "wechat": "wechat"}


@cache
def _inventory():
    return AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])


def podman_hosts():
    """The scenario's containers as testinfra hosts: `podman exec` per command, not an Ansible run."""
    return [f"podman://{name}" for name in _inventory().get_hosts("all")]


def hostname(host):
    """The host's inventory name (the container name)."""
    return host.backend.get_hostname()


def lab_vars(host):
    """The lab's inventory variables (lab_banned_packages, lab_look_alike_packages, ...)."""
    return _inventory().get_variables(hostname(host))


def package_state(host, package):
    """dpkg's status of a package: installed, config-files, ... or '' when dpkg has no record of it."""
    cmd = host.run("dpkg-query -W -f='${db:Status-Status}' %s", package)
    return cmd.stdout.strip() if cmd.rc == 0 else ""


def service_running(host, package):
    return host.file(f"{SERVICE_DIR}/{SERVICES[package]}.active").exists


def maintscript_calls(host):
    """Every maintainer script call of the lab packages, in order: [(package, script, argument)]."""
    log = host.file(MAINTSCRIPT_LOG)
    if not log.exists:
        return []
    calls = []
    for line in log.content_string.splitlines():
        package, script, *argument = line.split()
        calls.append((package, script, argument[0] if argument else ""))
    return calls


def removal_order(host):
    """Packages in the order their prerm ran for a removal."""
    return [package for package, script, arg in maintscript_calls(host) if (script, arg) == ("prerm", "remove")]


def pin_files(host):
    cmd = host.run("ls -1 %s", PIN_DIR)
    return sorted(name for name in cmd.stdout.split() if name.startswith("interdict"))


def apt_install(host, package, simulate=True, without_pins=False):
    """Run apt-get install (simulated by default); without_pins ignores every apt preferences file."""
    argv = ["apt-get", "-q", "-y"]
    if simulate:
        argv.append("--simulate")
    if without_pins:
        argv += ["-o", "Dir::Etc::Preferences=/dev/null", "-o", "Dir::Etc::PreferencesParts=/nonexistent"]
    argv += ["install", "--no-install-recommends", package]
    return host.run("DEBIAN_FRONTEND=noninteractive " + " ".join(["%s"] * len(argv)), *argv)


def report_dir():
    return Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "report"


def host_results(inventory_name):
    """The host result records this host wrote, by ban id (one record per ban role)."""
    results = {}
    for path in sorted((report_dir() / "hosts").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("host") != inventory_name:
            continue
        for ban in record.get("bans") or ():
            assert ban not in results, f"{path.name}: a second result for {inventory_name} and ban {ban}"
            results[ban] = record
    return results


def fleet():
    return json.loads((report_dir() / "fleet.json").read_text(encoding="utf-8"))


def fleet_host(inventory_name):
    hosts = [entry for entry in fleet()["hosts"] if entry["host"] == inventory_name]
    assert len(hosts) == 1, f"fleet.json lists {inventory_name} {len(hosts)} times"
    return hosts[0]


def finding_identifiers(findings):
    return sorted({(f["software"].get("identifier") or "") for f in findings})


def assert_untouched(host):
    """Every lab package installed, no maintainer script but postinst ran, services up, no pin."""
    lab = lab_vars(host)
    for package in lab["lab_banned_packages"] + lab["lab_look_alike_packages"]:
        assert package_state(host, package) == "installed", package
        assert host.file(CONFFILES[package]).exists, package
    calls = maintscript_calls(host)
    assert calls, "the lab packages' maintainer scripts never ran: was prepare skipped?"
    assert all(script == "postinst" for _package, script, _argument in calls), calls
    for package in SERVICES:
        assert service_running(host, package), package
    assert pin_files(host) == []


def assert_enforced(host, pinned_bans):
    """Banned packages purged (no dpkg record left), look-alikes kept, one pin file per ban."""
    lab = lab_vars(host)
    for package in lab["lab_banned_packages"]:
        assert package_state(host, package) == "", package
        assert not host.file(CONFFILES[package]).exists, package
    for package in lab["lab_look_alike_packages"]:
        assert package_state(host, package) == "installed", package
    for package in SERVICES:
        assert not service_running(host, package), package
    assert pin_files(host) == sorted(f"interdict-{ban}.pref" for ban in pinned_bans)


# --------------------------------------------------------------------------- scenarios with several runs


def run_report_dir(run):
    """Where run ``run`` of a multi-run converge wrote its reports (report/run<N>)."""
    return report_dir() / f"run{run}"


def run_results(inventory_name, run):
    """This host's host result records from run ``run``, by ban id."""
    results = {}
    for path in sorted((run_report_dir(run) / "hosts").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("host") == inventory_name:
            for ban in record.get("bans") or ():
                assert ban not in results, f"{path.name}: a second result for {inventory_name} and ban {ban}"
                results[ban] = record
    return results


def run_fleet_host(inventory_name, run):
    """This host's entry in the fleet report of run ``run``."""
    fleet_data = json.loads((run_report_dir(run) / "fleet.json").read_text(encoding="utf-8"))
    hosts = [entry for entry in fleet_data["hosts"] if entry["host"] == inventory_name]
    assert len(hosts) == 1, f"run {run}: fleet.json lists {inventory_name} {len(hosts)} times"
    return hosts[0]


def action_of(result, step_id):
    """The action of one step in a host result, or None."""
    return next((action for action in result.get("actions") or () if action.get("step") == step_id), None)


# --------------------------------------------------------------------------- rpm/dnf lab hosts

RPM_SCRIPTLET_LOG = "/var/log/interdict-lab/rpm-scriptlets.log"
DNF_CONF = "/etc/dnf/dnf.conf"


def rpm_installed(host, package):
    """Whether rpm's database has the package."""
    return host.run("rpm --query %s", package).rc == 0


def rpm_scriptlet_calls(host):
    """Every scriptlet call of the lab rpms, in order: [(package, scriptlet, count)] (tests/lab/build_rpms.py)."""
    log = host.file(RPM_SCRIPTLET_LOG)
    if not log.exists:
        return []
    return [tuple(line.split()) for line in log.content_string.splitlines() if line.strip()]


def rpm_removal_order(host):
    """Packages in the order their %preun ran for an erase (count 0: the last instance goes)."""
    return [package for package, scriptlet, count in rpm_scriptlet_calls(host) if (scriptlet, count) == ("preun", "0")]


def dnf_excludes(host):
    """The package patterns in excludepkgs (or exclude) of [main] in dnf.conf."""
    cmd = host.run("python3 -c %s", "import configparser as c; p=c.ConfigParser(); p.read('/etc/dnf/dnf.conf'); "
                   "print(p.get('main','excludepkgs',fallback=''), p.get('main','exclude',fallback=''))")  # fmt: skip
    return set(cmd.stdout.replace(",", " ").split())


def dnf_install(host, package, installroot="", disable_excludes=False):
    """A real `dnf install` of one package, on the host or into an empty ``installroot``.

    dnf reads the host's dnf.conf and repositories for an installroot that has none, so an
    installroot is an identical root; ``disable_excludes`` ignores the excludes of [main] (the block).
    """
    argv = ["dnf", "install", "-y", "-q", "--setopt=install_weak_deps=False"]
    if installroot:
        host.run("rm -rf %s", installroot)
        argv += ["--installroot", installroot, "--releasever", "lab"]
    if disable_excludes:
        argv.append("--disableexcludes=main")
    argv.append(package)
    return host.run(" ".join(["%s"] * len(argv)), *argv)


# --------------------------------------------------------------------------- flatpak lab host

FLATPAK_FILTER = "/etc/flatpak/interdict-bans.filter"


def flatpak(host, user, *argv):
    """Run flatpak as root, or as ``user`` (for their per-user installation)."""
    prefix = ["runuser", "-u", user, "--"] if user else []
    full = [*prefix, "flatpak", *argv]
    return host.run(" ".join(["%s"] * len(full)), *full)


def flatpak_apps(host, user=""):
    """App ids in the system installation, or in ``user``'s."""
    cmd = flatpak(host, user, "list", "--user" if user else "--system", "--app", "--columns=application")
    assert cmd.rc == 0, cmd.stderr
    return sorted(cmd.stdout.split())


def flatpak_control_install(host, app, directory="/var/tmp/flatpak-control"):
    """Install ``app`` from the lab remote into a fresh installation at ``directory``: same remote, no filter."""
    host.run("rm -rf %s", directory)
    env = f"FLATPAK_USER_DIR={directory}"
    added = host.run(f"{env} flatpak remote-add --user --no-gpg-verify interdict-lab file:///srv/interdict-flatpaks")
    assert added.rc == 0, added.stderr
    return host.run(f"{env} flatpak install --user --noninteractive -y interdict-lab %s", app)
