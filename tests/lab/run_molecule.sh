#!/usr/bin/env bash
# Run every Molecule scenario under extensions/molecule, one after the other,
# and fail when any of them fails. `make molecule` calls this.
#
#   tests/lab/run_molecule.sh            every scenario
#   tests/lab/run_molecule.sh enforce    only the named ones
#
# The windows scenario needs a real Windows host: it runs only when
# INTERDICT_WINDOWS_HOST names one (docs/windows.md) and is reported as
# skipped otherwise.
set -uo pipefail

LAB_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$LAB_DIR/../.." && pwd)"
cd "$ROOT" || exit 1

export CONTAINERS_CONF="${CONTAINERS_CONF:-$LAB_DIR/podman.conf}"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$ROOT/.collections:$ROOT/.venv/lib/python3.11/site-packages}"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 NO_COLOR=1

"$LAB_DIR/lab_assets.sh" || exit 1

if [ "$#" -gt 0 ]; then
  scenarios=("$@")
else
  mapfile -t scenarios < <(find extensions/molecule -mindepth 2 -name molecule.yml -printf '%h\n' |
    sed 's|^extensions/molecule/||' | sort)
fi

passed=() failed=() skipped=()
for scenario in "${scenarios[@]}"; do
  if [ "$scenario" = windows ] && [ -z "${INTERDICT_WINDOWS_HOST:-}" ]; then
    echo "== molecule: windows SKIPPED (no Windows host: set INTERDICT_WINDOWS_HOST, see docs/windows.md)"
    skipped+=("$scenario")
    continue
  fi
  echo "== molecule test -s $scenario"
  start=$SECONDS
  if molecule test -s "$scenario"; then
    passed+=("$scenario ($((SECONDS - start))s)")
  else
    failed+=("$scenario ($((SECONDS - start))s)")
  fi
done

echo "== molecule summary"
for s in "${passed[@]}"; do echo "passed:  $s"; done
for s in "${skipped[@]}"; do echo "skipped: $s"; done
for s in "${failed[@]}"; do echo "FAILED:  $s"; done
[ "${#failed[@]}" -eq 0 ]
