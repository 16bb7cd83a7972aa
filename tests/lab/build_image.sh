#!/usr/bin/env bash
# Build the lab's base image: a minimal Debian bookworm with python3, made with
# debootstrap and imported into podman, because no image registry is reachable
# here. Cached: does nothing when the image already exists.
#
# On a machine that can pull images, skip this script and set
#   INTERDICT_LAB_IMAGE=docker.io/library/debian:bookworm
# (the lab's prepare step installs python3 into it; apt and package_facts
# install python3-apt themselves when they need it).
set -euo pipefail

LAB_DIR="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$LAB_DIR/podman.conf}"
IMAGE="${INTERDICT_LAB_IMAGE:-localhost/interdict-debian:bookworm}"
MIRROR="${INTERDICT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# python3 for Ansible; python3-apt for the apt and package_facts modules the
# benchmark's naive baseline uses (a Debian desktop has it too).
PACKAGES="python3,python3-apt"
# Bump when PACKAGES or the steps below change: an older image is rebuilt.
LAB_IMAGE_VERSION=2

if podman image exists "$IMAGE"; then
  version="$(podman image inspect --format '{{ index .Labels "interdict.lab.version" }}' "$IMAGE" 2>/dev/null || true)"
  case "$IMAGE" in
    localhost/*) [ "$version" = "$LAB_IMAGE_VERSION" ] && { echo "image $IMAGE present"; exit 0; } ;;
    *) echo "image $IMAGE present"; exit 0 ;;
  esac
  echo "image $IMAGE is an older lab image (version '${version}'), rebuilding"
fi

case "$IMAGE" in
  localhost/*) ;;
  *)
    echo "pulling $IMAGE"
    exec podman pull "$IMAGE"
    ;;
esac

if [ "$(id -u)" != 0 ]; then
  echo "build_image.sh: debootstrap needs root (or set INTERDICT_LAB_IMAGE to a pullable image)" >&2
  exit 1
fi

ROOTFS="$(mktemp -d /var/tmp/interdict-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
echo "debootstrap bookworm into $ROOTFS"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 ||
  { tail -n 30 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"
# Smaller image, and apt inside the container never reaches for the network
# unless a scenario adds a source.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/bin/sh"]' \
  --change "LABEL interdict.lab.version=$LAB_IMAGE_VERSION" - "$IMAGE"
echo "image $IMAGE built"
