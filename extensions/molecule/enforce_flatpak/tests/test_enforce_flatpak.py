# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""flatpak for real: WeChat uninstalled from the system and alice's installation, masked, filtered out of
every remote, a later install refused (and the same install accepted without the filter); the look-alike
kept. Runs after the first converge and again after the idempotence run."""

import labcheck

testinfra_hosts = labcheck.podman_hosts()

WECHAT = "com.tencent.WeChat"
WEMEET = "com.tencent.wemeet"
REMOTE = ["interdict-lab", "file:///srv/interdict-flatpaks"]


def test_the_banned_app_is_gone_from_both_installations_and_the_look_alike_stays(host):
    user = labcheck.lab_vars(host)["lab_flatpak_user"]
    assert labcheck.flatpak_apps(host) == [WEMEET]
    assert labcheck.flatpak_apps(host, user) == [WEMEET]


def test_masked_in_both_installations(host):
    user = labcheck.lab_vars(host)["lab_flatpak_user"]
    assert labcheck.flatpak(host, "", "mask", "--system").stdout.split() == [WECHAT]
    assert labcheck.flatpak(host, user, "mask", "--user").stdout.split() == [WECHAT]


def test_every_remote_uses_the_filter_that_denies_the_banned_app(host):
    assert "deny com.tencent.WeChat" in host.file(labcheck.FLATPAK_FILTER).content_string.splitlines()
    assert WEMEET not in host.file(labcheck.FLATPAK_FILTER).content_string
    user = labcheck.lab_vars(host)["lab_flatpak_user"]
    for config in ("/var/lib/flatpak/repo/config", f"/home/{user}/.local/share/flatpak/repo/config"):
        assert f"xa.filter={labcheck.FLATPAK_FILTER}" in host.file(config).content_string.splitlines(), config


def test_a_later_install_is_refused_and_succeeds_in_an_identical_installation_without_the_filter(host):
    user = labcheck.lab_vars(host)["lab_flatpak_user"]
    # The control: a fresh installation with the same remote, without the filter, installs it.
    control = labcheck.flatpak_control_install(host, WECHAT)
    assert control.rc == 0, control.stderr
    for who, scope in (("", "--system"), (user, "--user")):
        refused = labcheck.flatpak(host, who, "install", scope, "--noninteractive", "-y", "interdict-lab", WECHAT)
        assert refused.rc != 0, (who, refused.stdout)
        assert f"Nothing matches {WECHAT} in remote interdict-lab" in refused.stderr, refused.stderr
        look_alike = labcheck.flatpak(
            host, who, "install", scope, "--reinstall", "--noninteractive", "-y", "interdict-lab", WEMEET
        )
        assert look_alike.rc == 0, (who, look_alike.stderr)
    assert labcheck.flatpak_apps(host) == [WEMEET]


def test_host_results(host):
    user = labcheck.lab_vars(host)["lab_flatpak_user"]
    results = labcheck.host_results(labcheck.hostname(host))
    assert set(results) == {"wechat"}, sorted(results)
    result = results["wechat"]
    assert result["remaining"] == []
    assert all(action["outcome"] != "failed" for action in result["actions"]), result["actions"]
    states = {(block["method"], block.get("rule") or block.get("path")): block["state"] for block in result["blocks"]}
    assert states[("flatpak_filter", labcheck.FLATPAK_FILTER)] in ("planned", "present")
    assert states[("flatpak_remote", "system:interdict-lab")] in ("planned", "present")
    assert states[("flatpak_remote", f"user:{user}:interdict-lab")] in ("planned", "present")
    if result["findings"]:
        assert result["status"] == "remediated", result["reason"]
        assert sorted((f["software"]["identifier"], f["software"].get("user", "")) for f in result["findings"]) == [
            (WECHAT, ""),
            (WECHAT, user),
        ]
        removed = [a["step"] for a in result["actions"] if a["kind"] == "remove" and a["outcome"] == "ok"]
        assert sorted(removed) == [
            f"wechat:remove:flatpak:system:{WECHAT}",
            f"wechat:remove:flatpak:user:{user}:{WECHAT}",
        ]
    else:
        assert result["status"] == "compliant", result["reason"]
        assert result["actions"] == [], result["actions"]
    assert labcheck.fleet_host(labcheck.hostname(host))["status"] in ("remediated", "compliant")
