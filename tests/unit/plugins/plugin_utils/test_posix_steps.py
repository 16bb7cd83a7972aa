"""Linux and macOS steps: exact argv, safe paths, the contract's step shape, blocks that apt really honours.

The builder returns unordered steps; the tests at the end plan through ``_planning.removal_plan`` to check
the order and links the planner derives from what the builder says (kind, sequence, findings).
"""

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import block_files
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans, validate_ban
from ansible_collections.interdict.bans.plugins.module_utils.contract import STEP_KINDS, exit_codes, finding_key
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _posix_steps

KASPERSKY, WECHAT = load_bans(["kaspersky", "wechat"])
STEP_KEYS = {"id", "ban", "kind", "platform", "method", "target", "name", "findings", "exit_codes"}


def finding(ban="wechat", **software):
    software.setdefault("platform", "linux")
    software.setdefault("name", software.get("identifier"))
    return {"ban": ban, "software": software, "rule": {"kind": "identifier", "value": software.get("identifier")}}


def steps_for(findings, ban=WECHAT, platform="linux"):
    return _posix_steps.steps(findings, ban, {"platform": platform, "sources": ["dpkg"]})


def check_contract(step):
    """Every step has the contract's keys; ordering is the planner's, never the builder's."""
    assert set(step) >= STEP_KEYS, STEP_KEYS - set(step)
    assert step["kind"] in STEP_KINDS
    assert "order" not in step and "depends_on" not in step
    assert all(isinstance(key, str) for key in step["findings"])
    return step


# --------------------------------------------------------------------------- removal


def test_dpkg_purges_with_dpkg_so_nothing_else_is_taken_along():
    wechat = finding(identifier="wechat", source="dpkg")
    (step,) = steps_for([wechat])
    check_contract(step)
    assert step["command"] == ["dpkg", "--purge", "wechat"]
    assert step["probe"] == ["dpkg-query", "--status", "wechat"]
    assert step["environment"] == {"DEBIAN_FRONTEND": "noninteractive"}
    assert step["findings"] == [finding_key(wechat)]
    assert step["exit_codes"] == {"0": "ok"}
    assert (step["id"], step["kind"], step["platform"]) == ("wechat:remove:dpkg:wechat", "remove", "linux")


def test_rpm_and_snap_commands():
    rpm, snap = steps_for([finding(identifier="wechat", source="rpm"), finding(identifier="wechat", source="snap")])
    assert rpm["command"] == ["rpm", "--erase", "--allmatches", "wechat"]
    assert rpm["probe"] == ["rpm", "--query", "wechat"]
    assert snap["command"] == ["snap", "remove", "--purge", "wechat"]
    assert rpm["id"] != snap["id"]


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
    assert system["findings"] != user["findings"]


def test_per_user_flatpak_without_a_user_is_skipped_not_guessed():
    (item,) = steps_for([finding(identifier="com.tencent.WeChat", source="flatpak", scope="user")])
    assert item["kind"] == "skip" and "without a usable user" in item["reason"]


@pytest.mark.parametrize("identifier", ["wechat; rm -rf /", "-rf", "", "we chat"])
def test_a_name_that_is_not_a_package_name_never_reaches_an_argv(identifier):
    (item,) = steps_for([finding(identifier=identifier, source="dpkg")])
    assert item["kind"] == "skip"


@pytest.mark.parametrize(
    "path",
    ["/Applications/WeChat.app", "/Users/alice/Applications/WeChat.app", "/Applications/Tencent/WeChat.app/"],
)
def test_macos_app_bundles_are_removed_from_application_folders(path):
    (step,) = steps_for([finding(identifier="com.tencent.xinWeChat", source="app_bundle", platform="macos", path=path)])
    check_contract(step)
    assert step["command"] == ["/bin/rm", "-rf", "--", path.rstrip("/")]
    assert step["platform"] == "macos" and step["kind"] == "remove"


@pytest.mark.parametrize(
    "path",
    ["/", "/Applications", "/System/Applications/WeChat.app", "/Applications/../etc.app", "Applications/W.app", None],
)
def test_macos_paths_outside_application_folders_are_skipped(path):
    (item,) = steps_for([finding(identifier="com.tencent.xinWeChat", source="app_bundle", platform="macos", path=path)])
    assert item["kind"] == "skip"


def test_a_macos_receipt_is_residue_forgotten_with_pkgutil():
    (receipt,) = steps_for(
        [finding(identifier="com.tencent.xinWeChat", source="pkgutil", platform="macos")], platform="macos"
    )
    check_contract(receipt)
    assert receipt["kind"] == "residue"
    assert receipt["command"] == ["/usr/sbin/pkgutil", "--forget", "com.tencent.xinWeChat"]
    assert receipt["probe"] == ["/usr/sbin/pkgutil", "--pkg-info", "com.tencent.xinWeChat"]


def with_uninstaller(**uninstaller):
    entry = {"match": "com\\.tencent\\..*", "command": ["/opt/vendor/uninstall", "--quiet"], "source": "test"}
    entry.update(uninstaller)
    macos = {**WECHAT["platforms"]["macos"], "remove": {"uninstallers": [entry]}}
    return validate_ban({**WECHAT, "platforms": {**WECHAT["platforms"], "macos": macos}})


BUNDLE = finding(
    identifier="com.tencent.xinWeChat", source="app_bundle", platform="macos", path="/Applications/WeChat.app"
)
HELPER = finding(
    identifier="com.tencent.WeChatHelper", source="app_bundle", platform="macos", path="/Applications/Helper.app"
)


def test_a_vendor_uninstaller_is_one_step_for_every_finding_it_covers_and_goes_first_in_its_rank():
    steps = steps_for([BUNDLE, HELPER], ban=with_uninstaller(success_codes=[0, 2]), platform="macos")
    assert [s["method"] for s in steps] == ["vendor_uninstaller", "app_bundle", "app_bundle"]
    vendor, bundle, _helper = (check_contract(s) for s in steps)
    assert vendor["command"] == ["/opt/vendor/uninstall", "--quiet"]
    assert vendor["probe"] == ["/bin/test", "-e", "/opt/vendor/uninstall"]
    assert vendor["findings"] == [finding_key(BUNDLE), finding_key(HELPER)]
    assert vendor["exit_codes"] == exit_codes(success=(0, 2))
    assert vendor["sequence"] < bundle["sequence"]


def test_a_vendor_uninstaller_that_covers_nothing_is_not_planned():
    other = finding(identifier="com.example.App", source="app_bundle", platform="macos", path="/Applications/A.app")
    assert [s["method"] for s in steps_for([other], ban=with_uninstaller(), platform="macos")] == ["app_bundle"]


def test_an_unknown_source_is_skipped_with_the_reason():
    (item,) = steps_for([finding(identifier="wechat", source="appimage")])
    assert item == {
        "kind": "skip",
        "finding": item["finding"],
        "reason": "no removal method for source 'appimage' on linux",
    }


# --------------------------------------------------------------------------- blocks


def test_macos_is_reported_not_blockable_rather_than_pretending():
    (status,) = _posix_steps.blocks(WECHAT, [], [], {"platform": "macos"})
    assert status["state"] == "not_blockable" and "MDM" in status["note"]


def test_snap_is_reported_not_blockable():
    statuses = _posix_steps.blocks(WECHAT, [], [], {"platform": "linux", "sources": ["snap"]})
    assert statuses == [
        {"ban": "wechat", "method": "snap", "state": "not_blockable", "note": _posix_steps.NOT_BLOCKABLE_SNAP}
    ]


def test_no_package_system_read_means_no_block_planned():
    assert _posix_steps.blocks(KASPERSKY, [], [], {"platform": "linux", "sources": []}) == []


def test_flatpak_masks_system_wide_and_for_each_user_who_had_it():
    alice = finding(identifier="com.tencent.WeChat", source="flatpak", scope="user", user="alice")
    items = _posix_steps.blocks(WECHAT, [alice], [], {"platform": "linux", "sources": ["flatpak"]})
    items = [item for item in items if item["method"] == "flatpak_mask"]
    assert [s["command"] for s in items] == [
        ["flatpak", "mask", "--system", "com.tencent.WeChat"],
        ["runuser", "-u", "alice", "--", "flatpak", "mask", "--user", "com.tencent.WeChat"],
    ]
    system, user = (check_contract(s) for s in items)
    assert (system["kind"], system["findings"], user["findings"]) == ("block", [], [finding_key(alice)])


def test_a_flatpak_mask_in_place_is_present_in_either_form_of_current_blocks():
    facts = {"flatpak_mask": [{"scope": "system", "user": "", "path": "/p", "patterns": ["com.tencent.WeChat"]}]}
    for current in (facts, _planning.normalize_current_blocks(facts)):
        items = _posix_steps.blocks(WECHAT, [], current, {"platform": "linux", "sources": ["flatpak"]})
        items = [item for item in items if item["method"] == "flatpak_mask"]
        assert [(i["state"], i["rule"]) for i in items] == [("present", "system:com.tencent.WeChat")]


def test_dnf_exclude_is_planned_until_every_package_is_excluded():
    options = {"platform": "linux", "sources": ["rpm"]}
    kesl = finding("kaspersky", identifier="kesl", source="rpm")
    (step,) = _posix_steps.blocks(KASPERSKY, [kesl], [], options)
    check_contract(step)
    assert step["path"] == "/etc/dnf/dnf.conf" and step["values"] == ["kesl", "kesl-gui", "klnagent64", "klnagent"]
    assert (step["section"], step["option"], step["findings"]) == ("main", "excludepkgs", [finding_key(kesl)])
    partial = {"dnf_exclude": [{"path": "/etc/dnf/dnf.conf", "patterns": ["kesl"]}]}
    assert _posix_steps.blocks(KASPERSKY, [], partial, options)[0]["kind"] == "block"
    full = [{"method": "dnf_exclude", "patterns": ["kesl", "kesl-gui", "klnagent64", "klnagent", "x"]}]
    assert _posix_steps.blocks(KASPERSKY, [], full, options)[0]["state"] == "present"


def test_a_package_manager_option_plans_its_block_without_a_source():
    (step,) = _posix_steps.blocks(KASPERSKY, [], [], {"platform": "linux", "sources": [], "package_manager": "dnf"})
    assert step["method"] == "dnf_exclude"


def test_apt_pin_is_one_file_per_ban_rendered_by_block_files():
    kesl = finding("kaspersky", identifier="kesl", source="dpkg")
    (step,) = _posix_steps.blocks(KASPERSKY, [kesl], [], {"platform": "linux", "sources": ["dpkg"]})
    check_contract(step)
    assert step["path"] == "/etc/apt/preferences.d/interdict-kaspersky.pref"
    packages = ["kesl", "kesl-gui", "klnagent64", "klnagent"]
    assert step["content"] == block_files.render_apt_pin("kaspersky", KASPERSKY["title"], packages)
    assert step["findings"] == [finding_key(kesl)] and step["previous_content"] == ""


def test_an_apt_pin_in_place_is_present_and_a_changed_one_is_rewritten():
    (step,) = _posix_steps.blocks(KASPERSKY, [], [], {"platform": "linux", "sources": ["dpkg"]})
    in_place = {"apt_pin": [{"path": step["path"], "content": step["content"]}]}
    (status,) = _posix_steps.blocks(KASPERSKY, [], in_place, {"platform": "linux", "sources": ["dpkg"]})
    assert status == {"ban": "kaspersky", "method": "apt_pin", "state": "present", "path": step["path"]}
    edited = {"apt_pin": [{"path": step["path"], "content": "Package: kesl\nPin: version *\nPin-Priority: 100\n"}]}
    (again,) = _posix_steps.blocks(KASPERSKY, [], edited, {"platform": "linux", "sources": ["dpkg"]})
    assert again["kind"] == "block" and again["previous_content"].endswith("Pin-Priority: 100\n")


# --------------------------------------------------------------------------- through the planner


def deb(name, publisher="AO Kaspersky Lab"):
    return {"name": name, "identifier": name, "platform": "linux", "source": "dpkg", "publisher": publisher}


def plan(records, bans, **options):
    options.setdefault("host", "web01")
    options.setdefault("sources", {"platform": "linux", "sources": [{"source": "dpkg", "state": "read"}]})
    return _planning.removal_plan(match(records, bans), bans, **options)


def test_kesl_gui_and_kesl_go_before_the_agent_which_waits_for_both():
    steps = plan([deb("klnagent64"), deb("kesl"), deb("kesl-gui"), deb("bash", "Debian")], [KASPERSKY])["steps"]
    removals = [s for s in steps if s["kind"] == "remove"]
    assert [s["target"] for s in removals] == ["kesl-gui", "kesl", "klnagent64"]
    by_target = {s["target"]: s for s in removals}
    assert "depends_on" not in by_target["kesl-gui"]
    assert by_target["kesl"]["depends_on"] == ["kaspersky:remove:dpkg:kesl-gui"]
    assert by_target["klnagent64"]["depends_on"] == ["kaspersky:remove:dpkg:kesl", "kaspersky:remove:dpkg:kesl-gui"]
    (pin,) = [s for s in steps if s["kind"] == "block"]
    assert pin["method"] == "apt_pin" and steps[-1] is pin


def test_the_audit_plan_and_the_enforce_plan_are_the_same_steps():
    records = [deb("klnagent64"), deb("kesl")]
    assert plan(records, [KASPERSKY], mode="audit")["steps"] == plan(records, [KASPERSKY], mode="enforce")["steps"]


def mac(identifier, name, source="app_bundle", path=None):
    record = {"name": name, "identifier": identifier, "platform": "macos", "source": source, "publisher": ""}
    if path:
        record["path"] = path
    return record


def test_on_macos_the_uninstaller_runs_before_the_bundle_and_the_receipt_is_forgotten_last():
    ban = with_uninstaller()
    records = [
        mac("com.tencent.xinWeChat", "com.tencent.xinWeChat", source="pkgutil"),
        mac("com.tencent.xinWeChat", "WeChat", path="/Applications/WeChat.app"),
    ]
    evidence = {"platform": "macos", "sources": [{"source": "app_bundle", "state": "read"}]}
    result = plan(records, [ban], sources=evidence)
    steps = result["steps"]
    assert [(s["kind"], s["method"]) for s in steps] == [
        ("remove", "vendor_uninstaller"),
        ("remove", "app_bundle"),
        ("residue", "pkgutil"),
    ]
    vendor, bundle, receipt = steps
    assert vendor["order"] < bundle["order"] < receipt["order"]
    assert receipt["depends_on"] == sorted([vendor["id"], bundle["id"]])
    assert [(b["method"], b["state"]) for b in result["blocks"]] == [("none", "not_blockable")]


# --------------------------------------------------------------------------- package manager locks


def test_dpkg_and_rpm_removals_wait_for_their_lock_for_the_planned_time():
    kesl = finding("kaspersky", identifier="kesl", source="dpkg")
    (dpkg,) = _posix_steps.steps([kesl], KASPERSKY, {"platform": "linux"})
    assert dpkg["lock_timeout"] == 60
    assert dpkg["locks"][0] == {
        "path": "/var/lib/dpkg/lock-frontend",
        "name": "dpkg frontend lock",
        "hold": True,
        "env": "DPKG_FRONTEND_LOCKED",
    }
    assert [lock["path"] for lock in dpkg["locks"][1:]] == ["/var/lib/dpkg/lock"]
    rpm_finding = finding("kaspersky", identifier="kesl", source="rpm")
    (rpm,) = _posix_steps.steps([rpm_finding], KASPERSKY, {"platform": "linux", "lock_timeout": 5})
    assert rpm["lock_timeout"] == 5 and not any(lock.get("hold") for lock in rpm["locks"])


@pytest.mark.parametrize("value", [-1, 3601, "60", True])
def test_a_lock_timeout_that_is_not_seconds_is_refused_naming_the_option(value):
    kesl = finding("kaspersky", identifier="kesl", source="dpkg")
    with pytest.raises(ValueError, match=r"options\.lock_timeout"):
        _posix_steps.steps([kesl], KASPERSKY, {"platform": "linux", "lock_timeout": value})


def test_the_planner_passes_the_lock_timeout_option_to_every_package_removal():
    records = [deb("kesl"), deb("klnagent64")]
    steps = plan(records, [KASPERSKY], options={"lock_timeout": 7})["steps"]
    removals = [step for step in steps if step["kind"] == "remove"]
    assert [step["lock_timeout"] for step in removals] == [7, 7]
    (block,) = [step for step in steps if step["kind"] == "block"]
    # A block never waits for a removal: it stops reinstallation whether the removal worked or not.
    assert "depends_on" not in block and block["managed_marker"] == block_files.pin_marker("kaspersky")
    assert block["content"].startswith(block["managed_marker"])


# --------------------------------------------------------------------------- flatpak filter (a mask stops no install)

FILTER = block_files.FLATPAK_FILTER


def test_a_flatpak_mask_is_not_said_to_stop_a_manual_install():
    # flatpak-mask(1): "You can still manually install such refs"; the lab showed `flatpak install` succeeding.
    (mask, *_rest) = _posix_steps.blocks(WECHAT, [], [], {"platform": "linux", "sources": ["flatpak"]})
    assert mask["method"] == "flatpak_mask"
    assert "automatic installs" in mask["note"] and "manual install is stopped by the flatpak filter" in mask["note"]


def test_flatpak_filter_denies_the_bans_apps_and_every_remote_is_made_to_use_it():
    alice = finding(identifier="com.tencent.WeChat", source="flatpak", scope="user", user="alice")
    current = {
        "flatpak_remote": [
            {"scope": "system", "user": "", "path": "/var/lib/flatpak/repo/config", "remote": "flathub", "filter": ""},
            {"scope": "user", "user": "alice", "path": "/home/alice/x", "remote": "flathub", "filter": ""},
        ]
    }
    items = _posix_steps.blocks(WECHAT, [alice], current, {"platform": "linux", "sources": ["flatpak"]})
    by_method = {}
    for item in items:
        by_method.setdefault(item["method"], []).append(check_contract(item))
    (deny,) = by_method["flatpak_filter"]
    assert (deny["path"], deny["lines"]) == (FILTER, ["deny com.tencent.WeChat"])
    assert deny["header"] == block_files.FLATPAK_FILTER_HEADER and deny["findings"] == [finding_key(alice)]
    system, user = by_method["flatpak_remote"]
    assert system["command"] == ["flatpak", "remote-modify", "--system", f"--filter={FILTER}", "flathub"]
    assert user["command"] == [
        "runuser", "-u", "alice", "--", "flatpak", "remote-modify", "--user", f"--filter={FILTER}", "flathub",
    ]  # fmt: skip
    assert (system["findings"], user["findings"]) == ([], [finding_key(alice)])
    assert system["id"] == "wechat:block:flatpak_remote:system:flathub"
    # The filter file is written before the remotes are pointed at it: the planner's tie-break is the step id.
    plan = _planning.removal_plan(
        [alice], [WECHAT], host="h", mode="enforce", sources=["flatpak"], current_blocks=current
    )
    methods = [step["method"] for step in plan["steps"] if step["kind"] == "block"]
    assert methods.index("flatpak_filter") < methods.index("flatpak_remote")


def test_flatpak_filter_in_place_is_present_and_another_filter_is_never_replaced():
    current = {
        "flatpak_filter": [{"path": FILTER, "patterns": ["com.tencent.WeChat"]}],
        "flatpak_remote": [
            {"scope": "system", "user": "", "path": "/c", "remote": "flathub", "filter": FILTER},
            {"scope": "system", "user": "", "path": "/c", "remote": "corp", "filter": "/etc/corp.filter"},
            {"scope": "system", "user": "", "path": "/c", "remote": "--evil\x1b[2J", "filter": ""},
        ],
    }
    for blocks in (current, _planning.normalize_current_blocks(current)):
        items = _posix_steps.blocks(WECHAT, [], blocks, {"platform": "linux", "sources": ["flatpak"]})
        states = [(i["method"], i["state"], i.get("rule", i.get("path"))) for i in items if "state" in i]
        assert states == [
            ("flatpak_filter", "present", FILTER),
            ("flatpak_remote", "present", "system:flathub"),
            ("flatpak_remote", "not_blockable", "system:corp"),
            ("flatpak_remote", "not_blockable", "system:?"),
        ]
        assert not [i for i in items if i.get("kind") == "block" and i["method"] != "flatpak_mask"]
        corp = next(i for i in items if i.get("rule") == "system:corp")
        assert "/etc/corp.filter" in corp["note"]
        evil = next(i for i in items if i.get("rule") == "system:?")
        assert "\x1b" not in evil["note"] and "--evil" in evil["note"]


def test_a_ban_without_flatpaks_plans_no_filter():
    assert _posix_steps.blocks(KASPERSKY, [], [], {"platform": "linux", "sources": ["flatpak"]}) == []
