#!/usr/bin/env bash
# Build the lab's base image: a minimal Debian bookworm with python3, made with
# debootstrap and imported into podman, because no image registry is reachable
# here. Cached: does nothing when the image already exists.
#
# On a machine that can pull images, skip this script and set
#   INTERDICT_LAB_IMAGE=docker.io/library/debian:bookworm
# (the lab installs python3 into it on first start).
set -euo pipefail

LAB_DIR="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$LAB_DIR/podman.conf}"
IMAGE="${INTERDICT_LAB_IMAGE:-localhost/interdict-debian:bookworm}"
MIRROR="${INTERDICT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$IMAGE"; then
  echo "image $IMAGE present"
  exit 0
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
debootstrap --variant=minbase --include=python3 bookworm "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 ||
  { tail -n 30 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"
# Smaller image, and apt inside the container never reaches for the network
# unless a scenario adds a source.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/bin/sh"]' - "$IMAGE"
echo "image $IMAGE built"
