"""Linux and macOS steps: exact argv, safe paths, blocks that apt really honours."""

import shutil
import subprocess

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import planning, posix_steps
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans, validate_ban

KASPERSKY, WECHAT = load_bans(["kaspersky", "wechat"])


def finding(ban="wechat", **software):
    software.setdefault("platform", "linux")
    software.setdefault("name", software.get("identifier"))
    return {"ban": ban, "software": software, "rule": {"kind": "identifier", "value": software.get("identifier")}}


def steps_for(findings, ban=WECHAT, platform="linux"):
    return posix_steps.steps(findings, ban, {"platform": platform, "sources": ["dpkg"]})


def test_dpkg_purges_with_dpkg_so_nothing_else_is_taken_along():
    (step,) = steps_for([finding(identifier="wechat", source="dpkg")])
    assert step["command"] == ["dpkg", "--purge", "wechat"]
    assert step["probe"] == ["dpkg-query", "--status", "wechat"]
    assert step["environment"] == {"DEBIAN_FRONTEND": "noninteractive"}


def test_rpm_and_snap_commands():
    rpm, snap = steps_for([finding(identifier="wechat", source="rpm"), finding(identifier="wechat", source="snap")])
    assert rpm["command"] == ["rpm", "--erase", "--allmatches", "wechat"]
    assert rpm["probe"] == ["rpm", "--query", "wechat"]
    assert snap["command"] == ["snap", "remove", "--purge", "wechat"]


def test_flatpak_system_and_per_user_run_in_their_installation():
    system, user = steps_for(
        [
            finding(identifier="com.tencent.WeChat", source="flatpak", scope="system"),
            finding(identifier="com.tencent.WeChat", source="flatpak", scope="user", user="alice"),
        ]
    )
    assert system["command"] == ["flatpak", "uninstall", "--system", "--noninteractive", "-y", "com.tencent.WeChat"]
    as_alice = ["runuser", "-u", "alice", "--"]
    assert user["command"] == [
        *as_alice,
        "flatpak",
        "uninstall",
        "--user",
        "--noninteractive",
        "-y",
        "com.tencent.WeChat",
    ]
    assert system["id"] != user["id"]


def test_per_user_flatpak_without_a_user_is_skipped_not_guessed():
    (item,) = steps_for([finding(identifier="com.tencent.WeChat", source="flatpak", scope="user")])
    assert item["kind"] == "skip" and "without a usable user" in item["reason"]


def test_a_name_that_is_not_a_package_name_never_reaches_an_argv():
    (item,) = steps_for([finding(identifier="wechat; rm -rf /", source="dpkg")])
    assert item["kind"] == "skip"


@pytest.mark.parametrize(
    "path",
    ["/Applications/WeChat.app", "/Users/alice/Applications/WeChat.app", "/Applications/Tencent/WeChat.app/"],
)
def test_macos_app_bundles_are_removed_from_application_folders(path):
    (step,) = steps_for([finding(identifier="com.tencent.xinWeChat", source="app_bundle", platform="macos", path=path)])
    assert step["command"] == ["/bin/rm", "-rf", "--", path.rstrip("/")]


@pytest.mark.parametrize(
    "path",
    ["/", "/Applications", "/System/Applications/WeChat.app", "/Applications/../etc.app", "Applications/W.app", None],
)
def test_macos_paths_outside_application_folders_are_skipped(path):
    (item,) = steps_for([finding(identifier="com.tencent.xinWeChat", source="app_bundle", platform="macos", path=path)])
    assert item["kind"] == "skip"


def test_macos_receipts_are_forgotten_after_the_bundle_is_gone():
    bundle, receipt = steps_for(
        [
            finding(
                identifier="com.tencent.xinWeChat",
                source="app_bundle",
                platform="macos",
                path="/Applications/WeChat.app",
            ),
            finding(identifier="com.tencent.xinWeChat", source="pkgutil", platform="macos"),
        ],
        platform="macos",
    )
    assert receipt["command"] == ["/usr/sbin/pkgutil", "--forget", "com.tencent.xinWeChat"]
    assert receipt["order"] > bundle["order"]


def test_documented_vendor_uninstallers_run_first_on_macos():
    ban = validate_ban(
        {
            **WECHAT,
            "platforms": {
                "macos": {
                    **WECHAT["platforms"]["macos"],
                    "remove": {
                        "uninstallers": [
                            {
                                "match": "com\\.tencent\\..*",
                                "command": ["/opt/vendor/uninstall", "--quiet"],
                                "source": "test",
                            }
                        ]
                    },
                }
            },
        }
    )
    steps = steps_for(
        [
            finding(
                identifier="com.tencent.xinWeChat",
                source="app_bundle",
                platform="macos",
                path="/Applications/WeChat.app",
            )
        ],
        ban=ban,
        platform="macos",
    )
    assert [s["method"] for s in steps] == ["vendor_uninstaller", "app_bundle"]
    assert steps[0]["command"] == ["/opt/vendor/uninstall", "--quiet"]
    assert steps[0]["order"] < steps[1]["order"]


def test_an_unknown_source_is_skipped_with_the_reason():
    (item,) = steps_for([finding(identifier="wechat", source="appimage")])
    assert item == {
        "kind": "skip",
        "finding": item["finding"],
        "reason": "no removal method for source 'appimage' on linux",
    }


def test_macos_is_reported_not_blockable_rather_than_pretending():
    (status,) = posix_steps.blocks(WECHAT, [], [], {"platform": "macos"})
    assert status["state"] == "not_blockable" and "MDM" in status["note"]


def test_snap_is_reported_not_blockable():
    statuses = posix_steps.blocks(WECHAT, [], [], {"platform": "linux", "sources": ["snap"]})
    assert statuses == [
        {"ban": "wechat", "method": "snap", "state": "not_blockable", "note": posix_steps.NOT_BLOCKABLE_SNAP}
    ]


def test_flatpak_masks_system_wide_and_for_each_user_who_had_it():
    findings = [finding(identifier="com.tencent.WeChat", source="flatpak", scope="user", user="alice")]
    items = posix_steps.blocks(WECHAT, findings, [], {"platform": "linux", "sources": ["flatpak"]})
    assert [s["command"] for s in items] == [
        ["flatpak", "mask", "--system", "com.tencent.WeChat"],
        ["runuser", "-u", "alice", "--", "flatpak", "mask", "--user", "com.tencent.WeChat"],
    ]
    present = planning.normalize_current_blocks(
        {"flatpak_mask": [{"scope": "system", "user": "", "patterns": ["com.tencent.WeChat"]}]}
    )
    items = posix_steps.blocks(WECHAT, [], present, {"platform": "linux", "sources": ["flatpak"]})
    assert [i["state"] for i in items] == ["present"]


def test_dnf_exclude_is_planned_until_every_package_is_excluded():
    options = {"platform": "linux", "sources": ["rpm"]}
    (step,) = posix_steps.blocks(KASPERSKY, [], [], options)
    assert step["path"] == "/etc/dnf/dnf.conf" and step["values"] == ["kesl", "kesl-gui", "klnagent64", "klnagent"]
    partial = [{"method": "dnf_exclude", "patterns": ["kesl"]}]
    assert posix_steps.blocks(KASPERSKY, [], partial, options)[0]["kind"] == "block"
    full = [{"method": "dnf_exclude", "patterns": ["kesl", "kesl-gui", "klnagent64", "klnagent", "x"]}]
    assert posix_steps.blocks(KASPERSKY, [], full, options)[0]["state"] == "present"


def test_apt_pin_is_one_file_per_ban_with_priority_minus_one():
    (step,) = posix_steps.blocks(KASPERSKY, [], [], {"platform": "linux", "sources": ["dpkg"]})
    assert step["path"] == "/etc/apt/preferences.d/interdict-kaspersky.pref"
    assert "Package: kesl kesl-gui klnagent64 klnagent\nPin: release *\nPin-Priority: -1\n" in step["content"]


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="apt-cache not installed on this machine")
def test_apt_really_refuses_a_pinned_package(tmp_path):
    # Pin a package this machine has, and ask apt itself what it would install.
    content = posix_steps.apt_pin_content(KASPERSKY, ["dpkg"])
    (tmp_path / "interdict-kaspersky.pref").write_text(content)
    policy = subprocess.run(
        ["apt-cache", "-o", f"Dir::Etc::PreferencesParts={tmp_path}", "policy", "dpkg"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Candidate: (none)" in policy.stdout
    unpinned = subprocess.run(["apt-cache", "policy", "dpkg"], capture_output=True, text=True, check=True)
    assert "Candidate: (none)" not in unpinned.stdout
