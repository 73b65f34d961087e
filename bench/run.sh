#!/usr/bin/env bash
# bench/run.sh — run the same `nats bench` workloads against natsnet and
# against the reference nats-server, in one run, and print each figure with
# the ratio natsnet/reference. See bench/README.md for details.
#
# Usage: bench/run.sh            (from anywhere; paths are relative to the repo)
#        REPEAT=5 WORKLOADS=core,js bench/run.sh
set -euo pipefail

# ---------------------------------------------------------------------------
# Configuration (all overridable from the environment)
# ---------------------------------------------------------------------------
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$BENCH_DIR/.tools}
OUT_DIR=${OUT_DIR:-$BENCH_DIR/out}
PREBUILT_DIR=${PREBUILT_DIR:-/tmp/tools/bin}

NATSCLI_VERSION=${NATSCLI_VERSION:-v0.5.0}
REF_VERSION=${REF_VERSION:-v2.15.2}

NATS_CLI=${NATS_CLI:-}        # path to the `nats` CLI (default: built into $TOOLS_DIR)
REF_BIN=${REF_BIN:-}          # path to the reference nats-server (default: built into $TOOLS_DIR)
NATSNET_BIN=${NATSNET_BIN:-}  # path to natsnet (default: go build ./cmd/natsnet)
CONNS_BIN=${CONNS_BIN:-}      # path to the idle-connection holder (default: go build ./bench/conns)
JSCONS_BIN=${JSCONS_BIN:-}    # path to the durable-consumer creator (default: go build ./bench/jsconsumers)

WORKLOADS=${WORKLOADS:-core}  # comma list of groups: core, js (or "all")
REPEAT=${REPEAT:-3}
MSG_SIZE=${MSG_SIZE:-128}

PUB_MSGS=${PUB_MSGS:-5000000}         # 1. core pub, no subscriber
SUB_MSGS=${SUB_MSGS:-2000000}         # 2. 1 pub -> 1 sub
FANOUT_MSGS=${FANOUT_MSGS:-1000000}   # 3. 1 pub -> N subs (each sub gets all)
FANOUT_SUBS=${FANOUT_SUBS:-4}
SVC_MSGS=${SVC_MSGS:-50000}           # 4. request/reply
CONNS=${CONNS:-1000}                  # 5. idle connections held for the RSS figure
MEM_SETTLE=${MEM_SETTLE:-1}           # seconds to wait before reading VmRSS

JS_SYNC_MSGS=${JS_SYNC_MSGS:-10000}   # js pub sync
JS_MSGS=${JS_MSGS:-200000}            # js pub async / fetch / ordered / get batch
JS_GET_MSGS=${JS_GET_MSGS:-20000}     # js get sync
JS_BATCH=${JS_BATCH:-500}
JS_STORAGE=${JS_STORAGE:-memory}      # stream storage: memory or file
REF_SYNC=${REF_SYNC:-}                # reference jetstream.sync_interval (e.g. "always"); empty: its default (2m)
JS_CONSUMERS=${JS_CONSUMERS:-10000}   # idle durable pull consumers held for the JetStream RSS figure

BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}   # seconds before one `nats bench` run is declared failed
SUB_SETTLE=${SUB_SETTLE:-1}           # fallback wait (s) for subscriptions when /varz is unusable
SUB_GRACE=${SUB_GRACE:-30}            # seconds a subscriber may take to finish after its publisher

# Keep the user's NATS settings from leaking into the benchmark clients.
unset NATS_URL NATS_CONTEXT NATS_USER NATS_PASSWORD NATS_TOKEN NATS_CREDS NATS_NKEY \
      NATS_JWT NATS_SEED NATS_CERT NATS_KEY NATS_CA NATS_TIMEOUT NATS_SOCKS_PROXY || true

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
STAMP=$(date +%Y%m%d-%H%M%S)
NATSNET_SRC="given by NATSNET_BIN; repo HEAD $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "?") at start"
RUN_DIR=$OUT_DIR/run-$STAMP             # raw outputs and server logs of this run
RESULTS_FILE=$OUT_DIR/results-$STAMP.txt
TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/natsnet-bench.XXXXXX")   # JetStream stores

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

BG_PIDS=()           # every background process this script started
declare -A JS_FILLED=()  # "server|rep" -> 1 once stream nb_r<rep> holds JS_MSGS messages
cleanup() {
    local pid
    for pid in "${BG_PIDS[@]:-}"; do
        [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${BG_PIDS[@]:-}"; do
        [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_pid PID: terminate one of our background processes and reap it.
stop_pid() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

declare -A USED_PORTS=()
# free_port: a TCP port on 127.0.0.1 that nothing listens on, taken below the
# kernel's ephemeral range so that client sockets cannot be holding it.
free_port() {
    local p i lo=10000 hi=32768
    read -r hi _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    ((hi > lo + 1000)) || { lo=20000; hi=30000; }
    for ((i = 0; i < 200; i++)); do
        p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
        [[ -n ${USED_PORTS[$p]:-} ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            USED_PORTS[$p]=1
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}

# http_get PORT PATH: body+headers of a plain HTTP GET to 127.0.0.1 (no curl needed).
http_get() {
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3
        cat <&3' "$1" "$2" 2>/dev/null || true
}

# varz_subs NAME: the server's subscription count from /varz, or empty.
varz_subs() {
    local mon=${SRV_MON[$1]}
    http_get "$mon" /varz | tr -d '\r' | sed -n 's/^[[:space:]]*"subscriptions":[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -1
}

# wait_lines FILE REGEX COUNT TIMEOUT_S [PID]: wait until FILE has COUNT lines
# matching REGEX; give up early if process PID (the writer) has exited.
wait_lines() {
    local f=$1 re=$2 n=$3 t=$4 pid=${5:-} i c
    for ((i = 0; i < t * 10; i++)); do
        c=$(grep -cE "$re" "$f" 2>/dev/null || true)
        [[ ${c:-0} -ge $n ]] && return 0
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            c=$(grep -cE "$re" "$f" 2>/dev/null || true)
            [[ ${c:-0} -ge $n ]]
            return
        fi
        sleep 0.1
    done
    return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------
# install_tool NAME PKG VERSION_REGEX: make $TOOLS_DIR/NAME exist.
install_tool() {
    local name=$1 pkg=$2 want=$3 dst=$TOOLS_DIR/$1
    if [[ -x $dst ]] && "$dst" --version 2>&1 | grep -qF -- "$want"; then
        return 0
    fi
    if [[ -x $PREBUILT_DIR/$name ]] && "$PREBUILT_DIR/$name" --version 2>&1 | grep -qF -- "$want"; then
        log "copying prebuilt $name from $PREBUILT_DIR"
        cp "$PREBUILT_DIR/$name" "$dst.tmp" && mv "$dst.tmp" "$dst"
        return 0
    fi
    log "building $name ($pkg) with go install (takes a few minutes the first time)"
    (cd "$TOOLS_DIR" && GOBIN=$TOOLS_DIR go install "$pkg") ||
        die "go install $pkg failed"
    "$dst" --version 2>&1 | grep -qF -- "$want" || die "$dst is not version $want"
}

prepare_tools() {
    mkdir -p "$TOOLS_DIR" "$RUN_DIR/raw"
    command -v go >/dev/null || [[ -n $NATS_CLI && -n $REF_BIN && -n $NATSNET_BIN && -n $CONNS_BIN && -n $JSCONS_BIN ]] ||
        die "go is not on PATH"
    if [[ -z $NATS_CLI ]]; then
        install_tool nats "github.com/nats-io/natscli/nats@$NATSCLI_VERSION" "$NATSCLI_VERSION"
        NATS_CLI=$TOOLS_DIR/nats
    fi
    if [[ -z $REF_BIN ]]; then
        install_tool nats-server "github.com/nats-io/nats-server/v2@$REF_VERSION" "$REF_VERSION"
        REF_BIN=$TOOLS_DIR/nats-server
    fi
    if [[ -z $NATSNET_BIN ]]; then
        NATSNET_SRC="built from the working tree at $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
        [[ -n $(git -C "$REPO_ROOT" status --porcelain --untracked-files=no -- . ":(exclude)bench" 2>/dev/null) ]] &&
            NATSNET_SRC+=" + uncommitted changes"
        log "building natsnet (go build ./cmd/natsnet)"
        (cd "$REPO_ROOT" && go build -o "$TOOLS_DIR/natsnet" ./cmd/natsnet) ||
            die "go build ./cmd/natsnet failed (set NATSNET_BIN=/path/to/server to bench another binary)"
        NATSNET_BIN=$TOOLS_DIR/natsnet
    fi
    if [[ -z $CONNS_BIN ]]; then
        (cd "$REPO_ROOT" && go build -o "$TOOLS_DIR/conns" ./bench/conns) || die "go build ./bench/conns failed"
        CONNS_BIN=$TOOLS_DIR/conns
    fi
    if [[ -z $JSCONS_BIN ]]; then
        (cd "$REPO_ROOT" && go build -o "$TOOLS_DIR/jsconsumers" ./bench/jsconsumers) ||
            die "go build ./bench/jsconsumers failed"
        JSCONS_BIN=$TOOLS_DIR/jsconsumers
    fi
    local b
    for b in "$NATS_CLI" "$REF_BIN" "$NATSNET_BIN" "$CONNS_BIN" "$JSCONS_BIN"; do
        [[ -x $b ]] || die "not an executable: $b"
    done
    # 1,000 held connections need more descriptors than the usual 1024 soft limit.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
}

# ---------------------------------------------------------------------------
# Servers. NAME is "ref" or "natsnet".
# ---------------------------------------------------------------------------
SERVERS=(ref natsnet)
declare -A SRV_BIN=() SRV_PID=() SRV_PORT=() SRV_MON=() SRV_URL=() SRV_LOG=()
declare -A SRV_MODE=() SRV_RESTARTS=([ref]=0 [natsnet]=0)

# start_server NAME TAG [extra server flags...]: start NAME on free ports and
# wait until it greets with INFO. TAG names its log file.
start_server() {
    local name=$1 tag=$2
    shift 2
    local bin=${SRV_BIN[$name]} attempt port mon logf pid i ok
    for ((attempt = 1; attempt <= 3; attempt++)); do
        port=$(free_port)
        mon=$(free_port)
        logf=$RUN_DIR/server-$name-$tag.log
        "$bin" -a 127.0.0.1 -p "$port" -m "$mon" "$@" >"$logf" 2>&1 &
        pid=$!
        BG_PIDS+=("$pid")
        ok=
        for ((i = 0; i < 200; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            if [[ $(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && head -c 4 <&3' "$port" 2>/dev/null || true) == INFO ]]; then
                ok=1
                break
            fi
            sleep 0.1
        done
        if [[ -n $ok ]]; then
            SRV_PID[$name]=$pid SRV_PORT[$name]=$port SRV_MON[$name]=$mon SRV_LOG[$name]=$logf
            SRV_URL[$name]=nats://127.0.0.1:$port
            log "started $name ($tag) pid $pid on 127.0.0.1:$port (monitor $mon)"
            return 0
        fi
        stop_pid "$pid"
        log "$name did not start (attempt $attempt); last log lines:"
        tail -5 "$logf" >&2 || true
    done
    die "could not start $name: $bin $*"
}

stop_server() {
    local name=$1
    [[ -n ${SRV_PID[$name]:-} ]] || return 0
    stop_pid "${SRV_PID[$name]}"
    SRV_PID[$name]=
}

start_all() { local s; for s in "${SERVERS[@]}"; do start_server "$s" "$@"; done; }

# ref_sync_args NAME: with REF_SYNC set, the flags that give the reference a
# config file setting jetstream.sync_interval (natsnet always runs in its
# default, durable mode).
ref_sync_args() {
    [[ $1 == ref && -n $REF_SYNC ]] || return 0
    local conf=$TMP_DIR/ref-sync.conf
    printf 'jetstream { sync_interval: %s }\n' "$REF_SYNC" >"$conf"
    printf -- '-c %s' "$conf"
}

# server_alive NAME: true if NAME is running (or was never started).
server_alive() { [[ -z ${SRV_PID[$1]:-} ]] || kill -0 "${SRV_PID[$1]}" 2>/dev/null; }

# ensure_up NAME: if the long-running server NAME has exited (crashed, or was
# killed by something else on a shared machine), say so and start it again.
# Counted in the report. A restarted server has lost its memory streams, so
# the readers must not expect the streams filled before the restart.
ensure_up() {
    local name=$1 k
    server_alive "$name" && return 0
    for k in "${!JS_FILLED[@]}"; do
        [[ $k == "$name|"* ]] && unset "JS_FILLED[$k]"
    done
    wait "${SRV_PID[$name]}" 2>/dev/null || true
    SRV_RESTARTS[$name]=$((SRV_RESTARTS[$name] + 1))
    log "WARNING: $name (pid ${SRV_PID[$name]}) exited unexpectedly; last lines of ${SRV_LOG[$name]}:"
    tail -n 5 "${SRV_LOG[$name]}" >&2 || true
    SRV_PID[$name]=
    case ${SRV_MODE[$name]} in
    js) start_server "$name" "js-restart${SRV_RESTARTS[$name]}" -js -sd "$TMP_DIR/js-$name" $(ref_sync_args "$name") ;;
    *) start_server "$name" "core-restart${SRV_RESTARTS[$name]}" ;;
    esac
}
stop_all() { local s; for s in "${SERVERS[@]}"; do stop_server "$s"; done; }

# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
declare -A RES=()    # "workload|metric|server" -> space-separated values (FAIL for failures)
ROWS=()              # "workload|metric" in first-seen order
declare -A ROW_SEEN=()

record() {  # record WORKLOAD METRIC SERVER VALUE
    local key="$1|$2"
    if [[ -z ${ROW_SEEN[$key]:-} ]]; then
        ROW_SEEN[$key]=1
        ROWS+=("$key")
    fi
    RES["$key|$3"]+="${4:-FAIL} "
}

# Parsers for `nats bench` text output (the CSV has no aggregate row).
parse_rate() {  # msgs/sec of the (aggregated) stats line
    { grep -E 'stats: [0-9,]+ msgs/sec' "$1" || true; } | tail -1 |
        sed -E 's/.*stats: ([0-9,]+) msgs\/sec.*/\1/' | tr -d ,
}
parse_lat() {   # parse_lat FILE P50|avg -> microseconds
    { grep -oE "$2:? [0-9.,]+us" "$1" || true; } | tail -1 |
        sed -E "s/^$2:? ([0-9.,]+)us$/\1/" | tr -d ,
}

# bench_run OUTFILE nats-bench-args...: run one `nats bench` with a timeout.
bench_run() {
    local out=$1
    shift
    if timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context bench "$@" --no-progress >"$out" 2>&1; then
        return 0
    fi
    log "  FAILED: nats bench $* (see $out)"
    tail -3 "$out" >&2 || true
    return 1
}

# run_reps WORKLOAD FUNC: FUNC SERVER REP is called REPEAT times for each
# server, reference first on odd repetitions and natsnet first on even ones.
run_reps() {
    local wl=$1 fn=$2 rep s order
    log "== $wl"
    for ((rep = 1; rep <= REPEAT; rep++)); do
        if ((rep % 2)); then order=(ref natsnet); else order=(natsnet ref); fi
        for s in "${order[@]}"; do
            ensure_up "$s"
            "$fn" "$s" "$rep" || true
            server_alive "$s" || log "WARNING: $s exited during '$wl' repetition $rep"
        done
    done
}

# ---------------------------------------------------------------------------
# Core workloads (servers started without JetStream)
# ---------------------------------------------------------------------------
OUT=  # per-run raw output file, set by raw_file
raw_file() { OUT=$RUN_DIR/raw/$1-$2-r$3.out; }

# 1. core publish, one publisher, no subscriber
wl_core_pub() {
    local s=$1 rep=$2
    raw_file pub "$s" "$rep"
    local wl="1 core pub (1 pub, 0 sub)"
    if bench_run "$OUT" pub bench.pub --msgs "$PUB_MSGS" --size "$MSG_SIZE" --clients 1 -s "${SRV_URL[$s]}"; then
        record "$wl" "pub msgs/s" "$s" "$(parse_rate "$OUT")"
    else
        record "$wl" "pub msgs/s" "$s" FAIL
    fi
}

# pub_to_subs SERVER REP TAG WORKLOAD SUBJECT MSGS NSUBS
# Starts `nats bench sub` in the background, waits until its subscriptions are
# registered, then runs `nats bench pub` and records both sides.
pub_to_subs() {
    local s=$1 rep=$2 tag=$3 wl=$4 subj=$5 msgs=$6 nsubs=$7
    local subout pubout base now i spid ok=1
    subout=$RUN_DIR/raw/$tag-sub-$s-r$rep.out
    pubout=$RUN_DIR/raw/$tag-pub-$s-r$rep.out
    base=$(varz_subs "$s")
    timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context bench sub "$subj" --msgs "$msgs" --size "$MSG_SIZE" \
        --clients "$nsubs" --no-progress -s "${SRV_URL[$s]}" >"$subout" 2>&1 &
    spid=$!
    BG_PIDS+=("$spid")
    # The CLI logs "Starting ... expecting" just before it subscribes; then
    # confirm on /varz that the server has registered the subscriptions.
    wait_lines "$subout" 'Starting .* expecting' "$nsubs" 20 || log "  subscriber did not report start"
    if [[ -n $base ]]; then
        for ((i = 0; i < 100; i++)); do
            now=$(varz_subs "$s")
            [[ -n $now && $now -ge $((base + nsubs)) ]] && break
            sleep 0.1
        done
        if ((i < 100)); then
            sleep 0.2
        else
            log "  /varz subscriptions did not reach $((base + nsubs)); waiting ${SUB_SETTLE}s instead"
            sleep "$SUB_SETTLE"
        fi
    else
        log "  no /varz subscription count from $s; waiting ${SUB_SETTLE}s for the subscribers"
        sleep "$SUB_SETTLE"
    fi
    bench_run "$pubout" pub "$subj" --msgs "$msgs" --size "$MSG_SIZE" --clients 1 -s "${SRV_URL[$s]}" || ok=
    # Once the publisher is done the subscriber only has to drain what is
    # buffered; if it is still waiting after SUB_GRACE s, messages were lost
    # (e.g. the server cut it off as a slow consumer).
    for ((i = 0; i < SUB_GRACE * 10; i++)); do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$spid" 2>/dev/null; then
        log "  subscriber on $s still waiting ${SUB_GRACE}s after the publisher finished; stopping it"
        stop_pid "$spid"
        ok=
    elif ! wait "$spid"; then
        log "  FAILED: nats bench sub on $s (see $subout)"
        tail -3 "$subout" >&2 || true
        ok=
    fi
    if grep -q 'Disconnected' "$subout"; then
        log "  note: a subscriber was disconnected by $s (slow consumer?): $(grep -m1 Disconnected "$subout")"
    fi
    if [[ -n $ok ]]; then
        record "$wl" "sub msgs/s (aggregate of $nsubs)" "$s" "$(parse_rate "$subout")"
        record "$wl" "pub msgs/s" "$s" "$(parse_rate "$pubout")"
    else
        record "$wl" "sub msgs/s (aggregate of $nsubs)" "$s" FAIL
        record "$wl" "pub msgs/s" "$s" FAIL
    fi
}

# 2. one publisher to one subscriber
wl_core_pubsub() { pub_to_subs "$1" "$2" pubsub "2 core pub->sub (1:1)" bench.pubsub "$SUB_MSGS" 1; }

# 3. one publisher to FANOUT_SUBS subscribers
wl_core_fanout() { pub_to_subs "$1" "$2" fanout "3 core pub->sub (1:$FANOUT_SUBS)" bench.fanout "$FANOUT_MSGS" "$FANOUT_SUBS"; }

# 4. request/reply through `nats bench service serve`
wl_core_service() {
    local s=$1 rep=$2 wl="4 request/reply (service)" srvout i spid ok=1
    raw_file service-request "$s" "$rep"
    srvout=$RUN_DIR/raw/service-serve-$s-r$rep.out
    timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context bench service serve bench.svc --clients 1 --size "$MSG_SIZE" \
        --no-progress -s "${SRV_URL[$s]}" >"$srvout" 2>&1 &
    spid=$!
    BG_PIDS+=("$spid")
    # Ready when a plain request gets an answer.
    for ((i = 0; i < 100; i++)); do
        "$NATS_CLI" --no-context request bench.svc probe --timeout 200ms -s "${SRV_URL[$s]}" >/dev/null 2>&1 && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    ((i < 100)) || { log "  service did not answer probes"; ok=; }
    if [[ -n $ok ]]; then
        bench_run "$OUT" service request bench.svc --msgs "$SVC_MSGS" --size "$MSG_SIZE" --clients 1 \
            -s "${SRV_URL[$s]}" || ok=
    fi
    stop_pid "$spid"
    if [[ -n $ok ]]; then
        record "$wl" "requests/s" "$s" "$(parse_rate "$OUT")"
        record "$wl" "p50 latency us (lower is better)" "$s" "$(parse_lat "$OUT" P50)"
        record "$wl" "avg latency us (lower is better)" "$s" "$(parse_lat "$OUT" avg)"
    else
        record "$wl" "requests/s" "$s" FAIL
        record "$wl" "p50 latency us (lower is better)" "$s" FAIL
        record "$wl" "avg latency us (lower is better)" "$s" FAIL
    fi
}

# 5. memory: RSS of a fresh server, idle and with CONNS idle connections
wl_memory() {
    local s=$1 rep=$2 wl="5 memory (RSS)" idle held cpid cout i
    start_server "$s" "mem-r$rep"
    sleep "$MEM_SETTLE"
    idle=$(rss_kb "${SRV_PID[$s]}")
    cout=$RUN_DIR/raw/conns-$s-r$rep.out
    "$CONNS_BIN" -s "127.0.0.1:${SRV_PORT[$s]}" -n "$CONNS" >"$cout" 2>&1 &
    cpid=$!
    BG_PIDS+=("$cpid")
    held=
    if ! server_alive "$s"; then
        log "  FAILED: $s exited right after starting (see ${SRV_LOG[$s]})"
        idle=
    elif wait_lines "$cout" '^ready ' 1 60 "$cpid"; then
        sleep "$MEM_SETTLE"
        held=$(rss_kb "${SRV_PID[$s]}")
        server_alive "$s" || { log "  FAILED: $s exited while holding $CONNS connections"; held=; }
    else
        log "  FAILED: $CONNS connections to $s (see $cout)"
        tail -3 "$cout" >&2 || true
    fi
    stop_pid "$cpid"
    stop_server "$s"
    record "$wl" "idle RSS MiB (lower is better)" "$s" "$(awk -v k="$idle" 'BEGIN{ if (k != "") printf "%.1f", k/1024 }')"
    record "$wl" "RSS with $CONNS conns MiB (lower is better)" "$s" \
        "$(awk -v k="$held" 'BEGIN{ if (k != "") printf "%.1f", k/1024 }')"
    record "$wl" "KiB per conn (lower is better)" "$s" \
        "$(awk -v a="$idle" -v b="$held" -v n="$CONNS" 'BEGIN{ if (a != "" && b != "") printf "%.2f", (b-a)/n }')"
}

run_core() {
    SRV_MODE[ref]=core SRV_MODE[natsnet]=core
    start_all core
    run_reps "1 core pub" wl_core_pub
    run_reps "2 core pub->sub 1:1" wl_core_pubsub
    run_reps "3 core pub->sub 1:$FANOUT_SUBS" wl_core_fanout
    run_reps "4 request/reply" wl_core_service
    stop_all
    run_reps "5 memory" wl_memory   # starts its own fresh servers
}

# ---------------------------------------------------------------------------
# JetStream workloads (servers started with -js -sd <tmpdir>).
# Hooks: each wl_js_* function is one workload; add new ones to run_js.
# Each repetition uses its own streams (nbs_rN for sync publish, nb_rN for
# async publish and the readers), so repetitions do not see each other's data.
#
# The streams are created with `nats stream add`, never with `nats bench
# --create`: the bench's own stream config sets allow_batched, which makes the
# CLI require JetStream API level 3 (Nats-Required-Api-Level), and a server
# advertising a lower level refuses it (10185). js_stream_add sends both
# servers the same config, the one `nats bench --create` would send minus the
# batch-publish flag and with unlimited max bytes.
# ---------------------------------------------------------------------------
# js_record WL SERVER OK [latency]: record msgs/s (and p50 when asked) from $OUT.
js_record() {
    local wl=$1 s=$2 ok=$3 lat=${4:-}
    if [[ -n $ok ]]; then
        record "$wl" "msgs/s" "$s" "$(parse_rate "$OUT")"
        [[ -n $lat ]] && record "$wl" "p50 latency us (lower is better)" "$s" "$(parse_lat "$OUT" P50)"
    else
        record "$wl" "msgs/s" "$s" FAIL
        [[ -n $lat ]] && record "$wl" "p50 latency us (lower is better)" "$s" FAIL
    fi
    return 0
}

# js_stream_add SERVER REP STREAM SUBJECT [extra `nats stream add` flags...]:
# create STREAM on SERVER, as `nats bench js pub --create` would (limits
# retention, discard new, 2m duplicate window, direct get, R1, JS_STORAGE)
# but without allow_batched and with unlimited max bytes. Output in
# raw/stream-add-STREAM-SERVER-rREP.out.
js_stream_add() {
    local s=$1 rep=$2 stream=$3 subj=$4 out
    shift 4
    out=$RUN_DIR/raw/stream-add-$stream-$s-r$rep.out
    if timeout "$BENCH_TIMEOUT" "$NATS_CLI" --no-context stream add "$stream" --defaults \
        --subjects "$subj" --storage "$JS_STORAGE" --replicas 1 --retention limits --discard new \
        --max-bytes=-1 --dupe-window 2m --allow-direct "$@" -s "${SRV_URL[$s]}" >"$out" 2>&1; then
        return 0
    fi
    log "  FAILED: nats stream add $stream --subjects $subj --storage $JS_STORAGE ... on $s (see $out)"
    tail -3 "$out" >&2 || true
    return 1
}

wl_js_pub_sync() {
    local s=$1 rep=$2 ok=1
    raw_file js-pub-sync "$s" "$rep"
    js_stream_add "$s" "$rep" "nbs_r$rep" "nbs.r$rep" &&
        bench_run "$OUT" js pub sync "nbs.r$rep" --stream "nbs_r$rep" \
            --msgs "$JS_SYNC_MSGS" --size "$MSG_SIZE" --clients 1 -s "${SRV_URL[$s]}" || ok=
    js_record "6 js pub sync ($JS_STORAGE)" "$s" "$ok" lat
}

wl_js_pub_async() {
    local s=$1 rep=$2 ok=1
    raw_file js-pub-async "$s" "$rep"
    js_stream_add "$s" "$rep" "nb_r$rep" "nb.r$rep" &&
        bench_run "$OUT" js pub async "nb.r$rep" --stream "nb_r$rep" \
            --batch "$JS_BATCH" --msgs "$JS_MSGS" --size "$MSG_SIZE" --clients 1 -s "${SRV_URL[$s]}" || ok=
    js_record "7 js pub async --batch $JS_BATCH ($JS_STORAGE)" "$s" "$ok"
    [[ -n $ok ]] && JS_FILLED["$s|$rep"]=1
    return 0
}

# js_filled SERVER REP: true when wl_js_pub_async filled stream nb_rREP on SERVER
# (and SERVER has not been restarted since); the readers below skip (and
# record a failure) otherwise, rather than wait for messages that will never come.
js_filled() {
    [[ -n ${JS_FILLED["$1|$2"]:-} ]] && return 0
    log "  skipped on $1 (repetition $2): stream nb_r$2 was not filled by js pub async"
    return 1
}

wl_js_fetch() {
    local s=$1 rep=$2 ok=1
    raw_file js-fetch "$s" "$rep"
    js_filled "$s" "$rep" && bench_run "$OUT" js fetch --stream "nb_r$rep" --batch "$JS_BATCH" --msgs "$JS_MSGS" --size "$MSG_SIZE" \
        --clients 1 -s "${SRV_URL[$s]}" || ok=
    js_record "8 js fetch --batch $JS_BATCH (durable, explicit ack)" "$s" "$ok"
}

wl_js_ordered() {
    local s=$1 rep=$2 ok=1
    raw_file js-ordered "$s" "$rep"
    js_filled "$s" "$rep" && bench_run "$OUT" js ordered --stream "nb_r$rep" --msgs "$JS_MSGS" --size "$MSG_SIZE" \
        --clients 1 -s "${SRV_URL[$s]}" || ok=
    js_record "9 js ordered consumer" "$s" "$ok"
}

wl_js_get_sync() {
    local s=$1 rep=$2 ok=1
    raw_file js-get-sync "$s" "$rep"
    js_filled "$s" "$rep" && bench_run "$OUT" js get sync --stream "nb_r$rep" --msgs "$JS_GET_MSGS" --size "$MSG_SIZE" \
        --clients 1 -s "${SRV_URL[$s]}" || ok=
    js_record "10 js get sync" "$s" "$ok" lat
}

wl_js_get_batch() {
    local s=$1 rep=$2 ok=1
    raw_file js-get-batch "$s" "$rep"
    js_filled "$s" "$rep" && bench_run "$OUT" js get batch --stream "nb_r$rep" --batch "$JS_BATCH" --msgs "$JS_MSGS" --size "$MSG_SIZE" \
        --clients 1 -s "${SRV_URL[$s]}" || ok=
    js_record "11 js get batch (direct) --batch $JS_BATCH" "$s" "$ok"
}

# 12. memory: RSS of a fresh JetStream server with one empty stream, then with
# JS_CONSUMERS idle durable pull consumers on it (created by bench/jsconsumers,
# which exits once they exist: durable consumers need no client connection).
# The stream sets max_consumers=JS_CONSUMERS on both servers: nats-server
# 2.15 otherwise caps a stream at 1,000 consumers (default_max_consumers).
wl_js_consumers() {
    local s=$1 rep=$2 wl="12 js memory ($JS_CONSUMERS idle durable consumers)" idle base held rate out
    mkdir -p "$TMP_DIR/jscons-$s-r$rep"
    start_server "$s" "jscons-r$rep" -js -sd "$TMP_DIR/jscons-$s-r$rep"
    sleep "$MEM_SETTLE"
    idle=$(rss_kb "${SRV_PID[$s]}")
    base= held= rate=
    out=$RUN_DIR/raw/jsconsumers-$s-r$rep.out
    if js_stream_add "$s" "$rep" "idle_r$rep" "idle.r$rep" --max-consumers "$JS_CONSUMERS"; then
        sleep "$MEM_SETTLE"
        base=$(rss_kb "${SRV_PID[$s]}")
        if timeout "$BENCH_TIMEOUT" "$JSCONS_BIN" -s "${SRV_URL[$s]}" -stream "idle_r$rep" -n "$JS_CONSUMERS" \
            >"$out" 2>&1 && grep -q '^ready ' "$out"; then
            rate=$(sed -nE 's/^ready .*\(([0-9.]+) consumers\/s\).*/\1/p' "$out")
            sleep "$MEM_SETTLE"
            held=$(rss_kb "${SRV_PID[$s]}")
        else
            log "  FAILED: $JSCONS_BIN -s ${SRV_URL[$s]} -stream idle_r$rep -n $JS_CONSUMERS (see $out)"
            tail -3 "$out" >&2 || true
        fi
    fi
    server_alive "$s" || { log "  FAILED: $s exited (see ${SRV_LOG[$s]})"; tail -5 "${SRV_LOG[$s]}" >&2; idle= base= held= rate=; }
    stop_server "$s"
    record "$wl" "idle RSS, JetStream on MiB (lower is better)" "$s" "$(awk -v k="$idle" 'BEGIN{ if (k != "") printf "%.1f", k/1024 }')"
    record "$wl" "RSS with 1 empty stream MiB (lower is better)" "$s" "$(awk -v k="$base" 'BEGIN{ if (k != "") printf "%.1f", k/1024 }')"
    record "$wl" "RSS with $JS_CONSUMERS consumers MiB (lower is better)" "$s" \
        "$(awk -v k="$held" 'BEGIN{ if (k != "") printf "%.1f", k/1024 }')"
    record "$wl" "KiB per consumer (lower is better)" "$s" \
        "$(awk -v a="$base" -v b="$held" -v n="$JS_CONSUMERS" 'BEGIN{ if (a != "" && b != "") printf "%.2f", (b-a)/n }')"
    record "$wl" "consumer creates/s" "$s" "$rate"
}

run_js() {
    local s
    SRV_MODE[ref]=js SRV_MODE[natsnet]=js
    for s in "${SERVERS[@]}"; do
        mkdir -p "$TMP_DIR/js-$s"
        start_server "$s" js -js -sd "$TMP_DIR/js-$s" $(ref_sync_args "$s")
    done
    run_reps "6 js pub sync" wl_js_pub_sync
    run_reps "7 js pub async" wl_js_pub_async   # fills nb_rN, read by the ones below
    run_reps "8 js fetch" wl_js_fetch
    run_reps "9 js ordered" wl_js_ordered
    run_reps "10 js get sync" wl_js_get_sync
    run_reps "11 js get batch" wl_js_get_batch
    stop_all
    run_reps "12 js memory, $JS_CONSUMERS consumers" wl_js_consumers   # starts its own fresh servers
}

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
# summarize "values..." -> "median [nfail]" (median of the numeric values)
summarize() {
    printf '%s\n' $1 | awk '
        $1 == "FAIL" || $1 == "" { fail++; next }
        { v[n++] = $1 + 0 }
        END {
            if (n == 0) { printf "FAIL"; exit }
            # insertion sort: n is small
            for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j+1] = v[j]; v[j+1] = x }
            m = (n % 2) ? v[int(n/2)] : (v[n/2-1] + v[n/2]) / 2
            m = sprintf("%.4f", m); sub(/0+$/, "", m); sub(/\.$/, "", m)
            printf "%s", m
            if (fail) printf " (%d failed)", fail
        }'
}

fmt_num() {  # thousands separators for big numbers, 2 decimals for small ones
    awk -v x="$1" 'BEGIN {
        if (x !~ /^-?[0-9.]+$/) { printf "%s", x; exit }
        if (x >= 1000) {
            s = sprintf("%.0f", x); out = ""
            while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
            printf "%s%s", s, out
        } else printf "%.2f", x
    }'
}

report() {
    local row wl metric rv nv r n ratio
    {
        echo "natsnet benchmark — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "machine: $(nproc) cores, $(uname -sr); loopback only; shared/noisy: compare ratios, not absolutes"
        echo "reference: $REF_BIN ($("$REF_BIN" --version 2>&1 | head -1))"
        echo "natsnet:   $NATSNET_BIN ($(timeout 2 "$NATSNET_BIN" --version </dev/null 2>&1 | head -1 || true); $NATSNET_SRC)"
        echo "client:    $NATS_CLI ($("$NATS_CLI" --version 2>&1 | head -1))"
        echo "workloads=$WORKLOADS repeat=$REPEAT size=${MSG_SIZE}B pub=$PUB_MSGS sub=$SUB_MSGS fanout=$FANOUT_MSGS x$FANOUT_SUBS" \
             "service=$SVC_MSGS conns=$CONNS js_sync=$JS_SYNC_MSGS js=$JS_MSGS js_get=$JS_GET_MSGS storage=$JS_STORAGE js_consumers=$JS_CONSUMERS ref_sync_interval=${REF_SYNC:-default}"
        echo "figures are medians of $REPEAT runs; ratio = natsnet / reference (>1: natsnet higher)"
        if ((SRV_RESTARTS[ref] + SRV_RESTARTS[natsnet] > 0)); then
            echo "WARNING: servers exited unexpectedly and were restarted: reference ${SRV_RESTARTS[ref]}," \
                "natsnet ${SRV_RESTARTS[natsnet]} time(s); see the server logs"
        fi
        echo
        {
            echo "workload|metric|reference|natsnet|ratio"
            for row in "${ROWS[@]}"; do
                wl=${row%%|*}
                metric=${row#*|}
                rv=$(summarize "${RES[$row|ref]:-}")
                nv=$(summarize "${RES[$row|natsnet]:-}")
                r=${rv%% *}
                n=${nv%% *}
                ratio=$(awk -v a="$r" -v b="$n" 'BEGIN {
                    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a + 0 == 0) { printf "n/a"; exit }
                    printf "%.2f", b / a }')
                echo "$wl|$metric|$(fmt_num "$r")${rv#"$r"}|$(fmt_num "$n")${nv#"$n"}|$ratio"
            done
        } | awk -F'|' '
            { for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
            END {
                for (r = 1; r <= NR; r++) {
                    line = ""
                    for (i = 1; i <= 5; i++) {
                        f = (i <= 2) ? "%-" w[i] "s" : "%" w[i] "s"
                        line = line sprintf(f, c[r, i]) (i < 5 ? " | " : "")
                    }
                    print line
                    if (r == 1) { sep = ""; for (i = 1; i <= 5; i++) { s = sprintf("%" w[i] "s", ""); gsub(/ /, "-", s); sep = sep s (i < 5 ? "-+-" : "") } print sep }
                }
            }'
        echo
        echo "raw values per run (reference / natsnet):"
        for row in "${ROWS[@]}"; do
            echo "  ${row//|/ : } : ${RES[$row|ref]:-}/ ${RES[$row|natsnet]:-}"
        done
        echo
        echo "raw outputs and server logs: $RUN_DIR"
    } | tee "$RESULTS_FILE"
    log "results written to $RESULTS_FILE"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
usage() {
    echo "usage: bench/run.sh   (configure with environment variables; see bench/README.md)"
    echo
    echo "environment variables and their defaults:"
    sed -n '/^# Configuration/,/^# Keep the user/p' "${BASH_SOURCE[0]}" | grep -E '^[A-Z_]+=\$\{' |
        sed -E 's/^([A-Z_]+)=\$\{[A-Z_]+:-([^}]*)\}[[:space:]]*(#[[:space:]]*)?/  \1=\2    /'
}

main() {
    case ${1:-} in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
    esac
    local groups=",${WORKLOADS//[[:space:]]/},"
    [[ $groups == *,all,* ]] && groups=",core,js,"
    [[ $groups =~ ^(,(core|js))+,$ ]] || die "WORKLOADS must be a comma list of: core, js, all (got '$WORKLOADS')"
    [[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive integer"
    prepare_tools
    SRV_BIN[ref]=$REF_BIN
    SRV_BIN[natsnet]=$NATSNET_BIN
    log "reference=$REF_BIN natsnet=$NATSNET_BIN repeat=$REPEAT workloads=$WORKLOADS"
    [[ $groups == *,core,* ]] && run_core
    [[ $groups == *,js,* ]] && run_js
    report
}

main "$@"
