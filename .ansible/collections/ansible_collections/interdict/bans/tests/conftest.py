"""Make `ansible_collections.interdict.bans` importable for pytest.

The repository is linked into `.collections/ansible_collections/interdict/bans`
(see the Makefile); Ansible's collection loader resolves imports from there,
exactly as it does when the collection is installed.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "interdict", "bans")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink("../../..", LINK)

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[COLLECTIONS])._install()
sys.path.insert(0, COLLECTIONS)
