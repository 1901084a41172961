# Sourced by governor-nbd.sh (its helpers, FAILS and checks): the kernel client's timeout and a
# server that dies, on /dev/nbd1 (bdi 43:32), each with CHECK lines.
#
#   timeout-unmanaged  plain `serve` at 1 MiB/s, `nbd-client -t 8`, a 32 MiB buffered write: the
#                      kernel queues far more than 8 s of requests and times them out (EIO). This
#                      run only shows the failure is real here (it must happen, or the next proves
#                      nothing).
#   timeout-governed   `run --serve --client-timeout 8s`, same client and write: the daemon keeps
#                      what nbd1 holds within rate x drain target (2 s), the server's in-flight
#                      limit keeps a request's age in the server under half the timeout: no request
#                      times out, the write and its fsync succeed.
#   dead-server        `serve` and `run` as two processes; a writer into nbd1; the server stops
#                      answering (SIGSTOP: what a remote host that vanished looks like, no FIN/RST).
#                      The daemon drops nbd1 to its floor and says it is stalled, keeps running, and
#                      the fast device's writer keeps its speed. SIGCONT: not stalled. Then the
#                      server is killed (-9), restarted, nbd1 reconnected: written and governed.
NBD1=/sys/class/bdi/43:32
bdi1() { cat "$NBD1/$1" 2>/dev/null || echo n/a; }
nbd1_timeouts() { dmesg | grep -c "nbd1.*[Tt]imed out\|nbd1.*timeout" || true; }
serve_t() {  # extra serve options: "$@"; sets TPID
    rm -f /run/nbdt.sock /run/nbdt.ctl
    "$WBGOV" serve --unix /run/nbdt.sock --control /run/nbdt.ctl --max-request 1M "$@" memory:256M > /tmp/serve-t.log 2>&1 &
    TPID=$!
    wait_sock /run/nbdt.sock $TPID || { cat /tmp/serve-t.log; return 1; }
}
connect1() {  # nbd-client options: "$@"
    nbd-client -u /run/nbdt.sock /dev/nbd1 -b 4096 "$@" >/dev/null
    echo 1024 > /sys/block/nbd1/queue/max_sectors_kb
}
# The server's stats line, once (each ctl is a JVM start: seconds in this guest); then stat KEY.
ctl_stats() { STATS=$("$WBGOV" ctl /run/nbdt.ctl get stats 2>/dev/null || true); }
stat() { echo "$STATS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# Whether status says nbd1 is stalled (true/false/n/a): a JVM start too.
stalled1() { "$WBGOV" status --json --state-dir /run/wbgov-d 2>/dev/null | jq -r '.devices[] | select(.bdi == "43:32") | .stalled' || echo n/a; }

[ -f "$NBD1/strict_limit" ] || { log "no strict_limit on $(uname -r): timeout and dead-server phases need byte knobs"; return 0; }
ORIG1="$(bdi1 strict_limit)/$(bdi1 max_ratio)/$(bdi1 min_ratio)"

# --- the client's timeout, unmanaged
T0=$(nbd1_timeouts)
serve_t --rate 1M
connect1 -t 8
rc=0; timeout 120 dd if=/dev/zero of=/dev/nbd1 bs=1M count=32 conv=fsync status=none 2>/tmp/dd-t.err || rc=$?
U_TIMEOUTS=$(( $(nbd1_timeouts) - T0 ))
ctl_stats; U_AGE=$(stat age_max_us)
result "phase=timeout-unmanaged dd_rc=$rc kernel_timeouts=$U_TIMEOUTS server_age_max_us=${U_AGE:-n/a} dd_err=$(head -c 120 /tmp/dd-t.err | tr '\n' ' ')"
timeout 30 nbd-client -d /dev/nbd1 >/dev/null 2>&1 || true
kill $TPID 2>/dev/null; wait_gone $TPID 30 || true
check "unmanaged, 1 MiB/s under nbd-client -t 8: the kernel timed requests out ($U_TIMEOUTS times; dd exit $rc)" [ "$U_TIMEOUTS" -gt 0 ]

# --- the client's timeout, governed
T0=$(nbd1_timeouts)
rm -f /run/nbdt.sock /run/nbdt.ctl
"$WBGOV" run --state-dir /run/wbgov-t --serve memory:256M --unix /run/nbdt.sock --control /run/nbdt.ctl \
    --max-request 1M --rate 1M --client-timeout 8s > /tmp/run-t.log 2>&1 &
TPID=$!
wait_sock /run/nbdt.sock $TPID || { cat /tmp/run-t.log; exit 1; }
connect1 -t 8
wait_line /tmp/run-t.log "43:32.*governed by policy" $TPID || true
sleep 2   # its initial allowance is in force before anyone writes
rc=0; timeout 120 dd if=/dev/zero of=/dev/nbd1 bs=1M count=16 conv=fsync status=none 2>/tmp/dd-t.err || rc=$?
G_TIMEOUTS=$(( $(nbd1_timeouts) - T0 ))
ctl_stats; G_AGE=$(stat age_max_us); G_P99=$(stat age_p99_us)
result "phase=timeout-governed dd_rc=$rc kernel_timeouts=$G_TIMEOUTS server_age_p99_us=${G_P99:-n/a} server_age_max_us=${G_AGE:-n/a} max_bytes=$(bdi1 max_bytes) strict_limit=$(bdi1 strict_limit)"
timeout 30 nbd-client -d /dev/nbd1 >/dev/null 2>&1 || true
kill -TERM $TPID 2>/dev/null; wait_gone $TPID 30 || true
check "governed with --client-timeout 8s, same client: no request timed out ($G_TIMEOUTS) and the write and fsync succeeded (exit $rc)" \
    bash -c "[ $G_TIMEOUTS -eq 0 ] && [ $rc -eq 0 ]"
check "governed: a request's age in the server stayed under half the client's timeout (p99 ${G_P99:-n/a} us, max ${G_AGE:-n/a} us)" \
    bash -c "[ -n '${G_P99:-}' ] && [ '${G_P99:-0}' -lt 4000000 ]"

# --- a server that dies under a writer
serve_t --rate 4M
"$WBGOV" run --state-dir /run/wbgov-d > /tmp/run-d.log 2>&1 &
DPID=$!
wait_sock /run/wbgov-d/wbgov.sock $DPID || { cat /tmp/run-d.log; exit 1; }
connect1   # no -t: the kernel client waits for a silent server
wait_line /tmp/run-d.log "43:32.*governed by policy" $DPID || true
sleep 2
dd if=/dev/zero of=/dev/nbd1 bs=1M count=100000 status=none 2>/dev/null &
DDPID=$!
sleep 6
MAX_LIVE=$(bdi1 max_bytes)
kill -STOP $TPID
# The floor is 1 MiB; the kernel reads max_bytes back as a share of a moving threshold (±3 %).
t0=$(now); FLOOR_AFTER=none
for _ in $(seq 60); do
    if [ "$(bdi1 max_bytes)" -le $((1126 << 10)) ]; then FLOOR_AFTER=$(awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%.1f", a - b}'); break; fi
    sleep 0.5
done
STALLED=$(stalled1)
FAST_STALL=$(FAST_RUNS=1 fast_median)
ALIVE=no; kill -0 $DPID 2>/dev/null && ALIVE=yes
result "phase=dead-server max_bytes_live=$MAX_LIVE floor_after_s=$FLOOR_AFTER max_bytes_stopped=$(bdi1 max_bytes) status_stalled=$STALLED fast_s=$FAST_STALL ratio=$(awk -v a="$ALONE" -v f="$FAST_STALL" 'BEGIN{printf "%.3f", a / f}') daemon_alive=$ALIVE"
check "a silent server: the daemon dropped nbd1 to its floor (after $FLOOR_AFTER s; max_bytes $(bdi1 max_bytes))" [ "$FLOOR_AFTER" != none ]
check "a silent server: status says nbd1 is stalled ($STALLED)" [ "$STALLED" = true ]
check "a silent server: the daemon keeps running" [ "$ALIVE" = yes ]
# Reported at 0.9 in vm/README.md; checked at half: a starved writer (kernel defaults) takes 5-10x.
check "a silent server: the fast writer keeps at least half its solo speed ($FAST_STALL s against $ALONE s)" \
    awk -v a="$ALONE" -v f="$FAST_STALL" 'BEGIN{exit !(a / f >= 0.5)}'
kill -CONT $TPID
# Answering again: completions resume, so status no longer says stalled (with its writer still
# backlogged the allowance itself may stay near the floor: rate x backlog target, 125 ms).
t0=$(now); BACK_AFTER=none
for _ in $(seq 10); do
    if [ "$(stalled1)" = false ]; then BACK_AFTER=$(awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%.1f", a - b}'); break; fi
    sleep 1
done
check "the server answers again: nbd1 governed again, no longer stalled (after $BACK_AFTER s; max_bytes $(bdi1 max_bytes))" [ "$BACK_AFTER" != none ]
kill $DDPID 2>/dev/null || true; wait $DDPID 2>/dev/null || true
# Killed for good: the kernel fails what was in flight; the daemon keeps running; a restarted
# server and a reconnected client are governed again.
kill -9 $TPID; wait $TPID 2>/dev/null || true
sleep 3
ALIVE=no; kill -0 $DPID 2>/dev/null && ALIVE=yes
timeout 30 nbd-client -d /dev/nbd1 >/dev/null 2>&1 || true
check "a killed server: the daemon keeps running" [ "$ALIVE" = yes ]
serve_t --rate 4M
connect1
sleep 3
rc=0; timeout 120 dd if=/dev/zero of=/dev/nbd1 bs=1M count=8 conv=fsync status=none || rc=$?
RE_MAX=$(bdi1 max_bytes); RE_STRICT=$(bdi1 strict_limit)
result "phase=reconnected dd_rc=$rc max_bytes=$RE_MAX strict_limit=$RE_STRICT"
check "restarted and reconnected: written (exit $rc) and governed again (strict_limit=$RE_STRICT, max_bytes=$RE_MAX below 64 MiB)" \
    bash -c "[ $rc -eq 0 ] && [ '$RE_STRICT' = 1 ] && [ '$RE_MAX' -lt $((64 << 20)) ]"
timeout 30 nbd-client -d /dev/nbd1 >/dev/null 2>&1 || true
kill $TPID 2>/dev/null; wait_gone $TPID 30 || true
kill -TERM $DPID; wait_gone $DPID 30 || true
NOW1="$(bdi1 strict_limit)/$(bdi1 max_ratio)/$(bdi1 min_ratio)"
check "knobs of 43:32 restored after the daemon's SIGTERM (strict/max_ratio/min_ratio $NOW1, before $ORIG1)" [ "$NOW1" = "$ORIG1" ]
cp /tmp/run-t.log /tmp/run-d.log /tmp/serve-t.log "$WORK/" 2>/dev/null || true
