"""Make the collection importable for benchmarks run as plain scripts.

Importing this module puts the repository on sys.path and installs Ansible's
collection finder over the repository's `.collections` link (tests/conftest.py).
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import tests.conftest  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
