#!/bin/bash
# Builds the test guest: Debian's own kernel (it has nbd.ko, md-mod.ko, raid1.ko, which this
# project's hosts lack) plus a tiny busybox initramfs that mounts the host's root read-only over
# virtio-9p. Adapted from the shared example; the project owns its copy so that its tests never
# depend on anything outside the repository.
#
# Usage: vm/build-guest.sh [KDIR]      (default $WBGOV_VM_CACHE or /tmp/wbgov-vm-cache)
# Outputs KDIR/vmlinuz, KDIR/initrd.img. The ~70 MB kernel package is fetched once and kept in
# KDIR (outside target/, so `mvn clean` does not refetch it); the initramfs is rebuilt only when
# this script, guest-init.sh or guest-init-systemd.sh changed. Safe to run concurrently (flock).
set -euo pipefail
SRC=$(dirname "$(realpath "$0")")
KDIR=${1:-${WBGOV_VM_CACHE:-/tmp/wbgov-vm-cache}}
mkdir -p "$KDIR"
cd "$KDIR"
# One builder at a time: parallel test runs share the cache.
exec 9>"$KDIR/.lock"
flock 9

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)   # must be the static one: the initramfs has no libc
command -v depmod >/dev/null || need+=(kmod)
command -v cpio >/dev/null || need+=(cpio)
command -v nbd-client >/dev/null || need+=(nbd-client)
command -v mdadm >/dev/null || need+=(mdadm)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "build-guest: missing Debian packages: ${need[*]} (./wbgov test installs them)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Kernel: download the .deb that linux-image-amd64 depends on and unpack it here (not installed:
# no initramfs or bootloader hooks run on the host).
if ! ls kpkg/boot/vmlinuz-* >/dev/null 2>&1; then
    # WBGOV_VM_KERNEL: another kernel meta-package, e.g. linux-image-6.12-amd64 (bookworm-backports:
    # the bdi max_bytes/strict_limit knobs the governor sets exist only from 6.2). Use its own
    # WBGOV_VM_CACHE: the cache holds one kernel.
    pkg() { apt-cache depends "${WBGOV_VM_KERNEL:-linux-image-amd64}" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
    PKG=$(pkg)
    [ -n "$PKG" ] || { apt-get update -qq; PKG=$(pkg); }
    [ -n "$PKG" ] || { echo "build-guest: cannot resolve linux-image-amd64 (apt sources?)" >&2; exit 1; }
    rm -f ./*.deb
    apt-get download "$PKG"
    rm -rf kpkg.tmp
    mkdir kpkg.tmp
    dpkg -x ./"${PKG}"_*.deb kpkg.tmp
    rm -rf kpkg
    mv kpkg.tmp kpkg
    rm -f ./*.deb        # the unpacked tree is the cache; the .deb is not needed again
fi
KV=$(ls kpkg/lib/modules | head -1)

# Rebuild the initramfs only when its inputs changed (a test run calls this every time).
SUM=$(cat "$SRC/build-guest.sh" "$SRC/guest-init.sh" "$SRC/guest-init-systemd.sh" | sha256sum | cut -c1-16)-$KV
if [ -f initrd.img ] && [ -f vmlinuz ] && [ "$(cat initrd.sum 2>/dev/null)" = "$SUM" ]; then
    echo "guest: $KDIR/vmlinuz ($KV), $KDIR/initrd.img (cached)"
    exit 0
fi
cp kpkg/boot/vmlinuz-"$KV" vmlinuz
depmod -b "$KDIR"/kpkg "$KV"

# Modules in dependency order (modprobe --show-depends resolves them): 9p for the host root, nbd
# for the client under test, ext4 for the file system, md-mod + raid1 for the deadlock test,
# virtio_blk for its scratch disk (the servers' page-cached backing store), loop for the fast
# tmpfs-backed device beside the governed one, overlay for the systemd mode's throwaway root.
MODS="virtio_pci 9pnet_virtio 9p virtio_blk loop nbd ext4 md_mod raid1 overlay"
rm -rf initrd
mkdir -p initrd/{bin,dev,proc,sys,newroot,lib/modules}
: > initrd/modules.list
for m in $MODS; do
    modprobe -d "$KDIR"/kpkg -S "$KV" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
    b=$(basename "$ko")
    cp "$ko" initrd/lib/modules/"$b"
    echo "$b" >> initrd/modules.list
done
cp /bin/busybox initrd/bin/busybox
cp "$SRC"/guest-init.sh initrd/init
# The systemd mode's init, sourced by /init (run-guest.sh -s: vmsystemd=1).
cp "$SRC"/guest-init-systemd.sh initrd/init-systemd
chmod 755 initrd/init initrd/init-systemd initrd/bin/busybox
(cd initrd && find . | cpio -o -H newc 2>/dev/null | gzip -1) > initrd.img.tmp
mv initrd.img.tmp initrd.img
echo "$SUM" > initrd.sum
rm -rf initrd
echo "guest: $KDIR/vmlinuz ($KV), $KDIR/initrd.img ($(du -h initrd.img | cut -f1))"
echo "modules: $MODS (and their dependencies)"
