#!/bin/sh
# cdk8s-stateful: StatefulZooKeeper's ordinal init step. Usage: zk-init.sh
# Runs in the init container after the core's ordinal preamble, which exports POD_NAME and
# ORDINAL. Environment:
#   ZK_CONFIG_SOURCE  where the ConfigMap (zoo.cfg) is mounted
#   ZK_CONFIG_DIR     the emptyDir the server reads its configuration from
#   ZK_DATA_DIR       the data claim (dataDir), where myid lives
# Writes myid = ORDINAL + 1 (the server.<id> lines of zoo.cfg use the same numbering),
# refuses a data volume whose myid names another server (the claim belongs to another
# member: starting would corrupt the ensemble), and copies zoo.cfg into the emptyDir.
# Every file is written to a temporary name and renamed, so a failed step leaves nothing
# half-written.
set -eu
: "${POD_NAME:?POD_NAME is not set (the ordinal preamble sets it)}"
: "${ORDINAL:?ORDINAL is not set (the ordinal preamble sets it)}"
case "$ORDINAL" in
  ''|*[!0-9]*) echo "zookeeper-init: ORDINAL must be a number, got '$ORDINAL'" >&2; exit 1 ;;
esac
: "${ZK_CONFIG_SOURCE:?ZK_CONFIG_SOURCE is not set}"
: "${ZK_CONFIG_DIR:?ZK_CONFIG_DIR is not set}"
: "${ZK_DATA_DIR:?ZK_DATA_DIR is not set}"
MYID=$((ORDINAL + 1))
SRC="$ZK_CONFIG_SOURCE/zoo.cfg"
if [ ! -r "$SRC" ]; then
  echo "zookeeper-init: $SRC is missing" >&2
  exit 1
fi
if ! grep -q "^server\.$MYID=" "$SRC"; then
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
  printf '%s\n' "$MYID" > "$ZK_DATA_DIR/myid.tmp"
  mv "$ZK_DATA_DIR/myid.tmp" "$ZK_DATA_DIR/myid"
fi
mkdir -p "$ZK_CONFIG_DIR"
cp "$SRC" "$ZK_CONFIG_DIR/zoo.cfg.tmp"
mv "$ZK_CONFIG_DIR/zoo.cfg.tmp" "$ZK_CONFIG_DIR/zoo.cfg"
echo "zookeeper-init: $POD_NAME is server $MYID; configuration in $ZK_CONFIG_DIR/zoo.cfg" >&2
