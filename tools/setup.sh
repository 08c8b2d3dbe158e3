#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine: installs the Debian
# packages fenceway needs (only those missing).  Safe to run again and again.
#
#   bash tools/setup.sh --demo   # README command 1 (tools/demo.sh): build,
#                                # the Wayland stack, and what the demo runs
#                                # and draws with
#   bash tools/setup.sh --test   # README command 2 (tools/test.sh): all of
#                                # the above, the test-only clients, valgrind,
#                                # the qemu lane and its guest kernel
# Without an argument: --test (everything).  --list (after the mode) prints
# the mode's packages, one a line, then "guest-kernel: yes|no", and
# installs nothing.
#
# One package per line, grouped under a comment: a package the tests need
# but the demo does not goes into TEST_PACKAGES.
set -euo pipefail

mode=test
list=no
for arg in "$@"; do
  case "$arg" in
    --demo) mode=demo ;;
    --test) mode=test ;;
    --list) list=yes ;;
    *) echo "usage: $0 [--demo|--test] [--list]" >&2; exit 2 ;;
  esac
done

DEMO_PACKAGES=(
  # build
  build-essential
  meson
  ninja-build
  pkg-config
  python3
  # wlroots 0.15 and the Wayland stack
  libwlroots-dev
  libwayland-dev
  wayland-protocols
  libxkbcommon-dev
  libpixman-1-dev
  libdrm-dev
  libinput-dev
  libudev-dev
  libseat-dev
  libegl-dev
  libgles-dev
  libgbm-dev
  libegl1-mesa
  libgl1-mesa-dri
  # the demo: its labels (cairo + pango into shm buffers, one font) and
  # the third-party clients it runs (wayland-info, grim for the screenshot)
  libcairo2-dev
  libpango1.0-dev
  fonts-dejavu-core
  wayland-utils
  grim
  # tools/fenceway-trace-plot draws the trace's picture with cairo
  python3-cairo
)

TEST_PACKAGES=(
  # third-party clients only the tests run
  weston
  wl-clipboard
  foot
  gtk-3-examples
  # the Wayland Conformance Test Suite (tests/wlcs)
  wlcs
  # the peer compositors of bench/peers (cage needs Xwayland)
  sway
  cage
  xwayland
  # the fuzz lane: clang 14 and its libFuzzer runtime (libclang_rt.fuzzer)
  clang-14
  libclang-rt-14-dev
  # the qemu lane (a real kernel for KMS / sync_file / syncobj)
  qemu-system-x86
  busybox-static
  cpio
  kmod
  seatd
  # the qemu lane records fenceway's trace_marker beside dma_fence events
  trace-cmd
  # the valgrind lane
  valgrind
)

packages=("${DEMO_PACKAGES[@]}")
if [ "$mode" = test ]; then
  packages+=("${TEST_PACKAGES[@]}")
fi

if [ "$list" = yes ]; then
  printf '%s\n' "${packages[@]}"
  echo "guest-kernel: $([ "$mode" = test ] && echo yes || echo no)"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup ($mode): installing ${missing[*]}"
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

if [ "$mode" = test ]; then
  bash "$(dirname "$0")/vm/fetch-kernel.sh" >/dev/null ||
    echo "setup: no guest kernel cached; the qemu lane (vm suite) will skip" >&2
fi
