#!/bin/sh
# StatefulRedis probes (cdk8s-stateful).
# Usage: redis-probe.sh readiness|liveness TCP CONF_DIR CLI
#   readiness: an authenticated PING answered with PONG, the role the init container chose,
#              and on replicas the link to the primary up;
#   liveness:  the server answers, even while loading its data.
# The CLI (redis-cli or valkey-cli) authenticates with $REDISCLI_AUTH / $VALKEYCLI_AUTH
# (from the Secret), never with -a. Every parameter is an argument: no Service link can
# change what the probe does.
set -u
MODE="${1:-readiness}"
TCP="${2:-6379}"
CONF_DIR="${3:-/etc/redis}"
CLI="${4:-redis-cli}"
fail() { echo "redis $MODE: $*" >&2; exit 1; }
case "$TCP" in ''|*[!0-9]*) fail "the port must be a number, not '$TCP'" ;; esac
case "$CLI" in redis-cli|valkey-cli) ;; *) fail "the CLI must be redis-cli or valkey-cli, not '$CLI'" ;; esac
cli() { "$CLI" -h 127.0.0.1 -p "$TCP" "$@" 2>&1 | tr -d '\r'; }
PONG="$(cli ping)"
case "$MODE" in
  liveness)
    case "$PONG" in PONG|LOADING*|MASTERDOWN*|BUSY*) exit 0 ;; esac
    fail "PING answered: $PONG" ;;
  readiness)
    [ "$PONG" = PONG ] || fail "PING answered: $PONG"
    ROLE="$(cat "$CONF_DIR/role" 2>/dev/null || echo unknown)"
    INFO="$(cli info replication)"
    case "$ROLE" in
      primary) printf '%s\n' "$INFO" | grep -qx 'role:master' || fail "expected to be the primary" ;;
      replica)
        printf '%s\n' "$INFO" | grep -qx 'role:slave' || fail "expected to be a replica"
        printf '%s\n' "$INFO" | grep -qx 'master_link_status:up' || fail "the link to the primary is down"
        ;;
      *) fail "unknown role '$ROLE' in $CONF_DIR/role" ;;
    esac
    exit 0 ;;
  *) fail "usage: $0 readiness|liveness TCP CONF_DIR CLI" ;;
esac
