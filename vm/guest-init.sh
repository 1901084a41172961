#!/bin/busybox sh
# PID 1 of the test guest (busybox initramfs). Loads the modules, mounts the host's root
# read-only over 9p at /newroot with fresh tmpfs on /tmp /run /var/tmp, mounts the run
# directory read-write at its host path, runs the test script chrooted into the host root,
# prints VMTEST_EXIT=<rc> on the console and powers off. Every guest process ends with the guest.
#
# Kernel command line: vmtest=SCRIPT (a path in the host fs), vmwork=DIR (the read-write share),
# vmtmp=SIZE (size of the guest's /tmp tmpfs; it is RAM, so small guests need a small /tmp),
# vmkeep=DIR (a host directory under /tmp, e.g. a checkout there, to keep visible, read-only,
# at its own path inside the guest's fresh /tmp), vmsystemd=1 (systemd mode: after the modules
# and these settings, /init-systemd, i.e. guest-init-systemd.sh, takes over and never returns).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "[init] $(cut -d' ' -f1 /proc/uptime)s: loading modules"
for m in $(cat /modules.list); do
    # 16 NBD devices: the deadlock test uses two as RAID1 members beside a plain one.
    case $m in nbd.ko) insmod /lib/modules/$m nbds_max=16 ;; *) insmod /lib/modules/$m ;; esac \
        || echo "[init] insmod $m failed"
done

VMTEST=; WORKDIR=/tmp/wbgov-vm; TMPSIZE=50%
for a in $(cat /proc/cmdline); do
    case $a in
        vmtest=*) VMTEST=${a#vmtest=} ;;
        vmwork=*) WORKDIR=${a#vmwork=} ;;
        vmtmp=*) TMPSIZE=${a#vmtmp=} ;;
        vmkeep=*) KEEP=${a#vmkeep=} ;;
        vmsystemd=1) SYSTEMD=1 ;;
    esac
done
# shellcheck disable=SC1091
[ -n "$SYSTEMD" ] && . /init-systemd

R=/newroot
# Host root, read-only, with page caching (the host does not change it during a run).
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro hostroot $R \
    || { echo "[init] FATAL: 9p mount of the host root failed"; echo "VMTEST_EXIT=98"; poweroff -f; }
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm 2>/dev/null
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
# A checkout under the host's /tmp (CI may clone there) stays visible: keep a handle on the
# host's /tmp before the guest's own tmpfs hides it, then bind that one directory back.
if [ -n "$KEEP" ]; then
    mkdir -p /hosttmp && mount -o bind $R/tmp /hosttmp
fi
mount -t tmpfs -o mode=1777,size=$TMPSIZE tmpfs $R/tmp
if [ -n "$KEEP" ]; then
    mkdir -p $R$KEEP && mount -o bind /hosttmp/${KEEP#/tmp/} $R$KEEP \
        || echo "[init] could not keep $KEEP visible"
fi
for d in run var/tmp; do mount -t tmpfs -o mode=1777,size=64m tmpfs $R/$d; done
# /root stays the host's (read-only): the tests run jars from /root/.m2. HOME is a fresh directory.
mkdir -p -m 700 $R/tmp/home
# The run directory, read-write and uncached (the host reads what the guest writes).
mkdir -p $R$WORKDIR 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 work $R$WORKDIR \
    || echo "[init] work share mount failed"
ip link set lo up
hostname vmguest

echo "[init] $(cut -d' ' -f1 /proc/uptime)s: starting $VMTEST"
rc=97
if [ -n "$VMTEST" ]; then
    chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/tmp/home TERM=dumb LC_ALL=C WBGOV_VM_WORK=$WORKDIR /bin/bash "$VMTEST"
    rc=$?
fi
echo "[init] $(cut -d' ' -f1 /proc/uptime)s: test finished rc=$rc"
echo "VMTEST_EXIT=$rc"
# Bounded: after a hung run (the deadlock bench) sync never returns, and the guest must still end.
sync & s=$!
for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $s 2>/dev/null || break; sleep 1; done
umount $R$WORKDIR 2>/dev/null
poweroff -f
