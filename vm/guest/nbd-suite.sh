#!/bin/bash
# The NBD guest suite in one boot of the byte-knob kernel (GuestNbdTest): interop.sh (the kernel
# client against our server), then governor-nbd.sh (the governor on nbd0, a 10x slowdown, and
# nbd-faults.sh on nbd1: the client's timeout, a silent and a killed server). One boot instead of
# two saves a boot and the first JVM starts (~1 min of the suite). Exit: the sum of their exits
# (each the number of its failed CHECKs, or the status of a step that had to work).
set -uo pipefail
D=$(dirname "$(realpath "$0")")
rc=0
bash "$D/interop.sh" || rc=$((rc + $?))
bash "$D/governor-nbd.sh" || rc=$((rc + $?))
echo "[guest] nbd-suite: exit $rc"
exit $rc
