# bench/lib.sh — helpers shared by bench/cluster.sh and bench/filestore.sh.
# Source it after setting BENCH_DIR; it sets the common paths and picks the
# tools (NATS_CLI, REF_BIN, NATSNET_BIN) unless they are given.

REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$BENCH_DIR/.tools}
OUT_DIR=${OUT_DIR:-$BENCH_DIR/out}
PREBUILT_DIR=${PREBUILT_DIR:-/tmp/tools/bin}
NATS_CLI=${NATS_CLI:-}
REF_BIN=${REF_BIN:-}
NATSNET_BIN=${NATSNET_BIN:-}

unset NATS_URL NATS_CONTEXT NATS_USER NATS_PASSWORD NATS_TOKEN NATS_CREDS || true
mkdir -p "$TOOLS_DIR" "$OUT_DIR"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# pick_tool NAME VERSION-CHECK-STRING PKG: the path of a prebuilt tool of
# that version, or one built with go install into TOOLS_DIR.
pick_tool() {
    local name=$1 want=$2 pkg=$3
    if [[ -x $PREBUILT_DIR/$name ]] && "$PREBUILT_DIR/$name" --version 2>&1 | grep -q -- "$want"; then
        echo "$PREBUILT_DIR/$name"; return
    fi
    if [[ ! -x $TOOLS_DIR/$name ]]; then
        log "building $name with go install"
        GOBIN=$TOOLS_DIR GOWORK=off CGO_ENABLED=0 go install "$pkg" >&2 || die "go install $pkg failed"
    fi
    echo "$TOOLS_DIR/$name"
}

# pick_tools: set NATS_CLI, REF_BIN and NATSNET_BIN (natsnet is built from
# the working tree unless NATSNET_BIN is given).
pick_tools() {
    [[ -n $NATS_CLI ]] || NATS_CLI=$(pick_tool nats v0.5.0 github.com/nats-io/natscli/nats@v0.5.0)
    [[ -n $REF_BIN ]] || REF_BIN=$(pick_tool nats-server v2.15.2 github.com/nats-io/nats-server/v2@v2.15.2)
    if [[ -z $NATSNET_BIN ]]; then
        log "building natsnet"
        (cd "$REPO_ROOT" && go build -o "$TOOLS_DIR/natsnet" ./cmd/natsnet) || die "go build ./cmd/natsnet failed"
        NATSNET_BIN=$TOOLS_DIR/natsnet
    fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
