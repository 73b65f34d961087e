#!/usr/bin/env bash
# bench/filestore.sh — file storage at rest, natsnet against the reference
# nats-server in one run:
#   1. bytes on disk per message: a file stream filled with MSGS messages of
#      MSG_SIZE bytes by `nats bench js pub async`, measured with du after a
#      clean shutdown;
#   2. restart time: from starting the server on that directory until the
#      stream answers STREAM.INFO with every message.
# Both servers run with their default settings (natsnet: fsync before
# acknowledging; the reference: fsync every 2 minutes). Prints each figure
# with the ratio natsnet / reference.
#
# Usage: bench/filestore.sh          MSGS=8000000 bench/filestore.sh (about 1 GB)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MSGS=${MSGS:-1000000}
MSG_SIZE=${MSG_SIZE:-128}
REPEAT=${REPEAT:-3}            # restarts timed per server
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

STAMP=$(date +%Y%m%d-%H%M%S)
RUN_DIR=$OUT_DIR/filestore-$STAMP
DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/natsnet-filestore.XXXXXX")
mkdir -p "$RUN_DIR"

PID=
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pick_tools
now_ms() { date +%s%3N; }

# start IMPL TAG: start IMPL on its data directory; sets PID and URL.
start() {
    local impl=$1 tag=$2 bin=$REF_BIN port
    [[ $impl == natsnet ]] && bin=$NATSNET_BIN
    port=$(free_port)
    URL=nats://127.0.0.1:$port
    "$bin" -a 127.0.0.1 -p "$port" -js -sd "$DATA_DIR/$impl" >"$RUN_DIR/$impl-$tag.log" 2>&1 &
    PID=$!
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; }

# stream_msgs: the message count of stream FS, or empty while unavailable.
stream_msgs() {
    timeout 5 "$NATS_CLI" --no-context -s "$URL" stream info FS --json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["state"]["messages"])' 2>/dev/null || true
}

declare -A RES=()
for impl in ref natsnet; do
    log "== $impl: filling FS with $MSGS messages of $MSG_SIZE bytes"
    start "$impl" fill
    for ((i = 0; i < 100; i++)); do
        "$NATS_CLI" --no-context -s "$URL" stream add FS --defaults --subjects fs --storage file --replicas 1 \
            --retention limits --discard old --max-bytes=-1 --dupe-window 2m >/dev/null 2>&1 && break
        sleep 0.1
    done
    ((i < 100)) || die "$impl: stream add failed (see $RUN_DIR)"
    timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context -s "$URL" bench js pub async fs --stream FS --batch 500 \
        --msgs "$MSGS" --size "$MSG_SIZE" --clients 1 --no-progress >"$RUN_DIR/$impl-fill.out" 2>&1 ||
        die "$impl: fill failed (see $RUN_DIR/$impl-fill.out)"
    [[ $(stream_msgs) == "$MSGS" ]] || die "$impl: stream FS does not hold $MSGS messages after the fill"
    stop
    bytes=$(du -sb "$DATA_DIR/$impl" | cut -f1)
    RES[$impl|bytes]=$bytes
    log "$impl: $bytes bytes on disk"
    times=
    for ((r = 1; r <= REPEAT; r++)); do
        sync
        t0=$(now_ms)
        start "$impl" "restart-r$r"
        until [[ $(stream_msgs) == "$MSGS" ]]; do
            kill -0 "$PID" 2>/dev/null || die "$impl exited during restart (see $RUN_DIR)"
            (( $(now_ms) - t0 < BENCH_TIMEOUT * 1000 )) || die "$impl: stream not back after ${BENCH_TIMEOUT}s"
            sleep 0.02
        done
        times+="$(( $(now_ms) - t0 )) "
        stop
    done
    RES[$impl|restart]=$(tr ' ' '\n' <<<"$times" | grep -E '^[0-9]+$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    log "$impl: restart times ms: $times"
    rm -rf "${DATA_DIR:?}/$impl"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 == 0) print "n/a"; else printf "%.2f", b / a }'; }
{
    echo "natsnet file storage at rest — $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $MSGS messages of $MSG_SIZE bytes, one file stream"
    echo "reference: $REF_BIN ($("$REF_BIN" --version 2>&1 | head -1)); natsnet: $NATSNET_BIN (repo $(git -C "$REPO_ROOT" rev-parse --short HEAD))"
    echo "ratio = natsnet / reference (lower is better for both)"
    printf '%-34s %14s %14s %7s\n' metric reference natsnet ratio
    rb=${RES[ref|bytes]} nb=${RES[natsnet|bytes]}
    printf '%-34s %14s %14s %7s\n' "bytes on disk" "$rb" "$nb" "$(ratio "$rb" "$nb")"
    printf '%-34s %14s %14s %7s\n' "bytes on disk per message" "$(awk -v b="$rb" -v n="$MSGS" 'BEGIN{printf "%.1f", b/n}')" \
        "$(awk -v b="$nb" -v n="$MSGS" 'BEGIN{printf "%.1f", b/n}')" "$(ratio "$rb" "$nb")"
    printf '%-34s %14s %14s %7s\n' "restart until stream ready (ms)" "${RES[ref|restart]}" "${RES[natsnet|restart]}" \
        "$(ratio "${RES[ref|restart]}" "${RES[natsnet|restart]}")"
    echo "logs: $RUN_DIR"
} | tee "$OUT_DIR/filestore-$STAMP.txt"
