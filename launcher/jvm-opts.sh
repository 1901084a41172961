# wbgov's JVM options per subcommand, in one place. Sourced (not run) by the checkout's ./wbgov
# and, installed as /usr/share/wbgov/jvm-opts.sh, by the packaged /usr/bin/wbgov.
#   wbgov_jvm_opts SUBCOMMAND ARGS…   sets WBGOV_OPTS (the per-subcommand flags) and
#                                     exports MALLOC_ARENA_MAX / WBGOV_RUN_JVM_OPTS where they apply.
# The caller adds -Djna.tmpdir, ${WBGOV_JAVA_OPTS} (later on the line, so it overrides these), the
# classpath and the main class.
# shellcheck shell=bash

# The server and the daemon sit in the write-out path: a fixed, pre-touched heap, a bounded
# direct-memory pool and a serial collector, so that what they lock is small and does not grow.
# (README: "What the server locks".) Override with WBGOV_JAVA_OPTS.
# mlockall counts every mapping's full size in VmLck, reserved or not (nbd-server/README.md,
# "What it locks"): small reservations for class space, metaspace and code cache, and one malloc
# arena instead of one 64 MiB arena per thread, cut VmLck from ~1.4 GiB to ~0.4 GiB.
WBGOV_FIXED="-Xms64m -Xmx64m -XX:+AlwaysPreTouch -XX:+UseSerialGC -Xss512k -XX:MaxDirectMemorySize=320m
       -XX:MaxMetaspaceSize=64m -XX:CompressedClassSpaceSize=16m -XX:ReservedCodeCacheSize=32m -XX:-UsePerfData"
# The daemon alone does a few reads per tick: most of its CPU was the JVM's, C2 recompiling code
# that C1 already made fast enough, and the monitor-deflation thread waking 4 times a second.
# C1 only, one compiler thread, deflation checked once a second. Not where the bundled server's
# request path runs (serve, attach, run --serve): that wants C2.
WBGOV_DAEMON="-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UnlockDiagnosticVMOptions -XX:AsyncDeflationInterval=1000"

wbgov_jvm_opts() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    run) WBGOV_OPTS="$WBGOV_FIXED"; [[ " $* " == *" --serve"* ]] || WBGOV_OPTS="$WBGOV_FIXED $WBGOV_DAEMON"
         export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-1} ;;
    serve|attach) WBGOV_OPTS="$WBGOV_FIXED"; export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-1} ;;
    # the overhead benchmark starts `run` with exactly these (checkout only)
    bench) WBGOV_OPTS="-Xmx1g -XX:+UseSerialGC"; export WBGOV_RUN_JVM_OPTS="$WBGOV_FIXED $WBGOV_DAEMON" ;;
    # short-lived commands (status, restore, policy, ctl, detach): C1 alone starts them sooner
    # (measured in the emulated-CPU test guest, where every JVM start is seconds)
    *) WBGOV_OPTS="-Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1" ;;
  esac
}
