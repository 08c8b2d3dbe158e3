#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine: installs every Debian
# package fenceway needs (only those missing), then configures the build
# directory given as $1 (default: build).  Safe to run again and again.
set -euo pipefail

PACKAGES=(
  # build
  build-essential meson ninja-build pkg-config python3
  # wlroots 0.15 and the Wayland stack
  libwlroots-dev libwayland-dev wayland-protocols libxkbcommon-dev
  libpixman-1-dev libdrm-dev libinput-dev libudev-dev libseat-dev
  libegl-dev libgles-dev libgbm-dev libegl1-mesa libgl1-mesa-dri
  # real third-party clients used by the tests and the demo
  wayland-utils grim weston wl-clipboard foot gtk-3-examples
  # the Wayland Conformance Test Suite (tests/wlcs)
  wlcs
  # the peer compositors of bench/peers (cage needs Xwayland) and its chart
  sway cage xwayland python3-cairo
  # the qemu lane (DESIGN: real kernel for KMS / sync_file / syncobj)
  qemu-system-x86 busybox-static cpio kmod seatd
  # tools/fenceway-trace-plot draws with cairo
  python3-cairo
  # sanitizer and valgrind lanes
  valgrind
  # the fuzz lane: clang 14 and its libFuzzer runtime (libclang_rt.fuzzer)
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/fenceway-apt.log 2>&1; then
    $SUDO apt-get update >>/tmp/fenceway-apt.log 2>&1
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/fenceway-apt.log 2>&1 || {
      echo "setup: apt-get install failed; see /tmp/fenceway-apt.log" >&2
      tail -20 /tmp/fenceway-apt.log >&2
      exit 1
    }
  fi
fi
bash "$(dirname "$0")/vm/fetch-kernel.sh" >/dev/null || echo "setup: no guest kernel cached; the qemu lane (vm suite) will skip" >&2
