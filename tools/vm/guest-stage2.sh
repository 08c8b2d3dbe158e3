#!/bin/sh
# tools/vm/guest-stage2.sh - stage 2 of the qemu lane's guest, run chrooted
# into the overlay root (the host's userland) by guest-init.sh.
#
# Loads the DRM drivers from the cached Debian kernel (modprobe -d: the host's
# own /lib/modules belong to another kernel), finds the devices by driver
# name (vgem may well take card0), exports them to the command, and runs the
# command with its output on the run folder.  Our exit status is the
# command's; stage 1 records it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
. /run/fw/env    # FW_VM_KDIR FW_VM_KVER FW_VM_CWD

# Every exec costs under TCG: shell builtins where they do.
uptime_to() { read -r up _ < /proc/uptime; echo "$up" > "$1"; }
uptime_to /run/fw/boot-uptime

modprobe -a -d "$FW_VM_KDIR" -S "$FW_VM_KVER" virtio_gpu vgem \
  || echo "fenceway-vm: modprobe virtio_gpu vgem failed" >> /run/fw/output

# The driver of a DRM minor.  virtio-gpu's minors hang off the PCI device
# (driver virtio-pci), whose virtioN child is bound to virtio_gpu; vgem
# registers a bare platform device with no driver: use the device's name.
drm_driver() {
  drv=$(readlink "$1/device/driver")
  case "$drv" in
    */virtio-pci) for v in "$1"/device/virtio*/driver; do drv=$(readlink "$v"); done ;;
    '') drv=$(readlink "$1/device") ;;
  esac
  echo "${drv##*/}"
}

# Device nodes appear as the drivers probe; give them a few seconds.
i=0
while [ $i -lt 50 ]; do
  FW_VM_CARD= FW_VM_RENDER= FW_VM_VGEM=
  for d in /sys/class/drm/card[0-9]* /sys/class/drm/renderD[0-9]*; do
    name=${d##*/}
    case "$name" in *-*) continue ;; esac   # connectors (card0-Virtual-1)
    [ -e "/dev/dri/$name" ] || continue
    case "$(drm_driver "$d"):$name" in
      virtio_gpu:card*)    FW_VM_CARD=/dev/dri/$name ;;
      virtio_gpu:renderD*) FW_VM_RENDER=/dev/dri/$name ;;
      vgem:card*)          FW_VM_VGEM=/dev/dri/$name ;;
    esac
  done
  [ -n "$FW_VM_CARD" ] && [ -n "$FW_VM_RENDER" ] && [ -n "$FW_VM_VGEM" ] && break
  sleep 0.1
  i=$((i + 1))
done
export FW_VM_CARD FW_VM_RENDER FW_VM_VGEM FW_VM_KDIR FW_VM_KVER
export FW_VM=1

cd "$FW_VM_CWD" 2>/dev/null || cd /
uptime_to /run/fw/cmd-start
sh /run/fw/cmd >> /run/fw/output 2>&1
rc=$?
uptime_to /run/fw/cmd-end
exit $rc
