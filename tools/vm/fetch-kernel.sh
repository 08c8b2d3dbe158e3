#!/usr/bin/env bash
# tools/vm/fetch-kernel.sh - put a Debian 6.12 kernel into the qemu lane's cache.
#
# Bookworm's own 6.1 kernel lacks DRM_IOCTL_SYNCOBJ_EVENTFD and udmabuf, so the
# lane boots the newest plain amd64 linux-image-6.12.*-amd64-unsigned from
# bookworm-backports/security.  It is never installed on the host: apt-get
# download + dpkg -x into the cache, then depmod -b so that `modprobe -d` finds
# its modules inside the guest.  Idempotent: with the newest version already
# extracted it only asks apt-cache (local, well under a second).
#
# Prints the kernel's cache folder (…/<version>) on stdout; messages go to
# stderr.  Exit 0 on success, 1 if no kernel could be had.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
cache=$(fw_vm_cache_dir)
mkdir -p "$cache"

log() { echo "fetch-kernel: $*" >&2; }

# Newest plain amd64 flavour (not -cloud, not -rt) that apt knows about.
newest_known() {
  apt-cache search --names-only '^linux-image-6\.12\..*-amd64-unsigned$' 2>/dev/null \
    | awk '{print $1}' | grep -E '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$' \
    | sort -V | tail -n1 || true
}
newest=$(newest_known)

# A fresh machine may never have fetched its package lists: fetch them once
# (only when nothing is cached, so a cached lane never touches the network).
if [ -z "$newest" ] && [ ! -f "$cache/current/.complete" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  log "no 6.12 kernel in apt's lists; running apt-get update once"
  $sudo apt-get update >/dev/null 2>&1 || true
  newest=$(newest_known)
fi

if [ -z "$newest" ]; then
  # No package lists (offline machine?): any kernel already cached will do.
  if [ -f "$cache/current/.complete" ]; then
    log "apt-cache lists no 6.12 kernel; using the cached $(basename "$(readlink -f "$cache/current")")"
    readlink -f "$cache/current"
    exit 0
  fi
  log "no linux-image-6.12.*-amd64-unsigned package known to apt (run apt-get update?)"
  exit 1
fi

version=${newest#linux-image-}
version=${version%-unsigned}          # e.g. 6.12.117+deb12-amd64
dir=$cache/$version

if [ ! -f "$dir/.complete" ]; then
  log "fetching $newest into $dir"
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download writes into the current directory; as root it warns that
  # the _apt user cannot write there, which is harmless.
  (cd "$tmp" && apt-get download -q "$newest" >&2 2>"$tmp/apt.log") || {
    cat "$tmp/apt.log" >&2; log "apt-get download $newest failed"; exit 1; }
  mkdir -p "$tmp/root"
  dpkg -x "$tmp"/*.deb "$tmp/root"
  [ -f "$tmp/root/boot/vmlinuz-$version" ] || { log "package has no boot/vmlinuz-$version"; exit 1; }
  depmod -b "$tmp/root" "$version"
  rm -rf "$dir"
  mv "$tmp/root" "$dir"
  touch "$dir/.complete"
  rm -rf "$tmp"
  trap - EXIT
fi
ln -sfn "$version" "$cache/current"
printf '%s\n' "$dir"
