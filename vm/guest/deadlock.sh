#!/bin/bash
# Inside a small guest: the classic write-back deadlock set-up, for one server configuration.
#   - a scratch virtio disk (/dev/vda, ext4, page-cached) holds the servers' backing files, so
#     the servers write back through the same page cache and dirty limit they must drain;
#   - /dev/nbd1 + /dev/nbd2 (two of our servers) as an MD RAID1 (/dev/md0), /dev/nbd0 (a third
#     server) as plain ext4; every server runs in this guest;
#   - mke2fs on both (full inode tables and journal: a burst of buffered block-device writes),
#     then heavy buffered writes to both file systems while a memory hog pins most of the RAM;
#   - a watchdog samples progress every second and calls the run hung when nothing was written
#     back for STALL_LIMIT_S, or when a phase (mke2fs; writes; sync) has not finished in
#     WATCHDOG_S. The script always ends.
# Settings (guest.env): CONFIG (a label), SERVE_FLAGS (e.g. --no-mlock), WBGOV_JAVA_OPTS (e.g. an
# unfixed heap), WRITE_MB per file system, HOG_LEAVE_MB (MemAvailable left to everyone else),
# WATCHDOG_S, STALL_LIMIT_S.
# Output: "RESULT key=value …" on the console and in $WBGOV_VM_WORK/result.txt.
set -euo pipefail
. "$(dirname "$(realpath "$0")")/lib.sh"
CONFIG=${CONFIG:-hardened}
SERVE_FLAGS=${SERVE_FLAGS:-}
WRITE_MB=${WRITE_MB:-600}
HOG_LEAVE_MB=${HOG_LEAVE_MB:-96}
WATCHDOG_S=${WATCHDOG_S:-300}
STALL_LIMIT_S=${STALL_LIMIT_S:-90}
INFLIGHT_BYTES=${INFLIGHT_BYTES:-32M}   # the minimum: one request of the largest size advertised (32M)
R=$WORK/result.txt
: > "$R"
result() { echo "RESULT config=$CONFIG $*" | tee -a "$R"; }
# The bdis of nbd0..2 (43:0, 43:32, 43:64 with this kernel's max_part) as the kernel has them:
# max_bytes(MiB)/strict_limit (from 6.2), or max_ratio (%) before.
knobs() { local n o=; for n in 0 1 2; do local d=/sys/class/bdi/$(cat /sys/block/nbd$n/dev)
    if [ -f $d/max_bytes ]; then o+="$((  $(cat $d/max_bytes) >> 20 ))M/$(cat $d/strict_limit),"; else o+="$(cat $d/max_ratio)%,"; fi; done; echo "${o%,}"; }
log "config $CONFIG: serve flags '$SERVE_FLAGS', java opts '$WBGOV_JAVA_OPTS', $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) MB RAM, write $WRITE_MB MB per fs"

# The backing store: ext4 on the scratch disk, in this guest's page cache.
mkfs.ext4 -q -F /dev/vda
mkdir -p /tmp/backing /tmp/mnt-md /tmp/mnt-plain
mount /dev/vda /tmp/backing

PIDS=()
for n in 0 1 2; do
    # GOVERN=1: each server runs as `wbgov run --serve …`, a daemon that governs its own device
    # (bdi 43:n) with the shipped nbd policy, restricted by name to nbdN so the three daemons never
    # write the same knobs, and sets its export's in-flight limit.
    CMD=(serve)
    if [ "${GOVERN:-0}" = 1 ]; then
        mkdir -p /tmp/pol$n
        sed "s/^kind = \[\"nbd\"\]/kind = [\"nbd\"]\nname = \"nbd$n\"/" "$REPO/policies/nbd.toml" > /tmp/pol$n/nbd.toml
        CMD=(run --state-dir /run/wbgov$n --policies /tmp/pol$n --serve)
    fi
    # shellcheck disable=SC2086
    "$WBGOV" "${CMD[@]}" "file:/tmp/backing/nbd$n.img,size=1G" --unix /run/nbd$n.sock --control /run/nbd$n.ctl \
        --inflight-bytes "$INFLIGHT_BYTES" $SERVE_FLAGS > /tmp/serve$n.log 2>&1 &
    PIDS+=($!)
done
for n in 0 1 2; do wait_sock /run/nbd$n.sock "${PIDS[$n]}" || { cat /tmp/serve$n.log; exit 1; }; done
for n in 0 1 2; do nbd-client -u /run/nbd$n.sock /dev/nbd$n -b 4096 >/dev/null; done
sleep 1
IOF=$(cat /tmp/serve*.log | grep -c "PR_SET_IO_FLUSHER set" || true)
LCK=$(grep -h -o "VmLck [0-9]* MiB" /tmp/serve0.log | head -1 || true)
RSS=$(awk '/VmRSS/{print int($2/1024)}' /proc/"${PIDS[0]}"/status)
log "servers up: io_flusher on $IOF/3, locked: ${LCK:-none}, server RSS ${RSS} MB each"

# Watchdog state: progress = pages written back (nr_written) or completions at the servers.
T_START=$(now)
PROGRESS=/tmp/progress
( last=$(awk '/^nr_written /{print $2}' /proc/vmstat); last_t=$(now); longest=0
  while sleep 1; do
      w=$(awk '/^nr_written /{print $2}' /proc/vmstat); t=$(now)
      if [ "$w" != "$last" ]; then last=$w; last_t=$t; fi
      stall=$(awk "BEGIN{print $t-$last_t}")
      longest=$(awk "BEGIN{print ($stall>$longest)?$stall:$longest}")
      d=$(awk '/^(Dirty|Writeback):/{s=s $1 int($2/1024) "M "} END{print s}' /proc/meminfo)
      echo "$t $stall $longest $d" > $PROGRESS.tmp; mv $PROGRESS.tmp $PROGRESS
  done ) &
WD=$!
phase_wait() {  # $1 = label, $2 = pid: waits for a phase, bounded by the watchdog (per phase)
    local label=$1 pid=$2 p0
    p0=$(now)
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        read -r t stall longest dirty < $PROGRESS || continue
        if awk "BEGIN{exit !($stall >= $STALL_LIMIT_S)}"; then
            log "$label: no write-back for ${stall}s ($dirty): HUNG"; return 1; fi
        if awk "BEGIN{exit !($t - $p0 >= $WATCHDOG_S)}"; then
            log "$label: not done after ${WATCHDOG_S}s ($dirty): HUNG"; return 1; fi
    done
    wait "$pid"
}
finish() {  # $1 = completed|hung, $2 = phase
    read -r t stall longest dirty < $PROGRESS || true
    local tp=n/a
    [ "$1" = completed ] && tp=$(awk "BEGIN{printf \"%.1f\", 2*$WRITE_MB/($T_WRITE_END-$T_WRITE0)}")
    result "status=$1 phase=$2 mkfs_s=${MKFS_S:-n/a} mkfs_durable_s=${MKFS_DURABLE_S:-n/a} write_MBps=$tp longest_stall_s=$longest elapsed_s=$(awk "BEGIN{printf \"%.0f\", $t-$T_START}") io_flusher=$IOF/3 locked=\"${LCK:-none}\" server_rss_MB=$RSS knobs=$(knobs)"
    # What the kernel says about the blocked tasks, and the servers' own view.
    if [ "$1" = hung ]; then
        echo w > /proc/sysrq-trigger 2>/dev/null || true
        dmesg | grep -E "blocked for more than|task:|nbd" | tail -20 || true
        grep -E "^(MemFree|MemAvailable|Dirty|Writeback|Shmem|Mlocked):" /proc/meminfo
    fi
    for n in 0 1 2; do grep -E "WARN|ERROR|OutOfMemory" /tmp/serve$n.log | head -3 || true; done
    dmesg | grep -i -E "out of memory|killed process" | head -5 || true
    kill "$WD" 2>/dev/null || true
    exit 0
}

# ---- mke2fs on the RAID1 and on plain nbd0 -----------------------------------------------
T0=$(now)
( mdadm --create /dev/md0 --run --quiet --level=1 --raid-devices=2 --metadata=1.2 /dev/nbd1 /dev/nbd2 \
  && mke2fs -q -F -t ext4 -E lazy_itable_init=0,lazy_journal_init=0 /dev/md0 ) > /tmp/mkfs-md.log 2>&1 &
MK1=$!
mke2fs -q -F -t ext4 -E lazy_itable_init=0,lazy_journal_init=0 /dev/nbd0 > /tmp/mkfs-plain.log 2>&1 &
MK2=$!
phase_wait "mke2fs md0" $MK1 || finish hung mke2fs
phase_wait "mke2fs nbd0" $MK2 || finish hung mke2fs
MKFS_S=$(awk "BEGIN{printf \"%.1f\", $(now)-$T0}")
# Time to durable: what mke2fs left in the page cache of the three devices written out too.
sync &
phase_wait "sync after mke2fs" $! || finish hung mke2fs-sync
MKFS_DURABLE_S=$(awk "BEGIN{printf \"%.1f\", $(now)-$T0}")
log "mke2fs on md0 (RAID1 over nbd1+nbd2, resyncing) and nbd0 took ${MKFS_S}s, ${MKFS_DURABLE_S}s to durable (sync); $(grep -A2 md0 /proc/mdstat | tr -s ' \n' ' ')"
mount /dev/md0 /tmp/mnt-md
mount /dev/nbd0 /tmp/mnt-plain

# ---- memory hog: pins all but HOG_LEAVE_MB of MemAvailable, re-touching it -------------------
AVAIL=$(awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo)
HOG_MB=$(( AVAIL - HOG_LEAVE_MB ))
python3 -c "
import mmap, time, sys
n = $HOG_MB << 20
m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
for i in range(0, n, 4096): m[i] = 1
sys.stdout.write('hog holds $HOG_MB MB\n'); sys.stdout.flush()
while True:
    for i in range(0, n, 4096): m[i] = (m[i] + 1) & 255
    time.sleep(0.5)
" > /tmp/hog.log 2>&1 &
HOG=$!
echo 1000 > /proc/$HOG/oom_score_adj   # if the OOM killer must act, it takes the hog first
for _ in $(seq 600); do grep -q holds /tmp/hog.log && break; kill -0 $HOG 2>/dev/null || break; sleep 0.2; done
log "$(cat /tmp/hog.log); MemAvailable now $(awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo) MB"

# ---- heavy buffered writes to both file systems, then sync ----------------------------------
T_WRITE0=$(now)
( dd if=/dev/zero of=/tmp/mnt-md/big bs=1M count="$WRITE_MB" status=none && sync -f /tmp/mnt-md/big ) &
W1=$!
( dd if=/dev/zero of=/tmp/mnt-plain/big bs=1M count="$WRITE_MB" status=none && sync -f /tmp/mnt-plain/big ) &
W2=$!
phase_wait "write md0" $W1 || finish hung write
phase_wait "write nbd0" $W2 || finish hung write
S=$!
sync & S=$!
phase_wait "sync" $S || finish hung sync
T_WRITE_END=$(now)
kill $HOG 2>/dev/null || true
finish completed done
