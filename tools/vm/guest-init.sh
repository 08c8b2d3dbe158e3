#!/bin/busybox sh
# tools/vm/guest-init.sh - /init of the qemu lane's busybox initramfs.
#
# Stage 1, as pid 1 inside the guest: load the few modules that the Debian
# kernel builds as modules but a 9p root needs, build the root (the host's /
# over 9p, read-only, as the lower layer of an overlay whose upper layer is a
# tmpfs, so the guest may write anywhere and the host sees none of it), mount
# the run folder and the shared project folders read-write over the overlay at
# their host paths (so absolute build paths work unchanged), then run stage 2
# (tools/vm/guest-stage2.sh, copied into the run folder) chrooted into that
# root.  Whatever stage 2 does, this script records its exit status on the
# run folder and powers the machine off, so qemu always ends.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

die() { echo "fenceway-vm init: $*"; sync; poweroff -f; sleep 60; }

# Modules in dependency order (the runner wrote them decompressed, numbered).
for m in /lib/fw-modules/*.ko; do
  [ -e "$m" ] || continue
  insmod "$m" || die "insmod $m failed"
done

p9='trans=virtio,version=9p2000.L,msize=1048576'
mkdir -p /lower /upper /newroot
mount -t 9p -o "$p9,ro,cache=loose" fwroot /lower || die "cannot mount the host root (9p)"
mount -t tmpfs -o mode=0755 tmpfs /upper || die "tmpfs"
mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot \
  || die "cannot mount the overlay root"

R=/newroot
mount -t tmpfs -o mode=0755 tmpfs $R/run
mkdir -p $R/run/fw
mount -t 9p -o "$p9,cache=mmap" fwrun $R/run/fw || die "cannot mount the run folder"
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t debugfs debugfs $R/sys/kernel/debug
mount -t tmpfs -o mode=1777 tmpfs $R/tmp

# Shared folders: one "TAG PATH" per line, mounted at PATH (after /tmp, so a
# build folder under /tmp is shared too).
while read -r tag path; do
  [ -n "$tag" ] || continue
  mkdir -p "$R$path" 2>/dev/null
  mount -t 9p -o "$p9,cache=mmap" "$tag" "$R$path" || die "cannot mount share $tag at $path"
done < $R/run/fw/shares

chroot $R /bin/sh /run/fw/stage2.sh
echo $? > $R/run/fw/status
sync
umount $R/run/fw 2>/dev/null
poweroff -f
sleep 60
