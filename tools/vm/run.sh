#!/usr/bin/env bash
# tools/vm/run.sh - run one command inside a qemu guest with a real 6.12 kernel.
#
#   tools/vm/run.sh [--share DIR]... [--timeout SECS] [--serial-log FILE]
#                   [--cwd DIR] [--] COMMAND [ARG]...
#
# The guest (VM-LANE.md): TCG, q35, 2 vCPUs, 4 GiB, a virtio-gpu-pci device;
# root = the host's / read-only over 9p under a tmpfs overlay, so every host
# package is there; each --share DIR (default: this repository) is mounted
# read-write at the same path; virtio_gpu and vgem are loaded.  The command
# sees FW_VM=1, FW_VM_CARD / FW_VM_RENDER (virtio-gpu primary and render
# nodes), FW_VM_VGEM (the vgem node) and runs as root in --cwd (default: the
# current folder) with sh -c semantics for a single argument, exec semantics
# for several.
#
# Prints the command's output (stdout and stderr together) on stdout and
# exits with its status.  Runner problems: 124 = timed out (default 300 s,
# or $FENCEWAY_VM_TIMEOUT), 125 = the guest never ran the command (the
# serial log's tail is printed), 77 = qemu or the kernel is unavailable here.
# A line "vm: boot X s, command Y s (from Z s), total T s" on stderr tells
# the cost (guest uptimes; T is qemu's wall time).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/common.sh"

shares=() timeout_s=${FENCEWAY_VM_TIMEOUT:-300} serial_log= cwd=$PWD
while (($#)); do
  case "$1" in
    --share) shares+=("$(cd "$2" && pwd)") || exit 2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --serial-log) serial_log=$2; shift 2 ;;
    --cwd) cwd=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
(($#)) || { echo "usage: run.sh [--share DIR]... [--timeout S] [--serial-log F] [--cwd D] -- CMD..." >&2; exit 2; }
((${#shares[@]})) || shares=("$repo")
# A share inside an earlier one is already there (a build dir in the tree).
uniq=()
for s in "${shares[@]}"; do
  inside=0
  for u in "${uniq[@]}"; do
    case "$s/" in "$u"/*) inside=1 ;; esac
  done
  ((inside)) || uniq+=("$s")
done
shares=("${uniq[@]}")

qemu=$(command -v qemu-system-x86_64) || { echo "vm: qemu-system-x86_64 is not installed" >&2; exit 77; }
# The initramfs has no libc: busybox must be the static build.
[ -x /bin/busybox ] && ! LC_ALL=C readelf -l /bin/busybox 2>/dev/null | grep -q 'program interpreter' \
  || { echo "vm: a static /bin/busybox (package busybox-static) is needed" >&2; exit 77; }
kdir=$("$here/fetch-kernel.sh") || { echo "vm: no guest kernel (tools/vm/fetch-kernel.sh failed)" >&2; exit 77; }
kver=$(basename "$kdir")
cache=$(dirname "$kdir")

# The initramfs: busybox, stage 1 and the modules a 9p+overlay root needs,
# decompressed (busybox insmod cannot read .ko.xz) and numbered in load
# order.  Built once per kernel and stage-1 script, into the cache.
init_sum=$(cat "$here/guest-init.sh" /bin/busybox | sha256sum | cut -c1-12)
initrd=$cache/initramfs-$kver-$init_sum.cpio
if [ ! -f "$initrd" ]; then
  work=$(mktemp -d "$cache/.initrd.XXXXXX")
  mkdir -p "$work"/{bin,dev,proc,sys,lib/fw-modules}
  cp /bin/busybox "$work/bin/busybox"
  cp "$here/guest-init.sh" "$work/init"
  chmod 755 "$work/init"
  n=0
  for mod in 9pnet_virtio 9p overlay; do
    modprobe -d "$kdir" -S "$kver" --show-depends "$mod" | while read -r kind path _; do
      [ "$kind" = insmod ] || continue
      echo "$path"
    done
  done | awk '!seen[$0]++' > "$work/order"
  while read -r path; do
    name=$(basename "$path"); name=${name%.xz}; name=${name%.zst}
    case "$path" in
      *.xz) xz -dc "$path" ;;
      *.zst) zstd -dcq "$path" ;;
      *) cat "$path" ;;
    esac > "$work/lib/fw-modules/$(printf %02d $n)-$name" || { rm -rf "$work"; echo "vm: cannot unpack $path" >&2; exit 125; }
    n=$((n + 1))
  done < "$work/order"
  rm "$work/order"
  (cd "$work" && find . | LC_ALL=C sort | cpio -o -H newc --quiet > "$work.cpio") \
    || { rm -rf "$work" "$work.cpio"; echo "vm: cpio failed" >&2; exit 125; }
  mv "$work.cpio" "$initrd"
  rm -rf "$work"
fi

run=$(mktemp -d "${TMPDIR:-/tmp}/fenceway-vm.XXXXXX")
trap 'rm -rf "$run"' EXIT
cp "$here/guest-stage2.sh" "$run/stage2.sh"
{
  printf 'FW_VM_KDIR=%q\nFW_VM_KVER=%q\nFW_VM_CWD=%q\n' "$kdir" "$kver" "$cwd"
} > "$run/env"
if (($# == 1)); then
  printf '%s\n' "$1" > "$run/cmd"
else
  { printf 'exec'; printf ' %q' "$@"; printf '\n'; } > "$run/cmd"
fi
: > "$run/output"

p9=(security_model=none multidevs=remap)
args=(
  -accel tcg,thread=multi -cpu max -machine q35 -m 4G -smp 2
  -nodefaults -no-reboot -nographic -display none -monitor none
  -serial "file:$run/serial.log"
  -kernel "$kdir/boot/vmlinuz-$kver" -initrd "$initrd"
  -append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init"
  -device virtio-gpu-pci
  -fsdev "local,id=fwroot,path=/,readonly=on,$(IFS=,; echo "${p9[*]}")"
  -device virtio-9p-pci,fsdev=fwroot,mount_tag=fwroot
  -fsdev "local,id=fwrun,path=$run,$(IFS=,; echo "${p9[*]}")"
  -device virtio-9p-pci,fsdev=fwrun,mount_tag=fwrun
)
: > "$run/shares"
i=0
for s in "${shares[@]}"; do
  case "$s" in *,*|*' '*) echo "vm: cannot share a path with a comma or space: $s" >&2; exit 2 ;; esac
  args+=(-fsdev "local,id=fwshare$i,path=$s,$(IFS=,; echo "${p9[*]}")"
         -device "virtio-9p-pci,fsdev=fwshare$i,mount_tag=fwshare$i")
  printf 'fwshare%d %s\n' "$i" "$s" >> "$run/shares"
  i=$((i + 1))
done

# A guest kernel under TCG occasionally oopses while it boots (seen here:
# sched_clock_cpu during early initcalls), before our init ever runs.  That
# is the emulator's flake, not a result: boot again, at most twice more.  A
# boot that reached stage 2 is never repeated, so the command runs once.
start=$(date +%s.%N)
for attempt in 1 2 3; do
  rm -f "$run/boot-uptime" "$run/status" "$run/cmd-start" "$run/cmd-end"
  : > "$run/output"
  timeout --kill-after=10 "$timeout_s" "$qemu" "${args[@]}" </dev/null >"$run/qemu.log" 2>&1
  qrc=$?
  if [ -e "$run/boot-uptime" ] || [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    break
  fi
  echo "vm: boot attempt $attempt never reached the guest's init (qemu exit $qrc); serial log tail:" >&2
  tail -n 8 "$run/serial.log" >&2
done
end=$(date +%s.%N)
[ -n "$serial_log" ] && cp "$run/serial.log" "$serial_log"

cat "$run/output"
# Guest uptimes: stage 2 started (boot), command started and ended.
boot=$(cat "$run/boot-uptime" 2>/dev/null || echo '?')
c0=$(cat "$run/cmd-start" 2>/dev/null || echo 0)
c1=$(cat "$run/cmd-end" 2>/dev/null || echo 0)
awk -v b="$boot" -v c0="$c0" -v c1="$c1" -v s="$start" -v e="$end" 'BEGIN {
  printf "vm: boot %s s, command %.1f s (from %.1f s), total %.1f s\n",
    b, c1 - c0, c0, e - s }' >&2

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
  echo "vm: timed out after $timeout_s s; serial log tail:" >&2
  tail -n 30 "$run/serial.log" >&2
  exit 124
fi
if [ ! -s "$run/status" ]; then
  echo "vm: the guest did not run the command (qemu exit $qrc); qemu said:" >&2
  tail -n 10 "$run/qemu.log" >&2
  echo "vm: serial log tail:" >&2
  tail -n 40 "$run/serial.log" >&2
  exit 125
fi
exit "$(cat "$run/status")"
