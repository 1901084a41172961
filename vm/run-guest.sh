#!/bin/bash
# Boots the test guest and runs one script inside it, as root, at the same path as on the host.
#
# Usage: vm/run-guest.sh [-m MEM_MB] [-t TIMEOUT_S] [-w RUNDIR] [-e KEY=VALUE]... [-q] [-d MB] [-s] SCRIPT
#   -m  guest memory (default 2048)         -t  wall-clock limit, then qemu is killed (default 600)
#   -w  run directory, shared read-write with the guest at the same path (default: a new
#       /tmp/wbgov-vm-run.XXXXXX); console.log, qemu.pid and whatever the script writes land here
#   -e  settings for the script: written to RUNDIR/guest.env, which guest scripts source (the
#       guest's environment is reset by init)
#   -q  do not stream the console to stdout (it is always in RUNDIR/console.log)
#   -d  add a scratch disk of this many MB as the guest's /dev/vda (sparse file RUNDIR/scratch.img,
#       deleted afterwards): a real, page-cached local disk inside the guest
#   -s  systemd mode: the host's systemd is PID 1 in a throwaway overlay root (guest-init-systemd.sh)
#       and SCRIPT runs from a oneshot unit once wbgov-test.target is reached; the run directory
#       is also at /vmwork
# Exit status: the script's own, 124 when the time limit killed the guest, 99 when the guest
# ended without reporting one (kernel panic, init failure).
#
# The guest sees the host's / read-only (build the project on the host first) and has no network
# device (-nic none), only its own lo. The kernel comes from vm/build-guest.sh's cache
# ($WBGOV_VM_CACHE, default /tmp/wbgov-vm-cache), which this script builds when missing.
set -euo pipefail
SRC=$(dirname "$(realpath "$0")")
MEM=2048; TMO=600; RUN=; QUIET=0; ENVS=(); DISK=0; MODE=
while getopts "m:t:w:e:qd:s" o; do
    case $o in
        m) MEM=$OPTARG ;; t) TMO=$OPTARG ;; w) RUN=$OPTARG ;; e) ENVS+=("$OPTARG") ;; q) QUIET=1 ;; d) DISK=$OPTARG ;;
        s) MODE=" vmsystemd=1 systemd.show_status=error" ;;
        *) sed -n '2,21p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,21p' "$0" >&2; exit 2; }
SCRIPT=$(realpath "$1")
[ -f "$SCRIPT" ] || { echo "run-guest: no such script $SCRIPT" >&2; exit 2; }
# The guest's /tmp is its own tmpfs: a repository under the host's /tmp (a CI clone) is bound
# back into it at the same path (guest-init.sh, vmkeep=).
KEEP=
case $SCRIPT in
    /tmp/*) KEEP=$(git -C "$(dirname "$SCRIPT")" rev-parse --show-toplevel 2>/dev/null || dirname "$SCRIPT")
            case $KEEP in /tmp/?*) ;; *) echo "run-guest: $SCRIPT is under /tmp and not in a repository there" >&2; exit 2 ;; esac ;;
esac
KDIR=${WBGOV_VM_CACHE:-/tmp/wbgov-vm-cache}
"$SRC"/build-guest.sh "$KDIR" >&2

if [ -z "$RUN" ]; then RUN=$(mktemp -d /tmp/wbgov-vm-run.XXXXXX); fi
mkdir -p "$RUN"
RUN=$(realpath "$RUN")
# Printed with %q: the guest sources the file, so values with spaces survive.
: > "$RUN/guest.env"
for kv in "${ENVS[@]}"; do printf '%s=%q\n' "${kv%%=*}" "${kv#*=}" >> "$RUN/guest.env"; done

# TCG (software emulation) unless WBGOV_VM_KVM=1: on this project's machines /dev/kvm exists and
# qemu accepts -accel kvm, but the guest then never prints a line (measured: 10 min, empty
# console). The guest's /tmp is RAM: a third of the guest's memory, so small guests keep room.
# Nehalem (SSE4.2, no AVX): with -cpu max the guest JVMs' JIT picked AVX code paths and
# crashed now and then under TCG (SIGSEGV entering compiled code, corrupt annotation data),
# about one run in two; no crash with a CPU model whose instructions TCG has long emulated.
ACCEL=(-accel tcg,thread=multi -cpu Nehalem)
[ "${WBGOV_VM_KVM:-0}" = 1 ] && ACCEL=(-accel kvm -cpu host)
SMP=${SMP:-$(nproc)}
DRIVE=()
if [ "$DISK" -gt 0 ]; then
    rm -f "$RUN/scratch.img"
    truncate -s "${DISK}M" "$RUN/scratch.img"
    # cache=unsafe: the host's page cache absorbs it; the guest still sees a disk with its own
    # queue and write-back (what the test needs), and nothing on it outlives the run.
    DRIVE=(-drive "file=$RUN/scratch.img,if=virtio,format=raw,cache=unsafe")
fi
LOG=$RUN/console.log
: > "$LOG"
rm -f "$RUN/qemu.pid"
START=$EPOCHREALTIME
qemu-system-x86_64 \
    -nodefaults -no-user-config -nic none -display none \
    -machine q35 "${ACCEL[@]}" -smp "$SMP" -m "$MEM" \
    "${DRIVE[@]}" \
    -kernel "$KDIR"/vmlinuz -initrd "$KDIR"/initrd.img \
    -append "console=ttyS0 loglevel=4 panic=-1 no_timer_check vmtest=$SCRIPT vmwork=$RUN vmtmp=$((MEM / 3))m${KEEP:+ vmkeep=$KEEP}$MODE" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$RUN",mount_tag=work,security_model=none,multidevs=remap \
    -serial file:"$LOG" -no-reboot -pidfile "$RUN/qemu.pid" </dev/null 2>"$RUN/qemu.err" &
QPID=$!
TPID=
# Whatever ends this script (timeout, SIGTERM from a test runner, ^C) ends the guest with it.
cleanup() {
    kill "$QPID" 2>/dev/null && { sleep 1; kill -9 "$QPID" 2>/dev/null; } || true
    [ -n "$TPID" ] && kill "$TPID" 2>/dev/null || true
    rm -f "$RUN/scratch.img"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
[ "$QUIET" = 1 ] || echo "run-guest: qemu pid $QPID (${MEM} MB, $SMP cpus), run dir $RUN" >&2
if [ "$QUIET" != 1 ]; then
    tail -n +1 -F "$LOG" 2>/dev/null | while IFS= read -r l; do
        printf '[vm +%5.1fs] %s\n' "$(awk "BEGIN{print $EPOCHREALTIME-$START}")" "${l%$'\r'}"
    done &
    TPID=$!
fi
deadline=$(( $(date +%s) + TMO ))
timed_out=0
while kill -0 "$QPID" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "run-guest: TIMEOUT after ${TMO}s: killing qemu $QPID" >&2
        timed_out=1
        kill "$QPID"; sleep 2; kill -9 "$QPID" 2>/dev/null || true
        break
    fi
    sleep 0.5
done
wait "$QPID" 2>/dev/null || true
sleep 0.3
grep -q . "$RUN/qemu.err" && sed 's/^/run-guest: qemu: /' "$RUN/qemu.err" >&2 || true
echo "run-guest: guest ended after $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME-$START}") s" >&2
[ "$timed_out" = 1 ] && exit 124
rc=$(sed -n 's/^VMTEST_EXIT=\([0-9]*\).*/\1/p' "$LOG" | tail -1)
exit "${rc:-99}"
