# Shared helpers for the scripts that run inside the test guest (sourced, not executed).
# Settings come from $WBGOV_VM_WORK/guest.env (written by vm/run-guest.sh -e KEY=VALUE), because
# the guest's init resets the environment.
#   WBGOV       how to run the CLI (default: the repository's launcher, which never builds in the
#               guest: the tree is read-only there)
#   WBGOV_JAVA_OPTS   extra JVM options for it (the launcher appends them last)
#   WBGOV_CLASSPATH   run these classes instead of the launcher's build (the JUnit tests do)
VM_GUEST_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
REPO=$(realpath "$VM_GUEST_DIR/../..")
WORK=${WBGOV_VM_WORK:-/tmp}
# shellcheck disable=SC1091
[ -f "$WORK/guest.env" ] && . "$WORK/guest.env"
WBGOV=${WBGOV:-$REPO/wbgov}
# JVMs in this guest (TCG, an emulated Nehalem) crashed now and then in compiled code (exit 134
# or SIGSEGV, in `serve` and in `ctl`, on unchanged code too). C1 only: the guest tests
# behaviour, not speed.
export WBGOV_JAVA_OPTS="${WBGOV_JAVA_OPTS:-} -XX:TieredStopAtLevel=1"
export WBGOV_JAVA_OPTS=${WBGOV_JAVA_OPTS:-}
# WBGOV_CLASSPATH: the JUnit VM tests run the classes Maven just compiled (see ./wbgov).
[ -n "${WBGOV_CLASSPATH:-}" ] && export WBGOV_CLASSPATH
unset JAVA_TOOL_OPTIONS
FAILS=0

now() { awk '{print $1}' /proc/uptime; }
log() { echo "[guest $(now)] $*"; }
# One line per check, grep-able by the JUnit test: "CHECK PASS name: detail" / "CHECK FAIL …".
pass() { echo "CHECK PASS $*"; }
fail() { echo "CHECK FAIL $*"; FAILS=$((FAILS + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name (command: $*)"; fi; }

# Waits until a TCP port is in LISTEN state, or a Unix socket exists. Both /proc/net/tcp and tcp6:
# Java listens on a dual-stack IPv6 socket even for 127.0.0.1, so only tcp6 shows our server.
# Bounded by 180 s: a JVM starts in ~2 s in an idle TCG guest, ~10 s and more when the host's two
# cores are busy (measured).
# With a pid, gives up as soon as that process (the server) has died.
wait_tcp() { local hex; hex=$(printf '%04X' "$1"); for _ in $(seq 900); do awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p {f = 1} END {exit !f}' /proc/net/tcp /proc/net/tcp6 && return 0; [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1; sleep 0.2; done; return 1; }
wait_sock() { for _ in $(seq 900); do [ -S "$1" ] && return 0; [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1; sleep 0.2; done; return 1; }
# Waits for a line in a log file while the process that writes it lives (bounded, 180 s).
wait_line() { local file=$1 pattern=$2 pid=$3; for _ in $(seq 900); do grep -q "$pattern" "$file" 2>/dev/null && return 0; kill -0 "$pid" 2>/dev/null || return 1; sleep 0.2; done; return 1; }
# Waits until a process is gone (bounded), then kills it hard.
wait_gone() { local pid=$1 t=${2:-30}; for _ in $(seq $((t * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$pid" 2>/dev/null; return 1; }
sha() { sha256sum "$1" | cut -c1-16; }
# The allocated size (KiB) of the server's memfd backend: shows TRIM freeing memory.
memfd_kib() { local pid=$1 f; for f in /proc/"$pid"/fd/*; do case $(readlink "$f") in *memfd:wbgov*) echo $(( $(stat -L -c %b "$f") / 2 )); return; esac; done; echo -1; }
