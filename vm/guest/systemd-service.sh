#!/bin/bash
# Inside the systemd guest (vm/run-guest.sh -s): installs the wbgov .deb into the throwaway
# overlay root and proves the service under the host's real systemd 252 as PID 1, one
# "CHECK PASS|FAIL" line each (vm/README.md, "systemd mode", lists them):
#   install    dpkg -i $DEB: installed, files in place, unit enabled (and started by postinst)
#   start      Type=notify: `systemctl restart` returns only after READY=1 (active, status socket
#              there), STATUS= text, `wbgov status` answers
#   govern     knobs differ from the ones recorded before the first start (a loop device on a
#              tmpfs file beside the 9p bdis; on 6.1 the ratio fallback: max_ratio/min_ratio)
#   reload     a valid admin policy: "policies reloaded"; a broken one: still active, same PID,
#              "policies NOT reloaded" and file:line in the journal, the old policies kept
#   watchdog   WatchdogSec from a drop-in, kill -STOP $MAINPID: "Watchdog timeout", ExecStopPost
#              `wbgov restore` ("wbgov restore: restored") or the next start's "restoring them
#              first", a new main PID governing again
#   journal    -p warning has the warnings/errors and none of the info lines (<N> prefixes)
#   nbd        wbgov-nbd@nbd0 (memory backend): attach under the unit's sandbox, ext4 written and
#              read back, the running daemon governs the nbd bdi; `systemctl stop` (ExecStop
#              `wbgov detach`): disconnected, no server left, socket and pid file gone, Result=success
#   stop       every knob back to its recorded value (the nbd bdi's too), `wbgov status` exits 3
#   upgrade    dpkg -i $DEB2 (higher version): the admin policy kept, the service running
#   purge      dpkg -P: knobs restored, unit gone, /etc/wbgov /var/lib/wbgov /etc/default/wbgov gone
# Settings (guest.env): DEB, DEB2 (paths visible in the guest, e.g. in the run directory),
# WATCHDOG_SEC (test drop-in, default 30: the shipped unit's own; 10 s killed a daemon whose rescan
# after a reload took longer under TCG on a loaded host). Prints "PHASE name took N s" and a timing table.
# Exit status: the number of failed checks.
set -uo pipefail
. "$(dirname "$(realpath "$0")")/lib.sh"
DEB=${DEB:-}; DEB2=${DEB2:-}
WATCHDOG_SEC=${WATCHDOG_SEC:-30}
U=wbgov
POL=/etc/wbgov/policies
SOCK=/run/wbgov/wbgov.sock
BEFORE=$WORK/knobs.before

T0=$(now); TP=$T0; TIMES=
phase() { local t; t=$(now); [ -n "${PNAME:-}" ] && { echo "PHASE $PNAME took $(awk "BEGIN{printf \"%.1f\", $t-$TP}") s"; TIMES+="$PNAME $(awk "BEGIN{printf \"%.1f\", $t-$TP}")\n"; }; PNAME=$1; TP=$t; log "=== $1"; }
# Timed command: "TIMED label: N s (rc R)" on the console (fd 3), whatever its own output does.
exec 3>&1
timed() { local label=$1 t rc; shift; t=$(now); "$@"; rc=$?; echo "TIMED $label: $(awk "BEGIN{printf \"%.1f\", $(now)-$t}") s (rc $rc)" >&3; return $rc; }
prop() { systemctl show -p "$1" --value $U; }

# Knobs of every bdi; the ones compared are the settings (ratios, strict_limit), not max_bytes /
# min_bytes, which are views of the ratio times the current dirty threshold (vm/README.md).
knobs() { local b k; for b in /sys/class/bdi/*; do for k in max_ratio min_ratio max_ratio_fine min_ratio_fine strict_limit max_bytes min_bytes; do [ -r $b/$k ] && echo "${b##*/} $k $(cat $b/$k 2>/dev/null)"; done; done; }
settings() { grep -Ev ' (max|min)_bytes ' "$1"; }
knobs_diff() { knobs > /tmp/knobs.now; diff <(settings "$BEFORE") <(settings /tmp/knobs.now); }
knobs_restored() { knobs_diff > /tmp/knobs.diff || { sed 's/^/    /' /tmp/knobs.diff | head -20; return 1; }; }
# Waits (bounded) until some knob differs from the recorded ones: the daemon governs.
knobs_governed() { local i; for i in $(seq "${1:-60}"); do knobs_diff > /tmp/knobs.diff || { grep '^>' /tmp/knobs.diff | head -8 | sed 's/^/    now: /'; return 0; }; sleep 1; done; return 1; }

# The unit's journal, from a line count on (append-only): what happened since a mark.
jmark() { journalctl -u $U -o cat --no-pager -q | wc -l; }
jsince() { journalctl -u $U -o cat --no-pager -q | tail -n +$(($1 + 1)); }
# Waits up to $3 s for a line matching the ERE $2 in the journal since mark $1.
jwait() { local i; for i in $(seq "${3:-90}"); do jsince "$1" > /tmp/jsince.txt; grep -Eq "$2" /tmp/jsince.txt && return 0; sleep 1; done; return 1; }
active_now() { [ "$(prop ActiveState)" = active ]; }

phase setup
log "kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) MB; PID 1: $(cat /proc/1/comm); $(systemctl --version | head -1)"
log "system: $(systemctl is-system-running); root: $(findmnt -n -o FSTYPE /); DEB=$DEB DEB2=$DEB2"
[ "$(cat /proc/1/comm)" = systemd ] || { fail "PID 1 is systemd (run with vm/run-guest.sh -s)"; exit "$FAILS"; }
{ [ -r "$DEB" ] && [ -r "$DEB2" ]; } || { fail "settings: DEB and DEB2 readable in the guest (DEB=$DEB DEB2=$DEB2)"; exit "$FAILS"; }
# A device to govern besides the 9p bdis: ext4 on a loop device over a tmpfs file.
truncate -s 256M /tmp/wbgov-loop.img
LOOP=$(losetup -f --show /tmp/wbgov-loop.img)
mkfs.ext4 -q -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$LOOP" && mkdir -p /mnt/wbgov-loop && mount "$LOOP" /mnt/wbgov-loop
LOOPBDI=$(lsblk -dno MAJ:MIN "$LOOP" | tr -d ' ')
knobs > "$BEFORE"
log "loop: $LOOP (bdi $LOOPBDI) on /mnt/wbgov-loop; $(wc -l < "$BEFORE") knobs recorded of $(ls /sys/class/bdi | wc -l) bdis; $LOOPBDI: $(grep "^$LOOPBDI " "$BEFORE" | cut -d' ' -f2- | tr '\n' ' ')"
[ -e /sys/class/bdi/$LOOPBDI/max_bytes ] || log "no max_bytes/strict_limit on this kernel: the daemon's ratio fallback (max_ratio/min_ratio) is what changes"
# The test's watchdog, in place before the package starts the service (one JVM start fewer under
# TCG): WatchdogSec short enough to wait for, long enough for a JVM on an emulated CPU; LimitCORE=0
# because a frozen JVM killed by the watchdog's SIGABRT would dump hundreds of MB into RAM.
DROPIN=/etc/systemd/system/$U.service.d/test.conf
mkdir -p "${DROPIN%/*}"
printf '[Service]\nWatchdogSec=%ss\nLimitCORE=0\n' "$WATCHDOG_SEC" > $DROPIN

phase install
# dpkg's output: in the run directory, its last lines on the console.
dpkg_do() { local log=$WORK/dpkg-$1.log; shift; timed "dpkg $*" dpkg "$@" > "$log" 2>&1; local rc=$?; tail -n 6 "$log" | sed 's/^/    dpkg: /'; return $rc; }
dpkg_do install -i "$DEB"
# postinst's start (deb-systemd-invoke) returns after READY=1 as `systemctl start` does: look
# right away. If postinst did not start it, start it here (and fail the postinst check).
STATE="$(prop ActiveState)/$(prop SubState)"; SOCK_NOW=no; [ -S $SOCK ] && SOCK_NOW=yes
check "installed: $(dpkg-query -W -f='${Version}' wbgov 2>/dev/null)" bash -c '[ "$(dpkg-query -W -f="\${Status}" wbgov 2>/dev/null)" = "install ok installed" ]'
UNITFILE=$(ls /lib/systemd/system/wbgov.service /usr/lib/systemd/system/wbgov.service 2>/dev/null | head -1)
check "files: /usr/bin/wbgov" test -x /usr/bin/wbgov
check "files: /lib/systemd/system/wbgov.service" test -f /lib/systemd/system/wbgov.service
check "files: /usr/share/wbgov/policies/*.toml ($(ls /usr/share/wbgov/policies/*.toml 2>/dev/null | wc -l))" bash -c 'ls /usr/share/wbgov/policies/*.toml >/dev/null 2>&1'
check "files: man page ($(ls /usr/share/man/man*/wbgov.* 2>/dev/null | tr '\n' ' '))" bash -c 'ls /usr/share/man/man*/wbgov.* >/dev/null 2>&1'
check "files: bash completion" test -f /usr/share/bash-completion/completions/wbgov
check "postinst enabled the unit ($(systemctl is-enabled $U 2>&1))" bash -c "[ \"\$(systemctl is-enabled $U 2>/dev/null)\" = enabled ]"
log "after postinst: $STATE, MainPID $(prop MainPID), unit file ${UNITFILE:-none}"
check "postinst started the service" test "$STATE" = active/running

phase start
check "Type=notify" bash -c "[ \"\$(systemctl show -p Type --value $U)\" = notify ]"
if [ "$STATE" != active/running ]; then
    timed "systemctl start $U (returns after READY=1)" timeout 300 systemctl start $U
    STATE="$(prop ActiveState)/$(prop SubState)"; SOCK_NOW=no; [ -S $SOCK ] && SOCK_NOW=yes
fi
START_T=$(now)
check "active right after start returned ($STATE)" test "$STATE" = active/running
check "status socket $SOCK there right after start returned (READY after the first tick)" test "$SOCK_NOW" = yes
STATUS=$(prop StatusText)
check "STATUS= text: '$STATUS'" test -n "$STATUS"
check "systemctl status shows a Status: line" bash -c "systemctl status --no-pager $U | grep -q 'Status: \"'"

phase govern
check "knobs governed while running" knobs_governed 60

phase reload
cat > $POL/zz-admin.toml <<'EOF'
# An admin policy dropped in by vm/guest/systemd-service.sh.
[policy]
name = "admin-loop"
priority = 90

[match]
kind = "loop"

[limits]
drain_target = "2s"
floor = "8M"
ceiling = "256M"
initial = "32M"
strict = false
EOF
ADMIN_SHA=$(sha $POL/zz-admin.toml)
PID=$(prop MainPID); M=$(jmark)
timed "systemctl reload (valid admin policy)" systemctl reload $U
check "reload with a valid admin policy: 'policies reloaded' in the journal" jwait "$M" 'policies reloaded' 90
printf '[policy]\nname = "broken"\npriority = 91\n\n[match]\nkind = "loop"\n\n[limits]\nfloor = "banana"\n' > $POL/zz-broken.toml
M=$(jmark)
timed "systemctl reload (broken policy)" systemctl reload $U
check "broken policy: 'policies NOT reloaded' in the journal" jwait "$M" 'policies NOT reloaded' 90
check "broken policy: the error with file:line (zz-broken.toml:9)" jwait "$M" 'zz-broken\.toml:[0-9]+' 10
jsince "$M" | grep -E 'NOT reloaded|zz-broken' | head -5 | sed 's/^/    journal: /'
check "broken policy: still active, same main PID ($PID -> $(prop MainPID))" bash -c "[ \"\$(systemctl show -p ActiveState --value $U)\" = active ] && [ \"\$(systemctl show -p MainPID --value $U)\" = $PID ]"
timed "wbgov status" /usr/bin/wbgov status > /tmp/status.out 2>&1; rc=$?
check "wbgov status exits 0 while running (rc $rc)" test $rc = 0
check "broken policy: the old policies kept (status names admin-loop)" grep -q admin-loop /tmp/status.out
head -3 /tmp/status.out | sed 's/^/    status: /'
grep -E "admin-loop|$LOOPBDI" /tmp/status.out | head -3 | sed 's/^/    status: /'
rm -f $POL/zz-broken.toml

phase watchdog
N0=$(prop NRestarts); P0=$(prop MainPID)
# At least twice the watchdog interval since the start without a kill: the daemon's pings have
# enough slack under TCG.
W=$(awk "BEGIN{w = 2 * $WATCHDOG_SEC - ($(now) - $START_T); print (w > 0) ? int(w) + 1 : 0}")
sleep "$W"
check "no watchdog kill in the $(awk "BEGIN{printf \"%.0f\", $(now) - $START_T}") s since the start (WatchdogSec=${WATCHDOG_SEC}s; NRestarts $N0, $(prop NRestarts))" test "$(prop NRestarts)" = 0
M=$(jmark); TF=$(now)
kill -STOP "$P0"
KILLED=; NEWUP=
# Bounded by time, not iterations (each look is a few journalctl/systemctl calls, slow under TCG).
DEADLINE=$(awk "BEGIN{print $TF + 3 * $WATCHDOG_SEC + 180}")
while awk "BEGIN{exit !($(now) < $DEADLINE)}"; do
    sleep 0.5
    [ -z "$KILLED" ] && jsince "$M" > /tmp/jsince.txt && grep -qi 'watchdog timeout' /tmp/jsince.txt && KILLED=$(now)
    P1=$(prop MainPID)
    if [ "$P1" != 0 ] && [ "$P1" != "$P0" ] && active_now; then NEWUP=$(now); break; fi
done
log "watchdog: frozen at $TF, timeout logged at ${KILLED:-never}, new main PID $P1 active at ${NEWUP:-never} (NRestarts $N0 -> $(prop NRestarts))"
[ -n "$KILLED" ] && echo "TIMED watchdog freeze -> kill: $(awk "BEGIN{printf \"%.1f\", $KILLED-$TF}") s"
[ -n "$NEWUP" ] && echo "TIMED watchdog freeze -> new instance active: $(awk "BEGIN{printf \"%.1f\", $NEWUP-$TF}") s"
check "watchdog: 'Watchdog timeout' in the journal" jwait "$M" '[Ww]atchdog timeout' 5
check "watchdog: knobs restored in between ('wbgov restore: restored' from ExecStopPost, or 'restoring them first')" jwait "$M" 'wbgov restore: restored|restoring them first' 5
check "watchdog: Restart=on-failure started a new main PID ($P0 -> $P1)" test -n "$NEWUP"
if [ -n "$NEWUP" ]; then
    jsince "$M" | grep -Ei 'watchdog|restore|restart|signal|Main process|fail|error|refus' | head -12 | sed 's/^/    journal: /'
else
    journalctl -u $U -o short-monotonic --no-pager -q | tail -n +$((M + 1)) | head -60 | sed 's/^/    journal: /'
fi
new_instance_governs() { [ -n "$NEWUP" ] && knobs_governed 60; }
check "watchdog: the new instance governs" new_instance_governs
rm -f $DROPIN
systemctl daemon-reload

phase journal
journalctl -u $U -p warning -o cat --no-pager -q > /tmp/jwarn.txt
log "journalctl -u $U -p warning: $(wc -l < /tmp/jwarn.txt) lines of $(jmark)"
head -8 /tmp/jwarn.txt | sed 's/^/    -p warning: /'
check "journal -p warning has the daemon's warnings/errors ('policies NOT reloaded')" grep -q 'policies NOT reloaded' /tmp/jwarn.txt
check "journal -p warning has no info lines ('policies reloaded' is info)" bash -c "! grep -q 'policies reloaded' /tmp/jwarn.txt"
check "journal: the info line is at priority info (<6>)" bash -c "journalctl -u $U -p info..info -o cat --no-pager -q | grep -q 'policies reloaded'"
check "journal: no literal <N> prefix left in messages" bash -c "! journalctl -u $U -o cat --no-pager -q | grep -Eq '^<[0-7]>'"

phase nbd
# The template unit as an admin uses it, while the daemon runs (it is to govern the new device).
# Before `stop`, so that phase's knob check covers the nbd bdi too.
NU=wbgov-nbd@nbd0; NBDMNT=/mnt/wbgov-nbd
nprop() { systemctl show -p "$1" --value $NU; }
njournal() { journalctl -u $NU -o cat --no-pager -q; }
mkdir -p /etc/wbgov/nbd
printf '# written by vm/guest/systemd-service.sh\nWBGOV_NBD_BACKEND=memory:128M\nWBGOV_NBD_OPTS=""\n' > /etc/wbgov/nbd/nbd0.conf
NBDBDI=$(basename "$(readlink /sys/block/nbd0/bdi 2>/dev/null)" 2>/dev/null); NBDBDI=${NBDBDI:-43:0}
M=$(jmark)
timed "systemctl start $NU" systemctl start $NU
# Type=simple: start returns at the fork; "attached /dev/nbd0" is the readiness line (one JVM start).
nattached() { local i; for i in $(seq "$1"); do njournal | grep -q 'attached /dev/nbd0' && return 0; case $(nprop ActiveState) in failed|inactive) return 1;; esac; sleep 1; done; return 1; }
TA=$(now); nattached 180; echo "TIMED $NU start -> 'attached' in its journal: $(awk "BEGIN{printf \"%.1f\", $(now)-$TA}") s"
njournal | tail -n 8 | sed 's/^/    nbd journal: /'
check "nbd: $NU active ($(nprop ActiveState)/$(nprop SubState))" bash -c "[ \"\$(systemctl show -p ActiveState --value $NU)\" = active ]"
check "nbd: 'attached /dev/nbd0' in the unit's journal" bash -c "journalctl -u $NU -o cat --no-pager -q | grep -q 'attached /dev/nbd0'"
check "nbd: /dev/nbd0 connected (size $(cat /sys/block/nbd0/size) sectors)" bash -c '[ "$(cat /sys/block/nbd0/size)" -gt 0 ] && [ -e /sys/block/nbd0/pid ]'
nbd_fs() {
    mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 /dev/nbd0 || return 1
    mkdir -p $NBDMNT && mount /dev/nbd0 $NBDMNT || return 1
    NSHA=$(head -c 32M /dev/urandom | tee $NBDMNT/data | sha256sum | cut -c1-16)
    sync && echo 3 > /proc/sys/vm/drop_caches
    [ "$(sha $NBDMNT/data)" = "$NSHA" ]
}
check "nbd: ext4 on /dev/nbd0, 32 MB written, synced, read back with the same sha256" timed "mkfs+mount+write+sync+read" nbd_fs
# The daemon saw the device change (connected, mounted) and governs its bdi: a line for it in the
# daemon's journal since the start, and its knob (6.1: the ratio fallback, max_ratio) not the one
# recorded before the daemon's first start.
check "nbd: the daemon governs nbd0 ($NBDBDI): a line for it in the daemon's journal" jwait "$M" "nbd0 \\($NBDBDI\\)" 60
jsince "$M" | grep "nbd0 ($NBDBDI)" | head -3 | sed 's/^/    journal: /'
KB=$(grep "^$NBDBDI max_ratio " "$BEFORE" | cut -d' ' -f3); KN=$(cat /sys/class/bdi/$NBDBDI/max_ratio)
check "nbd: the daemon set $NBDBDI's knob (max_ratio $KB -> $KN)" test "$KN" != "$KB"
umount $NBDMNT
timed "systemctl stop $NU (ExecStop: wbgov detach)" systemctl stop $NU
NSTATE="$(nprop ActiveState)/$(nprop SubState)"; NRES=$(nprop Result); NCODE="$(nprop ExecMainCode)/$(nprop ExecMainStatus)"
journalctl -u $NU -o cat --no-pager -q | tail -n 6 | sed 's/^/    nbd journal: /'
check "nbd: stopped, inactive ($NSTATE)" test "$NSTATE" = inactive/dead
check "nbd: the stop counted as clean (Result=$NRES, main process $NCODE)" bash -c "[ '$NRES' = success ] && ! journalctl -u $NU --no-pager -q | grep -q 'Failed with result'"
check "nbd: /dev/nbd0 disconnected (size $(cat /sys/block/nbd0/size))" bash -c '[ "$(cat /sys/block/nbd0/size)" = 0 ] && [ ! -e /sys/block/nbd0/pid ]'
check "nbd: no server process left" bash -c "! pgrep -f 'wbgov[.]cli[.]Main (attach|detach)' >/dev/null"
check "nbd: /run/wbgov/nbd0.sock and nbd0.pid gone" bash -c '[ ! -e /run/wbgov/nbd0.sock ] && [ ! -e /run/wbgov/nbd0.pid ]'

phase stop
timed "systemctl stop $U" systemctl stop $U
check "stopped ($(prop ActiveState))" bash -c "[ \"\$(systemctl show -p ActiveState --value $U)\" != active ]"
check "stop: every knob back to its recorded value" knobs_restored
timed "wbgov status (not running)" /usr/bin/wbgov status > /tmp/status3.out 2>&1; rc=$?
check "wbgov status exits 3 when the daemon is not running (rc $rc: $(head -1 /tmp/status3.out))" test $rc = 3

phase upgrade
V2=$(dpkg-deb -f "$DEB2" Version)
timed "systemctl start $U" timeout 300 systemctl start $U
P0=$(prop MainPID)
dpkg_do upgrade -i "$DEB2"
check "upgrade: version $(dpkg-query -W -f='${Version}' wbgov) = $V2" bash -c "[ \"\$(dpkg-query -W -f='\${Version}' wbgov)\" = '$V2' ]"
check "upgrade: the admin policy kept" bash -c "[ \"\$(sha256sum $POL/zz-admin.toml 2>/dev/null | cut -c1-16)\" = $ADMIN_SHA ]"
check "upgrade: the service runs ($(prop ActiveState); main PID $P0 -> $(prop MainPID))" active_now

phase purge
dpkg_do purge -P wbgov
check "purge: not installed" bash -c "! dpkg-query -W -f='\${Status}' wbgov 2>/dev/null | grep -q installed"
check "purge: every knob back to its recorded value" knobs_restored
check "purge: unit gone" bash -c "[ \"\$(systemctl show -p LoadState --value $U)\" = not-found ] && ! pgrep -f 'wbgov[.]cli[.]Main' >/dev/null"
for d in /etc/wbgov /var/lib/wbgov /etc/default/wbgov; do check "purge: $d gone" test ! -e $d; done

phase done
# The whole story for whoever reads the run directory afterwards.
journalctl -u $U -o short-monotonic --no-pager > $WORK/journal-wbgov.txt 2>&1
journalctl -b -o short-monotonic --no-pager > $WORK/journal-boot.txt 2>&1
umount /mnt/wbgov-loop; losetup -d "$LOOP"
log "phases (s):"; printf "$TIMES" | sed 's/^/    /'
log "systemd-service: $FAILS failed checks, $(awk "BEGIN{printf \"%.0f\", $(now)-$T0}") s in the script"
exit "$FAILS"
