#!/usr/bin/env bash
# Everything a lab container needs before it starts, each step cached:
# the collection link Ansible resolves `interdict.bans` through, the base
# image and the apt repository of test packages. Molecule runs this as its
# dependency step, so `molecule test -s NAME` works on its own.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$LAB_DIR/../.." && pwd)"

LINK="$ROOT/.collections/ansible_collections/interdict/bans"
if [ ! -e "$LINK" ]; then
  mkdir -p "$(dirname "$LINK")"
  ln -sfn ../../.. "$LINK"
fi

"$LAB_DIR/build_image.sh"
python3 "$LAB_DIR/build_debs.py"
# The rpm/dnf and flatpak lab hosts: their image (derived from the base one),
# the test rpms with their dnf repository, and the flatpak repository.
"$LAB_DIR/build_pkg_image.sh"
python3 "$LAB_DIR/build_rpms.py"
python3 "$LAB_DIR/build_flatpaks.py"
