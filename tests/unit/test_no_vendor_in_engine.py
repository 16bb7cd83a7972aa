"""The generic path names no vendor: a ban that needs a secret or a vendor tool is one more ban file.

Everything about a banned product (its names, order, secrets, residue keys,
vendor tool) lives in bans/*.yml and its own role; the action plugins, the
modules and the engine role take it from there as data.
"""

from __future__ import annotations

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERIC = ("plugins/action", "plugins/modules", "roles/engine")
VENDOR = re.compile(r"kaspersky", re.IGNORECASE)


def generic_files():
    found = []
    for top in GENERIC:
        for directory, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            found.extend(os.path.join(directory, name) for name in files)
    return sorted(found)


def vendor_mentions(text):
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if VENDOR.search(line)]


def test_the_generic_path_has_files():
    names = {os.path.relpath(path, ROOT) for path in generic_files()}
    assert {"plugins/action/win_software_apply.py", "plugins/modules/win_software_apply.ps1"} <= names
    assert any(name.startswith("roles/engine/tasks/") for name in names)


@pytest.mark.parametrize("path", generic_files(), ids=lambda p: os.path.relpath(p, ROOT))
def test_no_vendor_named(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        mentions = vendor_mentions(handle.read())
    assert not mentions, f"{os.path.relpath(path, ROOT)} names a vendor: " + "; ".join(
        f"line {number}: {line[:80]}" for number, line in mentions
    )


def test_a_mention_is_found_in_any_case():
    assert vendor_mentions("a\nsecret: KASPERSKY_kes_password\n") == [(2, "secret: KASPERSKY_kes_password")]
    assert not vendor_mentions("secrets: {{ engine_secrets }}\n")
