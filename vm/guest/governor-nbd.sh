#!/bin/bash
# Issue 7, item 3, inside the guest: the governor on a real NBD bdi. `wbgov run --serve …` serves
# a slow export (emulated RATE) that nbd-client connects as /dev/nbd0 (bdi 43:0), and governs it:
# it senses bdi 43:0, decides, and sets max_bytes/strict_limit and the server's in-flight limit.
# Beside it a fast device (ext4 on a loop device on tmpfs) runs a writer that should keep its speed.
# Three phases, each the same fast write (FAST_MB + fdatasync):
#   alone                   the fast device with nothing else writing
#   contended-defaults      a dd fills the slow NBD device under kernel defaults (plain `serve`)
#   contended-governed      the same, with `wbgov run --serve` governing 43:0 (and every other bdi)
# Output: "RESULT phase=… fast_s=… ratio=… slow_MBps=… nbd_held_max_MB=… max_bytes=… strict_limit=…
# inflight_limit_bytes=… sync_s=…", a per-second trace of bdi 43:0 (held MB, max_bytes, strict)
# in $WORK/trace-<phase>.txt, and CHECK lines for what must hold (timings are reported, not asserted:
# TCG guests are slow and noisy).
# Settings (guest.env): DEFAULTS_PHASE (1: run the kernel-defaults reference phase; 0: skip it),
# RATE (slow device speed, default 4M), FAST_MB (default 300),
# SERVER_ARGS (server options for both phases; default: Unix socket, control socket, RATE,
# --max-request 1M so the in-flight byte limit is not floored at one 32 MiB request),
# RUN_ARGS (extra flags for wbgov run), BACKEND (default memory:1G).
set -euo pipefail
. "$(dirname "$(realpath "$0")")/lib.sh"
RATE=${RATE:-4M}
FAST_MB=${FAST_MB:-300}
BACKEND=${BACKEND:-memory:1G}
SERVER_ARGS=${SERVER_ARGS:---unix /run/nbd0.sock --control /run/nbd0.ctl --rate $RATE --max-request 1M}
RUN_ARGS=${RUN_ARGS:-}
STATE=/run/wbgov

# `run --help` is not an option of this CLI (picocli prints usage and fails): look for --serve.
# (Captured first: with pipefail, grep -q closing the pipe early would fail the pipeline.)
USAGE=$("$WBGOV" run --help 2>&1 || true)
if ! grep -q -- '--serve' <<< "$USAGE"; then
    echo "ITEM3 SKIPPED: this build has no 'wbgov run --serve':"; echo "$USAGE" | head -5
    exit 3
fi

# The fast device: ext4 on a loop device over a pre-allocated, pre-warmed tmpfs file.
mkdir -p /tmp/fast /tmp/mnt-fast /tmp/mnt-slow
fallocate -l $((FAST_MB + 100))M /tmp/fast/img
dd if=/dev/zero of=/tmp/fast/img bs=1M count=$((FAST_MB + 100)) conv=notrunc status=none
FASTDEV=$(losetup --show -f /tmp/fast/img)
mkfs.ext4 -q -F "$FASTDEV"
mount "$FASTDEV" /tmp/mnt-fast
fast_write() {  # seconds for FAST_MB + fdatasync on the fast device
    local t0; t0=$(now)
    dd if=/dev/zero of=/tmp/mnt-fast/f bs=1M count="$FAST_MB" conv=fdatasync status=none
    awk "BEGIN{printf \"%.2f\", $(now)-$t0}"; rm -f /tmp/mnt-fast/f; sync -f /tmp/mnt-fast
}
bdi() { cat /sys/class/bdi/43:0/"$1" 2>/dev/null || echo n/a; }
nbd_held_mb() { awk '/BdiDirtied|BdiWritten/{next} /BdiReclaimable|BdiWriteback/{s+=$2} END{print int(s/1024)}' /sys/kernel/debug/bdi/43:0/stats 2>/dev/null || echo 0; }
nbd_held_kb() { awk '/BdiDirtied|BdiWritten/{next} /BdiReclaimable|BdiWriteback/{s+=$2} END{print s+0}' /sys/kernel/debug/bdi/"${1:-43:0}"/stats 2>/dev/null || echo 0; }
written_kb() { awk '/BdiWritten/{print $2}' /sys/kernel/debug/bdi/43:0/stats; }
inflight_limit() { "$WBGOV" status --json --state-dir "$STATE" 2>/dev/null | jq -r '.exports[0].inflight_limit_bytes // "n/a"' 2>/dev/null || echo n/a; }

result() { echo "RESULT $*" | tee -a "$WORK/result.txt"; }
# The server logs live in the guest's RAM: keep them, whatever ends the script.
trap 'cp /tmp/serve.log /tmp/run.log "$WORK/" 2>/dev/null || true' EXIT
# Connects /dev/nbd0 and keeps its requests within the server's --max-request 1M: the 6.12 client
# sends up to max_sectors_kb (1280 KiB there, 128 KiB on 6.1), and a larger request than the
# server advertised ends the connection (measured on 6.12: ECONNRESET, I/O errors, ext4 read-only).
connect() { nbd-client -u /run/nbd0.sock /dev/nbd0 -b 4096 >/dev/null
    echo 1024 > /sys/block/nbd0/queue/max_sectors_kb; }
: > "$WORK/result.txt"
ORIG_MAX=$(bdi max_bytes); ORIG_STRICT=$(bdi strict_limit); ORIG_RATIO=$(bdi max_ratio); ORIG_MIN=$(bdi min_ratio)
log "kernel $(uname -r); bdi 43:0 before: max_bytes=$ORIG_MAX strict_limit=$ORIG_STRICT max_ratio=$ORIG_RATIO; fast write $FAST_MB MB, slow device $RATE/s"
# The median of FAST_RUNS fast writes: one write's time swings by 10 % and more in a TCG guest.
FAST_RUNS=${FAST_RUNS:-3}
fast_median() { local i; for i in $(seq "$FAST_RUNS"); do fast_write; echo; done | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
fast_write >/dev/null   # warm-up (JIT-free, but page cache and loop device)
ALONE=$(fast_median)
result "phase=alone fast_s=$ALONE fast_MBps=$(awk "BEGIN{printf \"%.1f\", $FAST_MB/$ALONE}")"

contended() {  # $1 = phase label; the slow device is already connected as /dev/nbd0
    local phase=$1
    mkfs.ext4 -q -F /dev/nbd0
    mount /dev/nbd0 /tmp/mnt-slow
    dd if=/dev/zero of=/tmp/mnt-slow/s bs=1M count=100000 status=none 2>/dev/null &
    local dd=$! w0 w1 t0
    # Per-second trace of bdi 43:0 (t, held MB, max_bytes, strict_limit, max_ratio); peak in /tmp/peak.
    : > "$WORK/trace-$phase.txt"
    ( peak=0; while :; do h=$(nbd_held_mb); [ "$h" -gt "$peak" ] && peak=$h; echo $peak > /tmp/peak
        echo "$(now) $h $(bdi max_bytes) $(bdi strict_limit) $(bdi max_ratio)" >> "$WORK/trace-$phase.txt"; sleep 1; done ) &
    local mon=$!
    sleep 10   # let the slow device's dirty pages build up, as in the host bench
    local settled_mb; settled_mb=$(nbd_held_mb)
    w0=$(written_kb); t0=$(now)
    # Under kernel defaults the fast writer's time is a reference, reported only: one run, not three.
    local fs; if [ "$phase" = contended-defaults ]; then fs=$(FAST_RUNS=1 fast_median); else fs=$(fast_median); fi
    w1=$(written_kb)
    local slow; slow=$(awk "BEGIN{printf \"%.2f\", ($w1-$w0)/1024/($(now)-$t0)}")
    local mb st; mb=$(bdi max_bytes); st=$(bdi strict_limit)
    local inf; inf=$(inflight_limit)
    kill $dd 2>/dev/null || true; wait $dd 2>/dev/null || true
    # Time for the slow fs to drain what it holds once the writer stopped: sync it, then umount.
    local held; held=$(nbd_held_mb)
    # Under kernel defaults nbd0 holds hundreds of MB at the emulated rate: a sync would take half a
    # minute and more of the suite's time to show what the bench shows (sync-wait: > 120 s). Its
    # backend is lifted first; the governed phase's sync is timed at the rate, and checked.
    if [ "$phase" = contended-defaults ]; then "$WBGOV" ctl /run/nbd0.ctl set rate 0 >/dev/null || true; fi
    local t2; t2=$(now); sync -f /tmp/mnt-slow/ ; local t3; t3=$(now); umount /tmp/mnt-slow
    kill $mon 2>/dev/null || true; wait $mon 2>/dev/null || true
    echo "$fs $slow $(awk "BEGIN{printf \"%.1f\", $t3-$t2}")" > /tmp/measured-$phase
    result "phase=$phase fast_s=$fs ratio=$(awk "BEGIN{printf \"%.3f\", $ALONE/$fs}") slow_MBps=$slow nbd_held_at_start_MB=$settled_mb nbd_held_max_MB=$(cat /tmp/peak) max_bytes=$mb strict_limit=$st max_ratio=$(bdi max_ratio) inflight_limit_bytes=$inf held_at_stop_MB=$held sync_s=$(awk "BEGIN{printf \"%.1f\", $t3-$t2}") umount_s=$(awk "BEGIN{printf \"%.1f\", $(now)-$t3}")"
    echo "$mb $st" > /tmp/knobs-$phase
}

# Contended, kernel defaults: the plain server, no daemon. A reference, reported and not checked
# (the bench measures this contrast): DEFAULTS_PHASE=0 skips it (GuestNbdTest does, ~40 s).
if [ "${DEFAULTS_PHASE:-1}" = 1 ]; then
    # shellcheck disable=SC2086
    "$WBGOV" serve $SERVER_ARGS "$BACKEND" > /tmp/serve.log 2>&1 &
    SPID=$!
    wait_sock /run/nbd0.sock $SPID || { cat /tmp/serve.log; exit 1; }
    connect
    contended "contended-defaults"
    nbd-client -d /dev/nbd0 >/dev/null; kill $SPID; wait_gone $SPID 30 || true
fi

# Contended, governed: the daemon serves the same export and governs bdi 43:0.
rm -f /run/nbd0.sock /run/nbd0.ctl
# shellcheck disable=SC2086
"$WBGOV" run --state-dir "$STATE" --serve "$BACKEND" $SERVER_ARGS $RUN_ARGS > /tmp/run.log 2>&1 &
GPID=$!
wait_sock /run/nbd0.sock $GPID || { cat /tmp/run.log; exit 1; }
wait_sock "$STATE/wbgov.sock" $GPID || true
connect
sleep 3   # the daemon discovers bdi 43:0 and sets its policy before anyone writes
log "governed, before writing: max_bytes=$(bdi max_bytes) strict_limit=$(bdi strict_limit)"
"$WBGOV" status --state-dir "$STATE" || true
contended "contended-governed"
"$WBGOV" status --json --state-dir "$STATE" > "$WORK/status-governed.json" 2>&1 || true
"$WBGOV" status --state-dir "$STATE" || true
read -r GMAX GSTRICT < /tmp/knobs-contended-governed
read -r GFAST GRATE GSYNC < /tmp/measured-contended-governed
in_range() { [ "$1" != n/a ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
le() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a <= b)}'; }
# The nbd policy: drain target 2 s, floor 1 MiB; the server's largest request 1 MiB (--max-request).
DRAIN_T=2; MAXREQ_MB=1
if [ -f /sys/class/bdi/43:0/strict_limit ]; then
    check "governor set strict_limit=1 on 43:0" [ "$GSTRICT" = 1 ]
    # The allowance: between the floor (1 MiB; the writer is backlogged, so r x 125 ms is below it)
    # and rate x drain target, with room for the tracker's down band (1.11) and a noisy estimate.
    # The kernel keeps max_bytes as a share of the global threshold, which moves with free memory:
    # read back it is off by as much (measured: 932841 for the 1 MiB floor), hence half the floor.
    HI=$(awk -v r="$GRATE" -v t=$DRAIN_T 'BEGIN{printf "%d", 1.25 * r * t * 1048576 + 1048576}')
    check "governor set max_bytes on 43:0 within floor..1.25 x rate x drain target (was $GMAX, rate $GRATE MiB/s, at most $HI)" \
        in_range "$GMAX" $((1 << 19)) "$HI"
    # What nbd0 holds (dirty + writeback, per-second trace, after the first 3 s): the time to drain it
    # at the rate measured stays within the drain target, plus one max request.
    HELD_P90=$(awk 'NR > 3 {print $2}' "$WORK/trace-contended-governed.txt" | sort -n | awk '{v[NR]=$1} END{print v[int(NR * 0.9 + 0.5)] + 0}')
    BOUND=$(awk -v r="$GRATE" -v t=$DRAIN_T -v q=$MAXREQ_MB 'BEGIN{printf "%.1f", 1.25 * r * t + q}')
    check "nbd0 held (p90 of the trace) $HELD_P90 MiB <= 1.25 x rate x drain target + one max request = $BOUND MiB" le "$HELD_P90" "$BOUND"
    # sync of the NBD file system once the writer stopped: within 2 x the drain target
    check "sync of the nbd file system after the writer stopped took $GSYNC s <= 2 x drain target ($((2 * DRAIN_T)) s)" \
        le "$GSYNC" $((2 * DRAIN_T))
else
    # Kernels before 6.2 have neither max_bytes nor strict_limit: the governor falls back to
    # max_ratio, which does not bind below the global freerun point (see vm/README.md).
    log "kernel $(uname -r) has no bdi max_bytes/strict_limit: checking the max_ratio fallback only"
    check "governor lowered max_ratio of 43:0 (kernel < 6.2 fallback; was $(awk '{print $6}' "$WORK/trace-contended-governed.txt" | sort -n | head -1)%)" \
        in_range "$(awk '{print $6}' "$WORK/trace-contended-governed.txt" | sort -n | head -1)" 0 99
fi
# Reported, not checked (issue 14 asks >= 0.9; a TCG guest's fast write swings too much to tell):
log "fast writer beside the governed nbd0: median $GFAST s against $ALONE s alone: $(awk -v a="$ALONE" -v f="$GFAST" 'BEGIN{printf "%.3f", a / f}') of its solo speed"
check "no knob write refused (EINVAL) in the daemon's log" bash -c "! grep -q 'Invalid argument\|EINVAL' /tmp/run.log"
check "PR_SET_IO_FLUSHER set by the daemon's server" grep -q "PR_SET_IO_FLUSHER set" /tmp/run.log
INF=$(jq -r '.exports[0].inflight_limit_bytes // empty' "$WORK/status-governed.json" 2>/dev/null || true)
check "server in-flight limit governed below the 64 MiB pool (was ${INF:-n/a})" in_range "${INF:-n/a}" 1 $(((64 << 20) - 1))
# Little's law: rate x 20 ms (the policy's inflight_latency), never below one max request (1 MiB)
LITTLE=$(awk -v r="$GRATE" 'BEGIN{l = 2 * r * 1048576 * 0.020; printf "%d", (l > 1048576 ? l : 1048576)}')
check "server in-flight limit ${INF:-n/a} <= max(2 x rate x 20 ms, one max request) = $LITTLE (Little's law)" \
    in_range "${INF:-n/a}" 1 "$LITTLE"

# A 10x slowdown of the server under a writer (bench P3/P5 on a real nbd bdi): the server's emulated
# rate drops from RATE to RATE/10 with the writer running. The allowance must follow within 3 s
# (max_bytes at most 1.25 x the new rate x the drain target + one max request), and what nbd0 holds
# must not grow after that: the pages already in cannot be taken back (they drain at the new rate),
# but no more get in than the old allowance let in before it followed, so the time to drain stays
# bounded by what was held in the first 3 s.
slowdown() {
    local rate_b slow_b bound_kb t0 held0 follow=none peak_before=0 peak_after=0 dd
    rate_b=$(numfmt --from=iec "$RATE"); slow_b=$((rate_b / 10))
    bound_kb=$(awk -v r="$slow_b" -v t=$DRAIN_T 'BEGIN{printf "%d", (1.25 * r * t + 1048576) / 1024}')
    mount /dev/nbd0 /tmp/mnt-slow
    dd if=/dev/zero of=/tmp/mnt-slow/s2 bs=1M count=100000 status=none 2>/dev/null &
    dd=$!
    sleep 8
    held0=$(nbd_held_kb); peak_before=$held0
    "$WBGOV" ctl /run/nbd0.ctl set rate "$slow_b" >/dev/null
    t0=$(now)
    : > "$WORK/trace-slowdown.txt"
    while awk -v a="$(now)" -v b="$t0" 'BEGIN{exit !(a - b < 12)}'; do
        local t h m; t=$(awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%.1f", a - b}'); h=$(nbd_held_kb); m=$(bdi max_bytes)
        echo "$t $h $m" >> "$WORK/trace-slowdown.txt"
        if [ "$follow" = none ] && [ "$m" -le $((bound_kb * 1024)) ]; then follow=$t; fi
        if awk -v t="$t" 'BEGIN{exit !(t >= 3)}'; then [ "$h" -gt "$peak_after" ] && peak_after=$h
        else [ "$h" -gt "$peak_before" ] && peak_before=$h; fi
        sleep 0.5
    done
    kill $dd 2>/dev/null || true; wait $dd 2>/dev/null || true
    "$WBGOV" ctl /run/nbd0.ctl set rate 0 >/dev/null   # what is left drains at memory speed
    sync -f /tmp/mnt-slow/; umount /tmp/mnt-slow
    result "phase=slowdown rate=$rate_b->$slow_b held_at_change_KiB=$held0 allowance_followed_after_s=$follow held_max_first_3s_KiB=$peak_before held_max_after_3s_KiB=$peak_after bound_KiB=$bound_kb"
    check "after a 10x slowdown the allowance followed within 3 s (max_bytes <= ${bound_kb} KiB after ${follow} s)" \
        bash -c "[ '$follow' != none ] && awk 'BEGIN{exit !($follow <= 3)}'"
    check "after a 10x slowdown nbd0 held no more after 3 s than in the first 3 s plus one max request (${peak_after} KiB, first 3 s ${peak_before} KiB)" \
        [ "$peak_after" -le $((peak_before + MAXREQ_MB * 1024)) ]
}
if [ -f /sys/class/bdi/43:0/strict_limit ]; then
    slowdown
fi
nbd-client -d /dev/nbd0 >/dev/null
kill -TERM $GPID; wait_gone $GPID 30 || true
gone() { ! kill -0 "$1" 2>/dev/null; }
check "daemon exited after SIGTERM" gone $GPID
# max_bytes is a view of max_ratio x the current dirty threshold (it moves with free memory, measured:
# 386 MB before, 307 MB after with max_ratio 100 both times): the state is max_ratio + strict_limit.
restored() { [ "$(bdi strict_limit)" = "$ORIG_STRICT" ] && [ "$(bdi max_ratio)" = "$ORIG_RATIO" ] \
    && [ "$(bdi min_ratio)" = "$ORIG_MIN" ]; }
check "knobs of 43:0 restored after SIGTERM (strict_limit=$(bdi strict_limit) max_ratio=$(bdi max_ratio) min_ratio=$(bdi min_ratio), before $ORIG_STRICT/$ORIG_RATIO/$ORIG_MIN; max_bytes view $(bdi max_bytes))" restored
grep -E "WARN|ERROR|43:0|nbd0" /tmp/run.log | head -30 || true
cp /tmp/run.log "$WORK/run.log" 2>/dev/null || true
# The client's timeout and a server that dies, on nbd1 (their own CHECKs).
. "$VM_GUEST_DIR/nbd-faults.sh"
exit "$FAILS"
