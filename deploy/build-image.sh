#!/usr/bin/env bash
# Build the image for real on a machine with no Docker Hub (Debian 12, root), with buildah:
#   base:  debootstrap a minimal Debian bookworm once, import it as localhost/debian:bookworm
#   pip:   a wheelhouse of deploy/requirements.lock, downloaded on the host (whose CA pip trusts)
#          and mounted into the build, so the build needs no TLS to PyPI
# Both are cached in $KBE_CACHE (default /var/cache/kbe-deploy) between runs on one machine, and
# buildah's layer cache makes a code-only rebuild take seconds. Prints the build time and size.
# Usage: deploy/build-image.sh [TAG]   (default localhost/klaviyo-bill-explorer:dev)
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-localhost/klaviyo-bill-explorer:dev}"
cache="${KBE_CACHE:-/var/cache/kbe-deploy}"
export CONTAINERS_CONF="$PWD/deploy/containers.conf"
mkdir -p "$cache"

need=()
for tool in debootstrap:debootstrap buildah:buildah podman:podman runc:runc; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

start=$(date +%s)
if ! podman image exists localhost/debian:bookworm; then
  if [ ! -s "$cache/debian-bookworm.tar" ]; then
    rm -rf "$cache/rootfs.tmp"
    debootstrap --variant=minbase bookworm "$cache/rootfs.tmp" http://deb.debian.org/debian >"$cache/debootstrap.log"
    tar -C "$cache/rootfs.tmp" -c . >"$cache/debian-bookworm.tar.tmp"
    mv "$cache/debian-bookworm.tar.tmp" "$cache/debian-bookworm.tar"
    rm -rf "$cache/rootfs.tmp"
  fi
  podman import --quiet "$cache/debian-bookworm.tar" localhost/debian:bookworm >/dev/null
fi
base_done=$(date +%s)

mkdir -p "$cache/wheelhouse"
lock_sum=$(sha256sum deploy/requirements.lock | cut -d" " -f1)
if [ "$(cat "$cache/wheelhouse/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
  pip_python=python3
  [ -x .venv/bin/python ] && pip_python=.venv/bin/python
  "$pip_python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
    --require-hashes -r deploy/requirements.lock -d "$cache/wheelhouse" \
    2> >(grep -v "is ignored: it is neither" >&2)
  echo "$lock_sum" >"$cache/wheelhouse/.lock-sha256"
fi
wheels_done=$(date +%s)

buildah bud --quiet --isolation chroot --layers --format docker \
  --build-arg BASE_IMAGE=localhost/debian:bookworm \
  --volume "$cache/wheelhouse:/wheels:ro" \
  --secret id=hostca,src=/etc/ssl/certs/ca-certificates.crt \
  --tag "$tag" . >/dev/null
end=$(date +%s)

size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "image $tag: $((size / 1000000)) MB; build $((end - start)) s" \
  "(base $((base_done - start)) s, wheelhouse $((wheels_done - base_done)) s, buildah $((end - wheels_done)) s)"
