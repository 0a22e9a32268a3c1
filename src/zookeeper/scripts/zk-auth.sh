#!/bin/sh
# cdk8s-stateful: StatefulZooKeeper's JAAS step (only with auth). Usage: zk-auth.sh
# Runs in the init container after zk-init.sh. Environment:
#   ZK_CONFIG_DIR                        the emptyDir shared with the server
#   ZK_CLIENT_USER, ZK_CLIENT_PASSWORD   the account clients authenticate with
#   ZK_QUORUM_PASSWORD                   the secret the servers authenticate each other with
# jaas.conf (mode 0600) has the server side (Server, QuorumServer), the learner side
# (QuorumLearner) and a Client section for zkCli.sh in the pod. Passwords are escaped for
# the JAAS parser (backslash and double quote); line breaks are refused.
set -eu
: "${ZK_CONFIG_DIR:?ZK_CONFIG_DIR is not set}"
: "${ZK_CLIENT_USER:?ZK_CLIENT_USER is not set}"
case "$ZK_CLIENT_USER" in
  ''|*[!A-Za-z0-9_]*) echo "zookeeper-init: the client user '$ZK_CLIENT_USER' must be letters, digits and '_'" >&2; exit 1 ;;
esac
NL='
'
CR="$(printf '\r')"
for WHAT in client quorum; do
  if [ "$WHAT" = client ]; then VALUE="${ZK_CLIENT_PASSWORD:-}"; else VALUE="${ZK_QUORUM_PASSWORD:-}"; fi
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
echo "zookeeper-init: SASL (DIGEST-MD5) for client $ZK_CLIENT_USER and the quorum in $ZK_CONFIG_DIR/jaas.conf" >&2
