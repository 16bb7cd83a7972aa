#!/usr/bin/env bash
# ansible-test sanity from a copy of the collection at ansible_collections/interdict/bans.
#
# Two things these machines lack are handled here, in the open:
# - ansible-test bootstraps pip in its venvs with a script from ci-files.testing.ansible.com;
#   where only PyPI is reachable, tests/sanity/get_pip.py takes its place in the cache.
# - PowerShell 7 (pwsh) is needed by pslint and by validate-modules for .ps1 modules. Where pwsh
#   is not installed, validate-modules runs on the Python modules only, and this says so.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tree="${TMPDIR:-/tmp}/interdict-bans-sanity/ansible_collections/interdict/bans"
ansible_test="$repo/.venv/bin/ansible-test"

rm -rf "$tree" && mkdir -p "$tree"
# A copy outside the repository: ansible-test lists files with git and would see an ignored tree as empty.
(cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
install -D -m 0644 "$repo/tests/sanity/get_pip.py" "$HOME/.ansible/test/cache/get_pip_24_2.py"
cd "$tree"

if command -v pwsh >/dev/null; then
  exec "$ansible_test" sanity --python 3.11 --color no
fi

echo "NOTE: pwsh (PowerShell 7) is not installed: pslint is skipped, and validate-modules checks the Python"
echo "      modules only. The .ps1 modules are parse-checked by tests/unit/test_powershell_parse.py."
"$ansible_test" sanity --python 3.11 --color no --skip-test pslint --skip-test validate-modules
"$ansible_test" sanity --python 3.11 --color no --test validate-modules plugins/modules/*.py
