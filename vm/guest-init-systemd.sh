#!/bin/busybox sh
# The systemd mode's init (`vm/run-guest.sh -s`, kernel command line vmsystemd=1): the host's
# own systemd becomes PID 1 in a throwaway root, so that a guest script can install a .deb and
# drive its service the way systemd really runs it (Type=notify, reload, watchdog, journal).
# Adapted from a shared worked example; the project owns its copy.
#
# 1. (guest-init.sh) modules, overlay among them, and the command line;
# 2. an overlay root at /newroot: the host's / over 9p read-only as the lower layer, a tmpfs as
#    the upper one (everything the guest writes, dpkg included, is lost at poweroff);
# 3. a fresh /etc/machine-id and hostname; /.dockerenv and /run/.containerenv removed (the host
#    is a container image: with them systemd detects "docker", ignores systemd.unit= and boots
#    graphical.target to a login prompt), and its /usr/sbin/policy-rc.d (it forbids starting
#    services from maintainer scripts);
# 4. a fresh tmpfs on /tmp (Debian's tmpfiles rule `D /tmp` empties /tmp at boot, which in the
#    overlay would whiteout the host's /tmp); the run directory read-write at /vmwork, outside
#    /tmp; the test unit binds it at its host path too once tmpfiles has run (same paths as on
#    the host); a repository under the host's /tmp (vmkeep=) stays visible, read-only;
# 5. wbgov-test.target (basic.target + wbgov-vmtest.service, nothing else) and the oneshot that
#    runs the script, prints VMTEST_EXIT=<rc> on ttyS0 and powers off; noisy host units masked;
# 6. switch_root to /lib/systemd/systemd.
# Sourced by guest-init.sh (the initramfs /init) once the modules are loaded and the command line
# is read: VMTEST, WORKDIR, TMPSIZE and KEEP are set, /proc /sys /dev mounted.
fatal() { echo "[init] FATAL: $*"; echo "VMTEST_EXIT=98"; poweroff -f; }
echo "[init] $(cut -d' ' -f1 /proc/uptime)s: systemd mode"
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro hostroot /lower \
    || fatal "9p mount of the host root failed"
mount -t tmpfs -o mode=755,size=40% tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
    || { dmesg | tail -5; fatal "overlay mount failed"; }
R=/newroot
tr -d '-' < /proc/sys/kernel/random/uuid > $R/etc/machine-id
echo vmguest > $R/etc/hostname
rm -f $R/.dockerenv $R/run/.containerenv
# Also the container image's policy-rc.d ("exit 101"): with it, deb-systemd-invoke in a package's
# postinst starts nothing (measured: the unit enabled, inactive/dead after dpkg -i).
rm -f $R/usr/sbin/policy-rc.d
# man-db's dpkg trigger re-indexes every man page on each install: tens of seconds under TCG.
rm -f $R/var/lib/man-db/auto-update

mount -t tmpfs -o mode=1777,size=$TMPSIZE tmpfs $R/tmp
if [ -n "$KEEP" ]; then
    # Read-only (the lower layer is): tmpfiles' `D /tmp` cannot empty it, nor does it cross mounts.
    mkdir -p $R$KEEP && mount -o bind /lower$KEEP $R$KEEP || echo "[init] could not keep $KEEP visible"
fi
mkdir -p $R/vmwork
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 work $R/vmwork || echo "[init] work share mount failed"
# The same path as on the host, outside /tmp: right away. Under /tmp: by the test unit, after
# systemd-tmpfiles-setup has emptied the fresh /tmp (it must never see the share).
case $WORKDIR in
    /tmp/*) ;;
    *) mkdir -p $R$WORKDIR && mount -o bind $R/vmwork $R$WORKDIR || echo "[init] could not bind the run dir at $WORKDIR" ;;
esac

U=$R/etc/systemd/system
mkdir -p $U $R/etc/wbgov-vm
# Masked: timers (apt, dpkg-db-backup, e2scrub, fstrim, man-db, tmpfiles-clean), gettys, time
# sync and wait-online (no network device), pstore, first-boot/TPM/repart units, and services
# the host image carries that would start (postgresql, prometheus, e2scrub_reap).
for u in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
         e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer systemd-tmpfiles-clean.timer \
         getty@tty1.service serial-getty@ttyS0.service getty-static.service console-getty.service \
         systemd-networkd-wait-online.service systemd-pstore.service systemd-firstboot.service \
         systemd-repart.service systemd-pcrphase.service systemd-pcrphase-sysinit.service \
         postgresql.service prometheus.service prometheus-node-exporter.service \
         packagekit.service packagekit-offline-update.service unattended-upgrades.service; do
    ln -sf /dev/null $U/$u
done
cat > $U/wbgov-test.target <<'EOF'
[Unit]
Description=wbgov guest test (vm/run-guest.sh -s)
Requires=basic.target
After=basic.target
Wants=wbgov-vmtest.service
AllowIsolate=yes
EOF
cat > $U/wbgov-vmtest.service <<'EOF'
[Unit]
Description=wbgov guest test script, then power off
After=wbgov-test.target
# Never started (a dependency failed): end the guest; run-guest.sh then reports 99.
OnFailure=poweroff.target
[Service]
Type=oneshot
ExecStart=/bin/sh /etc/wbgov-vm/run-test.sh
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=infinity
EOF
# Values are written into the script (no quoting games in the unit file).
cat > $R/etc/wbgov-vm/run-test.sh <<EOF
#!/bin/sh
WORKDIR=$WORKDIR
VMTEST=$VMTEST
EOF
cat >> $R/etc/wbgov-vm/run-test.sh <<'EOF'
up() { cut -d' ' -f1 /proc/uptime; }
case $WORKDIR in
    /tmp/*) mkdir -p "$WORKDIR" && mount --bind /vmwork "$WORKDIR" || echo "[init] could not bind the run dir at $WORKDIR" ;;
esac
echo "[init] $(up)s: systemd reached wbgov-test.target ($(systemctl is-system-running 2>/dev/null)); starting $VMTEST"
systemctl --failed --no-legend --plain 2>/dev/null | sed 's/^/[init] failed unit: /'
rc=97
if [ -n "$VMTEST" ]; then
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
        LC_ALL=C WBGOV_VM_WORK="$WORKDIR" /bin/bash "$VMTEST"
    rc=$?
fi
echo "[init] $(up)s: test finished rc=$rc"
echo "VMTEST_EXIT=$rc"
sync
# The root is a throwaway overlay and the share is written through: no orderly shutdown needed.
systemctl poweroff -ff
EOF

echo "[init] $(cut -d' ' -f1 /proc/uptime)s: switch_root to /lib/systemd/systemd"
umount /sys
umount /proc
mount --move /dev $R/dev
exec switch_root $R /lib/systemd/systemd --unit=wbgov-test.target
