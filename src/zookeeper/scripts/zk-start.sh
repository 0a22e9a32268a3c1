#!/bin/sh
# cdk8s-stateful: starts a StatefulZooKeeper server. Usage: zk-start.sh <zoo.cfg>
# Sizes the JVM heap and execs `zkServer.sh start-foreground <zoo.cfg>` (no image
# entrypoint, no config generation). Environment:
#   ZK_HEAP_MIB          an explicit heap size in MiB, or else
#   ZK_MEMORY_LIMIT_MIB  the container's memory limit (downward API) and
#   ZK_HEAP_PERCENT      the share of it for the heap (default 75); neither: the JVM's default
#   ZK_JAAS_CONFIG       with auth, the JAAS file the init container wrote
# The heap goes into SERVER_JVMFLAGS (read by every zkServer.sh) and ZK_SERVER_HEAP (the
# official image's zkEnv.sh, which otherwise prepends -Xmx1000m).
set -eu
CFG="${1:?usage: zk-start.sh <zoo.cfg>}"
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
if [ -n "${ZK_HEAP_MIB:-}" ]; then
  number ZK_HEAP_MIB "$ZK_HEAP_MIB"
  HEAP="$ZK_HEAP_MIB"
elif [ -n "${ZK_MEMORY_LIMIT_MIB:-}" ]; then
  number ZK_MEMORY_LIMIT_MIB "$ZK_MEMORY_LIMIT_MIB"
  PERCENT="${ZK_HEAP_PERCENT:-75}"
  number ZK_HEAP_PERCENT "$PERCENT"
  HEAP=$((ZK_MEMORY_LIMIT_MIB * PERCENT / 100))
fi
if [ -n "$HEAP" ]; then
  if [ "$HEAP" -lt 32 ]; then
    echo "zk-start: a heap of $HEAP MiB is too small for ZooKeeper (at least 32)" >&2
    exit 1
  fi
  SERVER_JVMFLAGS="-Xmx${HEAP}m ${SERVER_JVMFLAGS:-}"
  ZK_SERVER_HEAP="$HEAP"
  export SERVER_JVMFLAGS ZK_SERVER_HEAP
  echo "zk-start: JVM heap $HEAP MiB" >&2
fi
if [ -n "${ZK_JAAS_CONFIG:-}" ]; then
  if [ ! -r "$ZK_JAAS_CONFIG" ]; then
    echo "zk-start: $ZK_JAAS_CONFIG is missing (the init container writes it when auth is on)" >&2
    exit 1
  fi
  SERVER_JVMFLAGS="${SERVER_JVMFLAGS:-} -Djava.security.auth.login.config=$ZK_JAAS_CONFIG"
  export SERVER_JVMFLAGS
  echo "zk-start: SASL with $ZK_JAAS_CONFIG" >&2
fi
exec zkServer.sh start-foreground "$CFG"
