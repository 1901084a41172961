#!/bin/bash
# The deadlock bench (bench/deadlock.md): boots one small guest per server configuration and runs
# vm/guest/deadlock.sh in it (MD RAID1 over two NBD devices + plain ext4 on a third, all served
# from inside the guest, mke2fs then heavy buffered writes beside a memory hog). Every run ends:
# the guest's watchdog calls it hung and reports, and run-guest.sh's time limit kills qemu if
# even that cannot run.
# Usage: vm/deadlock-matrix.sh [OUTDIR] [CONFIG...]   (default OUTDIR bench/results/deadlock-DATE)
# Environment: RUNS (5: runs per configuration, interleaved: every configuration once, then again,
# so a slow spell of the host does not fall on one row), MEM_MB (1024), WRITE_MB (600 per fs), HOG_LEAVE_MB (96), WATCHDOG_S (300),
# STALL_LIMIT_S (90): passed to the guest. Configurations (default: all, in this order):
# unprotected unprotected+gov hardened hardened+gov no-mlock no-io-flusher no-fixed-heap ("+gov":
# under `wbgov run`). WBGOV_VM_CACHE / WBGOV_VM_KERNEL choose the guest kernel (default Debian's
# 6.12, vm/build-guest.sh). ~6 min a run: the default 7 x 5 runs take ~3.5 h on 2 cores.
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
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(unprotected unprotected+gov hardened hardened+gov no-mlock no-io-flusher no-fixed-heap)
# The kernel with per-bdi byte knobs (6.12; 6.1 has only max_ratio, which a +gov row cannot show),
# cached apart from the default guest's, as GuestNbdTest does.
export WBGOV_VM_KERNEL=${WBGOV_VM_KERNEL:-linux-image-6.12-amd64}
export WBGOV_VM_CACHE=${WBGOV_VM_CACHE:-/tmp/wbgov-vm-cache-$WBGOV_VM_KERNEL}
mkdir -p "$OUT"
RUNS=${RUNS:-5}
for run in $(seq "$RUNS"); do
for c in "${CONFIGS[@]}"; do
    echo "== $c, run $run of $RUNS" >&2
    rc=0
    W="$OUT/$c/run$run"
    mkdir -p "$W"
    "$SRC/run-guest.sh" -q -m "$MEM_MB" -d 4096 -t $(( 2 * ${WATCHDOG_S:-300} + 400 )) -w "$W" \
        -e CONFIG="$c" -e SERVE_FLAGS="${FLAGS[$c]}" -e GOVERN="$( [[ $c == *+gov ]] && echo 1 || echo 0)" -e WBGOV_JAVA_OPTS="${JOPTS[$c]}" \
        -e WRITE_MB="${WRITE_MB:-600}" -e HOG_LEAVE_MB="${HOG_LEAVE_MB:-96}" \
        -e WATCHDOG_S="${WATCHDOG_S:-300}" -e STALL_LIMIT_S="${STALL_LIMIT_S:-90}" \
        "$SRC/guest/deadlock.sh" || rc=$?
    if grep -q '^RESULT' "$W/result.txt" 2>/dev/null; then
        sed "s/^RESULT /RESULT run=$run /" "$W/result.txt"
    else
        # The guest could not even report: the host's time limit ended it.
        echo "RESULT run=$run config=$c status=hung phase=guest-unresponsive exit=$rc" | tee "$W/result.txt"
    fi
done
done | tee "$OUT/results.txt"
# Per configuration: hung / completed of RUNS, and the median (min-max) of the completed runs'
# time to durable after mke2fs, write throughput and longest stall.
awk '
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n == 0 ? "n/a" : sprintf("%s (%s-%s)", a[int((n + 1) / 2)], a[1], a[n]) }
/^RESULT/ { c = ""; st = ""; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } c = v["config"]
    if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
    if (v["status"] == "completed") { done[c]++; m = ++nm[c]; mk[c, m] = v["mkfs_durable_s"]; tp[c, m] = v["write_MBps"]; ls[c, m] = v["longest_stall_s"] }
    else hung[c]++
    delete v }
END { printf "| configuration | hung | completed | mke2fs + sync, s | write MB/s | longest stall, s |\n|---|---|---|---|---|---|\n"
    for (k = 1; k <= nc; k++) { c = order[k]; n = nm[c] + 0
        for (i = 1; i <= n; i++) { a1[i] = mk[c, i]; a2[i] = tp[c, i]; a3[i] = ls[c, i] }
        printf "| %s | %d | %d | %s | %s | %s |\n", c, hung[c], done[c], med(a1, n), med(a2, n), med(a3, n)
        delete a1; delete a2; delete a3 } }' "$OUT/results.txt" | tee "$OUT/summary.md"
