# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile names: only what a ban matches is removed, nothing else on disk changes, nothing hostile runs.

Runs after the first converge and after the idempotence run. prepare.yml left
in /tmp/interdict-hostile (which the manifest leaves out): the filesystem
manifest before enforce, the files dpkg said each banned package owned, and
the flatpak installations it laid out.
"""

import json

import labcheck

testinfra_hosts = labcheck.podman_hosts()

HOSTILE_DIR = "/tmp/interdict-hostile"
PIN = "/etc/apt/preferences.d/interdict-kaspersky.pref"
# The lab packages' maintainer scripts append to this log: the one file a removal may change.
EXPECTED_CHANGED = {labcheck.MAINTSCRIPT_LOG}
# The canary: a file any expanded or executed hostile text would create.
CANARIES = ("/hostile-ran", "/hostile-ran)", "/root/hostile-ran")


def _json(host, path):
    return json.loads(host.check_output("cat %s", path))


def _manifest(host):
    return json.loads(host.check_output("python3 %s/manifest.py", HOSTILE_DIR))


def _owned(host, package):
    return set(host.file(f"{HOSTILE_DIR}/owned.{package}").content_string.splitlines()) - {"/."}


def _flatpak_deploy(item):
    installation = "/var/lib/flatpak" if item["scope"] == "system" else item["home"] + "/.local/share/flatpak"
    return f"{installation}/app/{item['id']}/current/active/deploy"


def test_only_the_banned_packages_are_purged(host):
    lab = labcheck.lab_vars(host)
    for package in lab["lab_banned_packages"]:
        assert labcheck.package_state(host, package) == "", package
    for package in lab["lab_look_alike_packages"]:
        assert labcheck.package_state(host, package) == "installed", package
    removed = [package for package, script, argument in labcheck.maintscript_calls(host) if script == "prerm"]
    assert sorted(removed) == sorted(lab["lab_banned_packages"]), removed


def test_no_file_changed_but_the_banned_packages_the_pin_and_the_lab_log(host):
    lab = labcheck.lab_vars(host)
    before = _json(host, f"{HOSTILE_DIR}/before.json")
    after = _manifest(host)
    owned = set().union(*(_owned(host, package) for package in lab["lab_banned_packages"]))
    removed = set(before) - set(after)
    added = set(after) - set(before)
    changed = {path for path in set(before) & set(after) if before[path] != after[path]}
    # Every file the banned packages owned is gone; directories they shared with others stay.
    assert removed <= owned, sorted(removed - owned)
    assert {path for path in owned if before.get(path, ["d"])[0] != "d"} <= removed
    assert any("$(touch hostile-ran)" in path for path in removed), "the hostile file names were not removed"
    assert added == {PIN}, sorted(added)
    assert changed == EXPECTED_CHANGED, sorted(changed)
    assert after[PIN][1:4] == ["0644", 0, 0], after[PIN]


def test_the_idempotence_run_changed_no_file(host):
    """The first verify keeps the manifest after converge; the second (after idempotence) compares with it."""
    after = _manifest(host)
    kept = f"{HOSTILE_DIR}/after-converge.json"
    if not host.file(kept).exists:
        host.check_output("python3 %s/manifest.py > %s", HOSTILE_DIR, kept)
        return
    converged = _json(host, kept)
    assert after == converged, sorted(set(after) ^ set(converged)) or sorted(
        path for path in after if after[path] != converged[path]
    )


def test_every_flatpak_stays_and_the_banned_ones_are_reported(host):
    made = _json(host, f"{HOSTILE_DIR}/flatpaks.json")
    assert len(made["banned"]) == 6 and len(made["look_alikes"]) == 28, made
    for item in made["banned"] + made["look_alikes"]:
        assert host.file(_flatpak_deploy(item)).exists, item
    result = labcheck.host_results(labcheck.hostname(host))["wechat"]
    found = sorted((f["software"]["identifier"], f["software"].get("user", "")) for f in result["findings"])
    assert found == sorted((item["id"], item["user"]) for item in made["banned"])
    # Not removed, and said why: no command may run as a user that is not a user name, or name an invalid ref.
    assert result["status"] == "non_compliant", result["reason"]
    assert result["actions"] == [], result["actions"]
    reasons = {skip["reason"] for skip in result["skipped"]}
    assert reasons == {
        "flatpak ref '-x;reboot' is not valid",
        "per-user flatpak without a usable user name: cannot run flatpak --user as them",
    }, reasons


def test_look_alikes_are_not_findings(host):
    results = labcheck.host_results(labcheck.hostname(host))
    lab = labcheck.lab_vars(host)
    identifiers = {f["software"]["identifier"] for result in results.values() for f in result["findings"]}
    assert not identifiers & set(lab["lab_look_alike_packages"])
    look_alike_ids = {item["id"] for item in _json(host, f"{HOSTILE_DIR}/flatpaks.json")["look_alikes"]}
    assert not identifiers & look_alike_ids
    assert results["tiktok"]["status"] == "compliant"


def test_kaspersky_report(host):
    result = labcheck.host_results(labcheck.hostname(host))["kaspersky"]
    pin = host.file(PIN).content_string
    for package in ("kesl", "kesl-gui", "klnagent64", "klnagent"):
        assert package in pin, package
    assert [block["state"] for block in result["blocks"]] == ["present"], result["blocks"]
    if result["findings"]:
        assert result["status"] == "remediated", result["reason"]
        assert labcheck.finding_identifiers(result["findings"]) == ["kaspersky--rf", "klnagent"]
        assert [a["outcome"] for a in result["actions"]] == ["ok", "ok", "ok"], result["actions"]
    else:
        assert result["status"] == "compliant", result["reason"]
        assert result["actions"] == [], result["actions"]


def test_the_apt_pin_refuses_the_banned_package(host):
    control = labcheck.apt_install(host, "klnagent", without_pins=True)
    assert control.rc == 0 and "Inst klnagent " in control.stdout, control.stdout
    refused = labcheck.apt_install(host, "klnagent", simulate=False)
    assert refused.rc != 0, refused.stdout


def test_nothing_hostile_ran_and_the_reports_escape_control_characters(host):
    for canary in CANARIES:
        assert not host.file(canary).exists, canary
    csv = (labcheck.report_dir() / "fleet.csv").read_text(encoding="utf-8")
    assert "line\\x0abreak" in csv
    assert "line\nbreak" not in csv
    assert len(csv.splitlines()) == 1 + len(labcheck.host_results(labcheck.hostname(host)))
