#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: software_facts
short_description: Inventory installed software on Linux and macOS as normalized records
version_added: 0.1.0
description:
  - Reads every supported package manager and application store on a Linux or macOS host and returns
    the installed software as normalized software records in C(ansible_facts.interdict_software).
  - Also returns the install blocks interdict.bans manages on the host (apt preference files, dnf
    C(excludepkgs), flatpak masks, the flatpak filter and the remotes that use it) in
    C(ansible_facts.interdict_blocks), so an audit needs one remote call.
  - Thin and read-only. It decides nothing; matching against the ban catalog happens on the controller
    with the P(interdict.bans.match#filter) filter.
  - At most one process per package manager (C(dpkg-query), C(rpm), C(flatpak), C(snap) only when the snapd
    socket is missing), never one per package. Per-user flatpaks, macOS bundles and pkgutil receipts are
    read from their files directly.
  - Every source asked for is reported in C(interdict_sources) as V(read), V(absent) (not on this host),
    V(partial) (read, but a part could not be, such as one user's flatpak installation or one app bundle) or
    V(failed) (present but unreadable), with the reason. Reading the block files is reported as the source
    V(blocks). Anything V(partial) or V(failed) makes the inventory incomplete, and the controller then never
    reports the host's bans as compliant. The module fails only when no software source could be read at all.
author:
  - interdict.bans contributors (@interdict)
options:
  sources:
    description:
      - Which sources to read. By default every source is tried and those not present on the host are skipped.
      - V(dpkg) runs one C(dpkg-query -W); V(rpm) runs one C(rpm -qa); V(flatpak) runs one C(flatpak list --system)
        and reads per-user installations from C(~/.local/share/flatpak); V(snap) asks the snapd REST socket once;
        V(app_bundle) reads C(Info.plist) of C(.app) bundles in C(/Applications) and each user's
        C(~/Applications); V(pkgutil) reads the receipts in C(/var/db/receipts).
    type: list
    elements: str
    choices: [dpkg, rpm, flatpak, snap, app_bundle, pkgutil]
    default: [dpkg, rpm, flatpak, snap, app_bundle, pkgutil]
  root:
    description:
      - Root directory of the system to inventory, for chroots and offline images (a mounted disk or a
        container file system). Package databases, home directories and block files are read under it.
      - With a root other than C(/), system flatpaks are read from their files (no C(flatpak) process) and snaps,
        which need a running snapd, are reported as failed when the image has any.
    type: path
    default: /
notes:
  - C(signer) of a macOS bundle is its code-signing team identifier, read from the code directory of the bundle's
    main executable (a few bytes, no process). It is absent for unsigned and ad-hoc signed bundles. Certificate
    subjects are not read, as that needs C(codesign) per bundle, which is not cheap.
  - Per-user flatpaks are read from C(app/<id>/current/active/deploy) of each user's installation; C(flatpak --user)
    would have to run once per user as that user.
  - See C(docs/software_facts.md) in the collection for what each source reads and what is not collected.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: [posix]
seealso:
  - plugin: interdict.bans.match
    plugin_type: filter
  - plugin: interdict.bans.catalog
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Inventory installed software
  interdict.bans.software_facts:

- name: Find banned software on the host
  ansible.builtin.set_fact:
    findings: "{{ ansible_facts.interdict_software | interdict.bans.match(query('interdict.bans.catalog')) }}"

- name: Inventory only Debian packages and flatpaks
  interdict.bans.software_facts:
    sources: [dpkg, flatpak]

- name: Inventory an offline image mounted on /mnt/image
  interdict.bans.software_facts:
    root: /mnt/image
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    interdict_software:
      description:
        - Normalized software records, one per installed package, flatpak, snap, app bundle or pkgutil receipt.
        - Every record has C(name), C(version), C(publisher), C(platform), C(source) and C(identifier). dpkg records
          add C(arch), C(state) (the dpkg status, such as V(installed) or V(half-installed)) and C(maintainer);
          rpm records add C(arch) and C(packager); flatpak records add C(scope) (V(system) or V(user)), C(origin)
          and, for user installs, C(user); snap records add C(revision) and C(channel); app bundles add C(path),
          C(user) for per-user bundles and C(signer) (team identifier) when signed; pkgutil receipts add
          C(install_location).
      returned: always
      type: list
      elements: dict
      sample:
        - name: dpkg
          version: 1.21.22
          publisher: Dpkg Developers
          platform: linux
          source: dpkg
          identifier: dpkg
          arch: amd64
          state: installed
          maintainer: Dpkg Developers <debian-dpkg@lists.debian.org>
        - name: WeChat
          version: 4.0.6
          publisher: ""
          platform: macos
          source: app_bundle
          identifier: com.tencent.xinWeChat
          path: /Applications/WeChat.app
          signer: 5A4RE8SF68
    interdict_blocks:
      description:
        - Install blocks managed by interdict.bans that are present on the host, keyed by plan method.
        - V(apt_pin) lists C(/etc/apt/preferences.d/interdict-*.pref) with C(path), exact C(content), C(ban) (the ban
          that wrote it, empty when it is not a file this collection wrote) and C(packages) (the pinned names).
        - V(dnf_exclude) lists the C(excludepkgs) patterns of the C([main]) section of C(/etc/dnf/dnf.conf),
          with C(path) and C(patterns).
        - V(flatpak_mask) lists the masked patterns of each flatpak installation, with C(scope), C(user),
          C(path) and C(patterns).
        - V(flatpak_filter) lists the refs C(/etc/flatpak/interdict-bans.filter) denies, with C(path) and C(patterns).
        - V(flatpak_remote) lists every remote of each flatpak installation, with C(scope), C(user), C(path),
          C(remote) and C(filter) (the filter file the remote uses, empty for none).
      returned: always
      type: dict
      sample:
        apt_pin:
          - path: /etc/apt/preferences.d/interdict-deepseek.pref
            content: "# interdict.bans: ban 'deepseek' (DeepSeek). Managed file, changes are overwritten.\n..."
            ban: deepseek
            packages: [deepseek-desktop]
        dnf_exclude: []
        flatpak_mask:
          - scope: system
            user: ""
            path: /var/lib/flatpak/repo/config
            patterns: [com.tencent.WeChat]
        flatpak_filter:
          - path: /etc/flatpak/interdict-bans.filter
            patterns: [com.tencent.WeChat]
        flatpak_remote:
          - scope: system
            user: ""
            path: /var/lib/flatpak/repo/config
            remote: flathub
            filter: /etc/flatpak/interdict-bans.filter
    interdict_sources:
      description:
        - The evidence, in the shape every facts path of interdict.bans reports C({platform, sources}).
        - C(sources) has one entry per source asked for and one for V(blocks), each with C(source), C(state)
          (V(read), V(partial), V(failed) or V(absent)), C(records) (records read) and C(reason) (why it is
          partial or failed, empty otherwise).
      returned: always
      type: dict
      sample:
        platform: linux
        sources:
          - {source: dpkg, state: read, records: 847, reason: ""}
          - {source: rpm, state: absent, records: 0, reason: ""}
          - source: flatpak
            state: partial
            records: 2
            reason: "flatpak user bob /home/bob/.local/share/flatpak/app/org.example.App/current/active/deploy:
              bad deploy framing"
          - source: snap
            state: failed
            records: 0
            reason: snaps are installed but snapd is not running (or the image is offline)
          - {source: app_bundle, state: absent, records: 0, reason: ""}
          - {source: pkgutil, state: absent, records: 0, reason: ""}
          - {source: blocks, state: read, records: 1, reason: ""}
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils import block_files
from ansible_collections.interdict.bans.plugins.module_utils.contract import evidence, source_state
from ansible_collections.interdict.bans.plugins.module_utils.facts_linux import (
    read_dpkg,
    read_flatpak,
    read_rpm,
    read_snap,
)
from ansible_collections.interdict.bans.plugins.module_utils.facts_macos import read_app_bundle, read_pkgutil
from ansible_collections.interdict.bans.plugins.module_utils.facts_posix import PosixHost, SourceFailed, gaps_reason

READERS = {
    "dpkg": read_dpkg,
    "rpm": read_rpm,
    "flatpak": read_flatpak,
    "snap": read_snap,
    "app_bundle": read_app_bundle,
    "pkgutil": read_pkgutil,
}
ALL_SOURCES = tuple(READERS)
READ = ("read", "partial")


def gather(module, root, sources):
    """Records, blocks and the evidence (one source state per source asked for, and the blocks)."""
    host = PosixHost(module, root)
    software, states = [], []
    for source in ALL_SOURCES:
        if source not in sources:
            continue
        gaps = []
        try:
            records = READERS[source](host, gaps)
        except (SourceFailed, OSError) as exc:
            states.append(source_state(source, "failed", reason=str(exc)))
            continue
        if records is None:
            states.append(source_state(source, "absent"))
            continue
        software.extend(records)
        state = "partial" if gaps else "read"
        states.append(source_state(source, state, len(records), gaps_reason(gaps) if gaps else ""))
    try:
        blocks, errors = block_files.read_blocks(host)
    except OSError as exc:
        blocks, errors = {method: [] for method in block_files.METHODS}, [str(exc)]
    count = sum(len(entries) for entries in blocks.values())
    if errors:
        states.append(source_state("blocks", "partial" if count else "failed", count, gaps_reason(errors)))
    else:
        states.append(source_state("blocks", "read", count))
    return software, blocks, evidence(host.platform(), states)


def main():
    module = AnsibleModule(
        argument_spec={
            "sources": {"type": "list", "elements": "str", "choices": list(ALL_SOURCES), "default": list(ALL_SOURCES)},
            "root": {"type": "path", "default": "/"},
        },
        supports_check_mode=True,
    )
    root = module.params["root"]
    if not os.path.isdir(root):
        module.fail_json(msg="root: %s is not a directory" % root)
    software, blocks, sources = gather(module, root, set(module.params["sources"]))
    facts = {"interdict_software": software, "interdict_blocks": blocks, "interdict_sources": sources}
    software_states = [item for item in sources["sources"] if item["source"] in READERS]
    if not any(item["state"] in READ for item in software_states):
        module.fail_json(
            msg="no software source could be read under %s (%s)"
            % (
                root,
                "; ".join(
                    "%s: %s%s" % (item["source"], item["state"], ": " + item["reason"] if item["reason"] else "")
                    for item in software_states
                ),
            ),
            ansible_facts=facts,
        )
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == "__main__":
    main()
