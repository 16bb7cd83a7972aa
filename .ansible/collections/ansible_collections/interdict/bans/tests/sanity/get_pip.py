"""Offline-friendly stand-in for pypa's get-pip.py, used by ansible-test.

ansible-test bootstraps pip into its sanity venvs with a get-pip script it
downloads from ci-files.testing.ansible.com. Where only PyPI is reachable,
`make sanity` puts this file in ansible-test's cache instead: it installs the
pip that ships with Python (ensurepip), then lets that pip install what
ansible-test asked for (the pinned pip, from PyPI).
"""

import subprocess
import sys

# get-pip.py's own switches, which plain `pip install` does not know.
OWN_SWITCHES = {"--no-setuptools", "--no-wheel"}

# In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in its own
# environment, and the pip run below must see the machine's pip configuration.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [arg for arg in sys.argv[1:] if arg not in OWN_SWITCHES]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
