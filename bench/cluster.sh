#!/usr/bin/env bash
# bench/cluster.sh — natsnet against the reference nats-server, each as a
# 3-server cluster on loopback, in one run:
#   1. `nats bench pub` on server A with `nats bench sub` on server B
#      (messages cross one route), msgs/s of both sides;
#   2. memory: RSS of the three idle clustered servers, then with SUBS
#      subscriptions spread over them (every server holds all of them:
#      its own and the other servers' propagated interest).
# Prints each figure with the ratio natsnet / reference.
#
# Usage: bench/cluster.sh              REPEAT=5 MSGS=5000000 bench/cluster.sh
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPEAT=${REPEAT:-3}
MSGS=${MSGS:-2000000}
MSG_SIZE=${MSG_SIZE:-128}
SUBS=${SUBS:-100000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

STAMP=$(date +%Y%m%d-%H%M%S)
RUN_DIR=$OUT_DIR/cluster-$STAMP
mkdir -p "$RUN_DIR"

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [[ -n $p ]] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pick_tools
(cd "$REPO_ROOT" && go build -o "$TOOLS_DIR/subs" ./bench/subs) || die "go build ./bench/subs failed"

http_get() { curl -s --max-time 5 "$1" 2>/dev/null || true; }
json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1', ''))" 2>/dev/null || true; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

declare -a CPORT MPORT RPORT SPID
# start_cluster IMPL TAG: three servers, each routing to the other two.
start_cluster() {
    local impl=$1 tag=$2 bin i j routes
    bin=$REF_BIN; [[ $impl == natsnet ]] && bin=$NATSNET_BIN
    for i in 0 1 2; do CPORT[i]=$(free_port); MPORT[i]=$(free_port); RPORT[i]=$(free_port); done
    for i in 0 1 2; do
        routes=
        for j in 0 1 2; do [[ $j != "$i" ]] && routes+="${routes:+,}nats://127.0.0.1:${RPORT[j]}"; done
        "$bin" -a 127.0.0.1 -p "${CPORT[i]}" -m "${MPORT[i]}" -n "$impl-$i" \
            --cluster "nats://127.0.0.1:${RPORT[i]}" --cluster_name bench --routes "$routes" \
            >"$RUN_DIR/$impl-$tag-$i.log" 2>&1 &
        SPID[i]=$!
        PIDS+=("${SPID[i]}")
    done
    for i in 0 1 2; do
        for ((j = 0; j < 100; j++)); do
            r=$(http_get "http://127.0.0.1:${MPORT[i]}/varz" | json_field routes)
            [[ -n $r && $r -ge 2 ]] && break
            sleep 0.1
        done
        ((j < 100)) || die "$impl server $i has no routes (see $RUN_DIR)"
    done
    sleep 0.5
}
stop_cluster() {
    local i
    for i in 0 1 2; do kill "${SPID[i]}" 2>/dev/null || true; wait "${SPID[i]}" 2>/dev/null || true; done
}

# interest_on I SUBJ: has server I got interest in SUBJ from a route?
interest_on() {
    http_get "http://127.0.0.1:${MPORT[$1]}/routez?subs=1" | grep -q "\"$2\""
}

parse_rate() { { grep -E 'stats: [0-9,]+ msgs/sec' "$1" || true; } | tail -1 | sed -E 's/.*stats: ([0-9,]+) msgs\/sec.*/\1/' | tr -d ,; }

declare -A RES=()
record() { RES["$1|$2"]+="$3 "; }
median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -n | awk '{a[NR]=$1} END {if (NR==0) print "FAIL"; else print a[int((NR+1)/2)]}'; }

pubsub() {  # pubsub IMPL REP
    local impl=$1 rep=$2 subj=bench.cluster.r$2 sp i
    start_cluster "$impl" "pubsub-r$rep"
    timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context bench sub "$subj" --msgs "$MSGS" --size "$MSG_SIZE" \
        --clients 1 --no-progress -s "nats://127.0.0.1:${CPORT[1]}" >"$RUN_DIR/$impl-sub-r$rep.out" 2>&1 &
    sp=$!
    PIDS+=("$sp")
    for ((i = 0; i < 100; i++)); do interest_on 0 "$subj" && break; sleep 0.1; done
    ((i < 100)) || log "  $impl: no interest on server A after 10s"
    timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context bench pub "$subj" --msgs "$MSGS" --size "$MSG_SIZE" \
        --clients 1 --no-progress -s "nats://127.0.0.1:${CPORT[0]}" >"$RUN_DIR/$impl-pub-r$rep.out" 2>&1 || log "  $impl: pub failed"
    if wait "$sp"; then
        record pub "$impl" "$(parse_rate "$RUN_DIR/$impl-pub-r$rep.out")"
        record sub "$impl" "$(parse_rate "$RUN_DIR/$impl-sub-r$rep.out")"
    else
        log "  $impl: subscriber failed (see $RUN_DIR/$impl-sub-r$rep.out)"
    fi
    stop_cluster
}

memory() {  # memory IMPL
    local impl=$1 i per hp=() before=0 after=0 s
    start_cluster "$impl" mem
    for i in 0 1 2; do before=$((before + $(rss_kb "${SPID[i]}"))); done
    per=$(((SUBS + 2) / 3))
    for i in 0 1 2; do
        "$TOOLS_DIR/subs" -s "nats://127.0.0.1:${CPORT[i]}" -prefix "s$i" -n "$per" >"$RUN_DIR/$impl-subs-$i.out" 2>&1 &
        hp+=($!)
        PIDS+=($!)
    done
    for i in 0 1 2; do
        for ((s = 0; s < 600; s++)); do grep -q ready "$RUN_DIR/$impl-subs-$i.out" 2>/dev/null && break; sleep 0.1; done
    done
    for i in 0 1 2; do
        for ((s = 0; s < 300; s++)); do
            n=$(http_get "http://127.0.0.1:${MPORT[i]}/varz" | json_field subscriptions)
            [[ -n $n && $n -ge $((3 * per)) ]] && break
            sleep 0.1
        done
    done
    sleep 1
    for i in 0 1 2; do after=$((after + $(rss_kb "${SPID[i]}"))); done
    kill "${hp[@]}" 2>/dev/null || true
    wait "${hp[@]}" 2>/dev/null || true
    stop_cluster
    record idle "$impl" "$((before / 3))"
    record persub "$impl" "$(python3 -c "print(round(($after - $before) * 1024 / (3 * $((3 * per))), 1))")"
}

log "natsnet: $NATSNET_BIN; reference: $REF_BIN; outputs in $RUN_DIR"
for ((rep = 1; rep <= REPEAT; rep++)); do
    if ((rep % 2)); then order=(ref natsnet); else order=(natsnet ref); fi
    for impl in "${order[@]}"; do log "pub A -> sub B, $impl, repetition $rep"; pubsub "$impl" "$rep"; done
done
for impl in ref natsnet; do log "memory, $impl"; memory "$impl"; done

row() {  # row LABEL KEY
    local n r ratio
    n=$(echo "${RES[$2|natsnet]:-}" | median)
    r=$(echo "${RES[$2|ref]:-}" | median)
    ratio=$(python3 -c "print(f'{$n/$r:.2f}x')" 2>/dev/null || echo "-")
    printf '%-52s %14s %14s %8s\n' "$1" "$n" "$r" "$ratio"
}
{
    echo "3-server cluster on loopback, $MSG_SIZE-byte messages, median of $REPEAT ($(nproc) cores)"
    printf '%-52s %14s %14s %8s\n' "" natsnet "nats-server" ratio
    row "pub on A, msgs/s" pub
    row "sub on B (one route hop), msgs/s" sub
    row "idle clustered server RSS, kB" idle
    row "RSS per subscription held cluster-wide, bytes" persub
} | tee "$OUT_DIR/cluster-results-$STAMP.txt"
