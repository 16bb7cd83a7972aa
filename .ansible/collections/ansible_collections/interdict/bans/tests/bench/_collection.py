"""Import the collection from the repository for benchmarks run as plain scripts."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
import tests.conftest  # noqa: E402,F401  (installs the collection finder)
