/**
 * The shell code StatefulZooKeeper runs in its pods. Each script is a constant POSIX sh
 * text (sh, dash, busybox ash), parametrised only by environment variables and arguments,
 * so it can move to a `.sh` file unchanged. No script reads a name a Service link can
 * produce (`*_SERVICE_HOST`, `*_SERVICE_PORT*`, `*_PORT`, `*_PORT_*`).
 */

/**
 * The body of the ordinal init step (it runs after the core's ordinal preamble, which sets
 * `POD_NAME` and `ORDINAL`). Environment:
 *
 * - `ZK_CONFIG_SOURCE`: where the ConfigMap (`zoo.cfg`) is mounted,
 * - `ZK_CONFIG_DIR`: the emptyDir the server reads its configuration from,
 * - `ZK_DATA_DIR`: the data claim (`dataDir`), where `myid` lives.
 *
 * It writes `myid = ORDINAL + 1` (the `server.<id>` lines of `zoo.cfg` use the same
 * numbering), refuses a data volume whose `myid` names another server (the claim belongs
 * to another member: starting would corrupt the ensemble), and copies `zoo.cfg` into the
 * emptyDir. Every file is written to a temporary name and renamed, so a failed step
 * leaves nothing half-written.
 */
export const INIT_STEP = `: "\${ZK_CONFIG_SOURCE:?ZK_CONFIG_SOURCE is not set}"
: "\${ZK_CONFIG_DIR:?ZK_CONFIG_DIR is not set}"
: "\${ZK_DATA_DIR:?ZK_DATA_DIR is not set}"
MYID=$((ORDINAL + 1))
SRC="$ZK_CONFIG_SOURCE/zoo.cfg"
if [ ! -r "$SRC" ]; then
  echo "zookeeper-init: $SRC is missing" >&2
  exit 1
fi
if ! grep -q "^server\\.$MYID=" "$SRC"; then
  echo "zookeeper-init: $SRC has no server.$MYID line: $POD_NAME is not a member of this ensemble" >&2
  exit 1
fi
if [ ! -d "$ZK_DATA_DIR" ] || [ ! -w "$ZK_DATA_DIR" ]; then
  echo "zookeeper-init: the data directory $ZK_DATA_DIR is missing or not writable" >&2
  exit 1
fi
if [ -e "$ZK_DATA_DIR/myid" ]; then
  OLD="$(cat "$ZK_DATA_DIR/myid")"
  if [ "$OLD" != "$MYID" ]; then
    echo "zookeeper-init: $ZK_DATA_DIR/myid says server '$OLD' but $POD_NAME is server $MYID: this volume belongs to another member; refusing to start" >&2
    exit 1
  fi
else
  printf '%s\\n' "$MYID" > "$ZK_DATA_DIR/myid.tmp"
  mv "$ZK_DATA_DIR/myid.tmp" "$ZK_DATA_DIR/myid"
fi
mkdir -p "$ZK_CONFIG_DIR"
cp "$SRC" "$ZK_CONFIG_DIR/zoo.cfg.tmp"
mv "$ZK_CONFIG_DIR/zoo.cfg.tmp" "$ZK_CONFIG_DIR/zoo.cfg"
echo "zookeeper-init: $POD_NAME is server $MYID; configuration in $ZK_CONFIG_DIR/zoo.cfg" >&2`;

/**
 * The ordinal init step that writes the JAAS file for SASL DIGEST-MD5 auth (after
 * `INIT_STEP`, only when auth is on). Environment:
 *
 * - `ZK_CONFIG_DIR`: the emptyDir shared with the server,
 * - `ZK_CLIENT_USER`, `ZK_CLIENT_PASSWORD`: the account clients authenticate with,
 * - `ZK_QUORUM_PASSWORD`: the secret the servers authenticate each other with.
 *
 * `jaas.conf` (mode 0600) has the server side (`Server`, `QuorumServer`), the learner
 * side (`QuorumLearner`) and a `Client` section for `zkCli.sh` in the pod. Passwords are
 * escaped for the JAAS parser (backslash and double quote); line breaks are refused.
 */
export const AUTH_STEP = String.raw`: "${'$'}{ZK_CONFIG_DIR:?ZK_CONFIG_DIR is not set}"
: "${'$'}{ZK_CLIENT_USER:?ZK_CLIENT_USER is not set}"
case "$ZK_CLIENT_USER" in
  ''|*[!A-Za-z0-9_]*) echo "zookeeper-init: the client user '$ZK_CLIENT_USER' must be letters, digits and '_'" >&2; exit 1 ;;
esac
NL='
'
CR="$(printf '\r')"
for WHAT in client quorum; do
  if [ "$WHAT" = client ]; then VALUE="${'$'}{ZK_CLIENT_PASSWORD:-}"; else VALUE="${'$'}{ZK_QUORUM_PASSWORD:-}"; fi
  if [ -z "$VALUE" ]; then
    echo "zookeeper-init: the $WHAT password is empty: put it in the Secret key this StatefulZooKeeper reads" >&2
    exit 1
  fi
  case "$VALUE" in
    *"$NL"*|*"$CR"*) echo "zookeeper-init: the $WHAT password has a line break" >&2; exit 1 ;;
  esac
done
jaas_quote() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}
CLIENT_QUOTED="$(jaas_quote "$ZK_CLIENT_PASSWORD")"
QUORUM_QUOTED="$(jaas_quote "$ZK_QUORUM_PASSWORD")"
umask 077
mkdir -p "$ZK_CONFIG_DIR"
cat > "$ZK_CONFIG_DIR/jaas.conf.tmp" <<JAAS
Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_$ZK_CLIENT_USER="$CLIENT_QUOTED";
};
QuorumServer {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_quorum="$QUORUM_QUOTED";
};
QuorumLearner {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="quorum"
  password="$QUORUM_QUOTED";
};
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="$ZK_CLIENT_USER"
  password="$CLIENT_QUOTED";
};
JAAS
mv "$ZK_CONFIG_DIR/jaas.conf.tmp" "$ZK_CONFIG_DIR/jaas.conf"
unset CLIENT_QUOTED QUORUM_QUOTED VALUE
echo "zookeeper-init: SASL (DIGEST-MD5) for client $ZK_CLIENT_USER and the quorum in $ZK_CONFIG_DIR/jaas.conf" >&2`;

/**
 * The server's command: `zk-start.sh <zoo.cfg>`. It sizes the JVM heap and execs
 * `zkServer.sh start-foreground <zoo.cfg>` (no image entrypoint, no config generation).
 *
 * - `ZK_HEAP_MIB`: an explicit heap size in MiB, or else
 * - `ZK_MEMORY_LIMIT_MIB` (the container's memory limit, from the downward API) and
 *   `ZK_HEAP_PERCENT` (default 75): the heap is that share of the limit;
 * - neither: the JVM's default heap;
 * - `ZK_JAAS_CONFIG`: with auth, the JAAS file the init container wrote.
 *
 * The heap goes into `SERVER_JVMFLAGS` (read by every zkServer.sh) and `ZK_SERVER_HEAP`
 * (the official image's zkEnv.sh, which otherwise prepends `-Xmx1000m`).
 */
export const START_SCRIPT = `#!/bin/sh
# Generated by cdk8s-stateful: starts a StatefulZooKeeper server. Usage: zk-start.sh <zoo.cfg>
set -eu
CFG="\${1:?usage: zk-start.sh <zoo.cfg>}"
if [ ! -r "$CFG" ]; then
  echo "zk-start: $CFG is missing (the init container writes it)" >&2
  exit 1
fi
number() {
  case "$2" in
    ''|*[!0-9]*) echo "zk-start: $1 must be a whole number, got '$2'" >&2; exit 1 ;;
  esac
}
HEAP=""
if [ -n "\${ZK_HEAP_MIB:-}" ]; then
  number ZK_HEAP_MIB "$ZK_HEAP_MIB"
  HEAP="$ZK_HEAP_MIB"
elif [ -n "\${ZK_MEMORY_LIMIT_MIB:-}" ]; then
  number ZK_MEMORY_LIMIT_MIB "$ZK_MEMORY_LIMIT_MIB"
  PERCENT="\${ZK_HEAP_PERCENT:-75}"
  number ZK_HEAP_PERCENT "$PERCENT"
  HEAP=$((ZK_MEMORY_LIMIT_MIB * PERCENT / 100))
fi
if [ -n "$HEAP" ]; then
  if [ "$HEAP" -lt 32 ]; then
    echo "zk-start: a heap of $HEAP MiB is too small for ZooKeeper (at least 32)" >&2
    exit 1
  fi
  SERVER_JVMFLAGS="-Xmx\${HEAP}m \${SERVER_JVMFLAGS:-}"
  ZK_SERVER_HEAP="$HEAP"
  export SERVER_JVMFLAGS ZK_SERVER_HEAP
  echo "zk-start: JVM heap $HEAP MiB" >&2
fi
if [ -n "\${ZK_JAAS_CONFIG:-}" ]; then
  if [ ! -r "$ZK_JAAS_CONFIG" ]; then
    echo "zk-start: $ZK_JAAS_CONFIG is missing (the init container writes it when auth is on)" >&2
    exit 1
  fi
  SERVER_JVMFLAGS="\${SERVER_JVMFLAGS:-} -Djava.security.auth.login.config=$ZK_JAAS_CONFIG"
  export SERVER_JVMFLAGS
  echo "zk-start: SASL with $ZK_JAAS_CONFIG" >&2
fi
exec zkServer.sh start-foreground "$CFG"
`;

/**
 * The probe script: `zk-probe.sh readiness|liveness <client port>`, through the
 * four-letter words `srvr` and `ruok` (the only ones `4lw.commands.whitelist` allows).
 *
 * - readiness: `srvr` reports a `Mode` (leader, follower, observer or standalone): the
 *   server is in a quorum and serves clients. A server without a quorum answers "not
 *   currently serving requests" and is not ready.
 * - liveness: `ruok` answers `imok`: the JVM and the client port are alive (also without
 *   a quorum, so a server waiting for its peers is not restarted).
 */
export const PROBE_SCRIPT = `#!/bin/sh
# Generated by cdk8s-stateful: probes of a StatefulZooKeeper server. Usage: zk-probe.sh readiness|liveness <client port>
set -u
MODE="\${1:-}"
PROBE_TCP="\${2:-2181}"
fail() {
  echo "zookeeper $MODE: $*" >&2
  exit 1
}
case "$PROBE_TCP" in
  ''|*[!0-9]*) fail "the client port must be a number, got '$PROBE_TCP'" ;;
esac
# Sends a four-letter word and prints the answer; fails when nothing answers.
four() {
  ANSWER="$(printf '%s' "$1" | nc -w 5 127.0.0.1 "$PROBE_TCP" 2>&1)" || fail "$1 failed: $ANSWER"
  [ -n "$ANSWER" ] || fail "$1: no answer on port $PROBE_TCP"
}
case "$MODE" in
  readiness)
    four srvr
    SERVER_MODE="$(printf '%s\\n' "$ANSWER" | sed -n 's/^Mode: *//p')"
    case "$SERVER_MODE" in
      leader|follower|observer|standalone) exit 0 ;;
    esac
    fail "not serving: $(printf '%s\\n' "$ANSWER" | head -n 1)" ;;
  liveness)
    four ruok
    [ "$ANSWER" = imok ] || fail "ruok answered: $ANSWER"
    exit 0 ;;
  *) fail "usage: zk-probe.sh readiness|liveness <client port>" ;;
esac
`;
