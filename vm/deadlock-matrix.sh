#!/bin/bash
# The deadlock bench (bench/deadlock.md): boots one small guest per server configuration and runs
# vm/guest/deadlock.sh in it (MD RAID1 over two NBD devices + plain ext4 on a third, all served
# from inside the guest, mke2fs then heavy buffered writes beside a memory hog). Every run ends:
# the guest's watchdog calls it hung and reports, and run-guest.sh's time limit kills qemu if
# even that cannot run.
# Usage: vm/deadlock-matrix.sh [OUTDIR] [CONFIG...]   (default OUTDIR bench/results/deadlock-DATE)
# Environment: MEM_MB (1024), WRITE_MB (600 per fs), HOG_LEAVE_MB (96), WATCHDOG_S (300),
# STALL_LIMIT_S (90): passed to the guest. Configurations: hardened no-mlock no-io-flusher
# no-fixed-heap unprotected (the default set), hardened+gov unprotected+gov (under `wbgov run`).
# WBGOV_VM_CACHE / WBGOV_VM_KERNEL choose the guest kernel (vm/build-guest.sh).
set -euo pipefail
SRC=$(dirname "$(realpath "$0")")
REPO=$(realpath "$SRC/..")
OUT=${1:-$REPO/bench/results/deadlock-$(date +%Y%m%d-%H%M)}
shift || true
MEM_MB=${MEM_MB:-1024}
# Build on the host first: the guest cannot (read-only tree).
"$REPO/wbgov" --version >/dev/null

# config name -> serve flags | extra JVM options (later options win over the launcher's fixed heap)
UNFIXED="-Xms8m -Xmx512m -XX:-AlwaysPreTouch"
declare -A FLAGS=([hardened]="" [no-mlock]="--no-mlock" [no-io-flusher]="--no-io-flusher" [no-fixed-heap]=""
                  [unprotected]="--no-mlock --no-io-flusher" [hardened+gov]="" [unprotected+gov]="--no-mlock --no-io-flusher")
declare -A JOPTS=([hardened]="" [no-mlock]="" [no-io-flusher]="" [no-fixed-heap]="$UNFIXED" [unprotected]="$UNFIXED"
                  [hardened+gov]="" [unprotected+gov]="$UNFIXED")
# "+gov": each server runs under `wbgov run --serve …` (the governor daemon) instead of `wbgov serve`.
CONFIGS=("$@")
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(hardened no-mlock no-io-flusher no-fixed-heap unprotected)
mkdir -p "$OUT"
for c in "${CONFIGS[@]}"; do
    echo "== $c" >&2
    rc=0
    "$SRC/run-guest.sh" -q -m "$MEM_MB" -d 4096 -t $(( 2 * ${WATCHDOG_S:-300} + 400 )) -w "$OUT/$c" \
        -e CONFIG="$c" -e SERVE_FLAGS="${FLAGS[$c]}" -e GOVERN="$( [[ $c == *+gov ]] && echo 1 || echo 0)" -e WBGOV_JAVA_OPTS="${JOPTS[$c]}" \
        -e WRITE_MB="${WRITE_MB:-600}" -e HOG_LEAVE_MB="${HOG_LEAVE_MB:-96}" \
        -e WATCHDOG_S="${WATCHDOG_S:-300}" -e STALL_LIMIT_S="${STALL_LIMIT_S:-90}" \
        "$SRC/guest/deadlock.sh" || rc=$?
    if grep -q '^RESULT' "$OUT/$c/result.txt" 2>/dev/null; then
        cat "$OUT/$c/result.txt"
    else
        # The guest could not even report: the host's time limit ended it.
        echo "RESULT config=$c status=hung phase=guest-unresponsive exit=$rc" | tee "$OUT/$c/result.txt"
    fi
done | tee "$OUT/results.txt"
