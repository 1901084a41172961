#!/bin/bash
# ITEM 3 — PREPARED, NOT YET RUNNABLE: needs `wbgov run --serve` (the governor daemon, being built
# in another branch). Until then this script checks for it and exits 3 with a clear message.
#
# Inside the guest: the governor on a real NBD bdi. `wbgov run --serve …` serves a slow export
# (emulated RATE) that nbd-client connects as /dev/nbd0 (bdi 43:0), and governs it: it senses
# bdi 43:0, decides, and actuates max_bytes/strict_limit and the server's in-flight limit. Beside
# it a fast device (ext4 on a loop device on tmpfs) runs a writer that must keep its speed.
# Three phases, each the same fast write (FAST_MB + fdatasync):
#   alone                   the fast device with nothing else writing
#   contended, no governor  a dd fills the slow NBD device under kernel defaults (plain serve)
#   contended, governed     the same, with wbgov run --serve governing 43:0
# Output: "RESULT phase=… fast_s=… slow_MBps=… nbd_dirty_max_MB=… max_bytes=… strict_limit=…".
# Settings (guest.env): RATE (slow device speed, default 4M), FAST_MB (default 400),
# RUN_ARGS (extra flags for wbgov run), SERVE_SPEC (how run --serve is told what to serve;
# adjust to the daemon's final syntax).
set -euo pipefail
. "$(dirname "$(realpath "$0")")/lib.sh"
RATE=${RATE:-4M}
FAST_MB=${FAST_MB:-400}
RUN_ARGS=${RUN_ARGS:-}
# ADJUST when the daemon lands: the --serve syntax below is a guess modelled on `wbgov serve`.
SERVE_SPEC=${SERVE_SPEC:---serve --unix /run/nbd0.sock --rate $RATE --control /run/nbd0.ctl memory:1G}

if ! "$WBGOV" run --help >/dev/null 2>&1; then
    echo "ITEM3 SKIPPED: this build has no 'wbgov run' (the governor has not landed in this branch yet)"
    exit 3
fi

# The fast device: ext4 on a loop device over a pre-allocated, pre-warmed tmpfs file.
mkdir -p /tmp/fast /tmp/mnt-fast /tmp/mnt-slow
fallocate -l $((FAST_MB + 200))M /tmp/fast/img
dd if=/dev/zero of=/tmp/fast/img bs=1M count=$((FAST_MB + 200)) conv=notrunc status=none
FASTDEV=$(losetup --show -f /tmp/fast/img)
mkfs.ext4 -q -F "$FASTDEV"
mount "$FASTDEV" /tmp/mnt-fast
fast_write() {  # seconds for FAST_MB + fdatasync on the fast device
    local t0; t0=$(now)
    dd if=/dev/zero of=/tmp/mnt-fast/f bs=1M count="$FAST_MB" conv=fdatasync status=none
    awk "BEGIN{printf \"%.2f\", $(now)-$t0}"; rm -f /tmp/mnt-fast/f; sync
}
bdi() { cat /sys/class/bdi/43:0/"$1" 2>/dev/null || echo n/a; }
nbd_dirty_mb() { awk '/BdiReclaimable|BdiWriteback/{s+=$2} END{print int(s/1024)}' /sys/kernel/debug/bdi/43:0/stats 2>/dev/null || echo n/a; }

result() { echo "RESULT $*" | tee -a "$WORK/result.txt"; }
: > "$WORK/result.txt"
result "phase=alone fast_s=$(fast_write)"

contended() {  # $1 = phase label; the slow device is already connected as /dev/nbd0
    mkfs.ext4 -q -F /dev/nbd0
    mount /dev/nbd0 /tmp/mnt-slow
    dd if=/dev/zero of=/tmp/mnt-slow/s bs=1M count=100000 status=none 2>/dev/null &
    local dd=$! peak=0 w0 w1
    sleep 5   # let the slow device's dirty pages build up, as in the host bench
    ( while sleep 0.5; do d=$(nbd_dirty_mb); [ "$d" != n/a ] && [ "$d" -gt "$peak" ] && peak=$d; echo $peak > /tmp/peak; done ) &
    local mon=$!
    w0=$(awk '/BdiWritten/{print $2}' /sys/kernel/debug/bdi/43:0/stats)
    local t0; t0=$(now)
    local fs; fs=$(fast_write)
    w1=$(awk '/BdiWritten/{print $2}' /sys/kernel/debug/bdi/43:0/stats)
    local slow; slow=$(awk "BEGIN{printf \"%.2f\", ($w1-$w0)/1024/($(now)-$t0)}")
    result "phase=$1 fast_s=$fs slow_MBps=$slow nbd_dirty_max_MB=$(cat /tmp/peak 2>/dev/null || echo n/a) max_bytes=$(bdi max_bytes) strict_limit=$(bdi strict_limit) inflight=$( [ -S /run/nbd0.ctl ] && "$WBGOV" ctl /run/nbd0.ctl get inflight || echo n/a)"
    kill $mon $dd 2>/dev/null || true; wait $dd 2>/dev/null || true
    local t2; t2=$(now); umount /tmp/mnt-slow; result "phase=$1 umount_s=$(awk "BEGIN{printf \"%.1f\", $(now)-$t2}")"
}

# Contended, kernel defaults: the plain server.
"$WBGOV" serve --unix /run/nbd0.sock --rate "$RATE" --control /run/nbd0.ctl memory:1G > /tmp/serve.log 2>&1 &
SPID=$!
wait_sock /run/nbd0.sock
nbd-client -u /run/nbd0.sock /dev/nbd0 -b 4096 >/dev/null
contended "contended-defaults"
nbd-client -d /dev/nbd0; kill $SPID; wait_gone $SPID 30

# Contended, governed: the daemon serves the same export and governs bdi 43:0.
rm -f /run/nbd0.sock /run/nbd0.ctl
# shellcheck disable=SC2086
"$WBGOV" run $SERVE_SPEC $RUN_ARGS > /tmp/run.log 2>&1 &
GPID=$!
wait_sock /run/nbd0.sock || { cat /tmp/run.log; exit 1; }
nbd-client -u /run/nbd0.sock /dev/nbd0 -b 4096 >/dev/null
sleep 3   # the daemon discovers the new bdi 43:0 and sets its policy before anyone writes
contended "contended-governed"
nbd-client -d /dev/nbd0
kill -TERM $GPID; wait_gone $GPID 30
check "governor restored bdi 43:0 on exit" [ "$(bdi strict_limit)" = 0 ]
tail -20 /tmp/run.log
exit "$FAILS"
