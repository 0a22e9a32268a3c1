#!/bin/sh
# cdk8s-stateful: probes of a StatefulZooKeeper server. Usage: zk-probe.sh readiness|liveness <client port>
# Through the four-letter words srvr and ruok (the only ones 4lw.commands.whitelist allows):
# - readiness: srvr reports a Mode (leader, follower, observer or standalone): the server is
#   in a quorum and serves clients. A server without a quorum answers "not currently serving
#   requests" and is not ready (an empty volume never makes a server Ready on its own).
# - liveness: ruok answers imok: the JVM and the client port are alive (also without a
#   quorum, so a server waiting for its peers is not restarted).
set -u
MODE="${1:-}"
PROBE_TCP="${2:-2181}"
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
    SERVER_MODE="$(printf '%s\n' "$ANSWER" | sed -n 's/^Mode: *//p')"
    case "$SERVER_MODE" in
      leader|follower|observer|standalone) exit 0 ;;
    esac
    fail "not serving: $(printf '%s\n' "$ANSWER" | head -n 1)" ;;
  liveness)
    four ruok
    [ "$ANSWER" = imok ] || fail "ruok answered: $ANSWER"
    exit 0 ;;
  *) fail "usage: zk-probe.sh readiness|liveness <client port>" ;;
esac
