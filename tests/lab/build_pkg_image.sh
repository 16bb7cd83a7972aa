#!/usr/bin/env bash
# Build the image of the rpm/dnf and flatpak lab hosts: the shared base image
# (build_image.sh, never rebuilt here) plus Debian's rpm, dnf, createrepo-c,
# flatpak and ostree. With rpm's database moved to /var/lib/rpm, as on RHEL
# (Debian's rpm keeps it in ~/.rpmdb), and /etc/yum.repos.d made (Debian's
# dnf lacks it), a container of it stands in for a RHEL-family host; with
# flatpak it is a desktop with flatpak apps. One image for both, built once:
# the scenarios enforce_rpm and enforce_flatpak share it.
# Cached: does nothing when the image exists with this version.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$LAB_DIR/podman.conf}"
BASE="${INTERDICT_LAB_IMAGE:-localhost/interdict-debian:bookworm}"
IMAGE="${INTERDICT_PKG_IMAGE:-localhost/interdict-pkg:bookworm}"
# dbus: flatpak asks the system bus about parental controls before a per-user install.
PACKAGES="rpm dnf createrepo-c flatpak ostree dbus"
# Bump when PACKAGES or the steps below change: an older image is rebuilt.
PKG_IMAGE_VERSION=2

if podman image exists "$IMAGE"; then
  version="$(podman image inspect --format '{{ index .Labels "interdict.pkg.version" }}' "$IMAGE" 2>/dev/null || true)"
  [ "$version" = "$PKG_IMAGE_VERSION" ] && { echo "image $IMAGE present"; exit 0; }
  echo "image $IMAGE is an older lab image (version '${version}'), rebuilding"
fi

CONTEXT="$(mktemp -d /var/tmp/interdict-pkg-image.XXXXXX)"
trap 'rm -rf "$CONTEXT"' EXIT
printf '%s\n' '# As on RHEL: the rpm database in /var/lib/rpm (Debian keeps it in ~/.rpmdb).' \
  '%_dbpath /var/lib/rpm' >"$CONTEXT/macros"
cat >"$CONTEXT/Containerfile" <<CONTAINERFILE
FROM $BASE
COPY macros /etc/rpm/macros
RUN apt-get update -q && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES >/dev/null && \
    rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* && \
    mkdir -p /var/lib/rpm /etc/yum.repos.d && rpm --initdb
LABEL interdict.pkg.version=$PKG_IMAGE_VERSION
CMD ["/bin/sh"]
CONTAINERFILE
podman build --network host --tag "$IMAGE" "$CONTEXT"
echo "image $IMAGE built"
