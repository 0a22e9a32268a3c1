#!/bin/sh
# StatefulRedis Sentinel mode (cdk8s-stateful): readiness probes.
# Usage: sentinel-probe.sh redis|sentinel
#   redis:    ready means "serves what its role promises":
#             master: role:master and not loading;
#             replica: the link to its master up, no sync in progress, not loading (a
#             syncing or disconnected replica is not ready, so reads never hit a
#             half-loaded copy); HOLDING (the start-up decision not taken yet): not ready.
#   sentinel: the Sentinel answers an authenticated PING.
# Inputs: sentinel-lib.sh's (RS_REDIS_TCP, RS_SENTINEL_TCP, RS_CLI, RS_HOLDING_HOST,
# REDISCLI_AUTH); no Service link can produce any of them.
set -u
# shellcheck source=sentinel-lib.sh disable=SC1091
. "${RS_SCRIPTS:-$(dirname "$0")}/sentinel-lib.sh"
fail() { echo "sentinel-probe ${MODE:-}: $*" >&2; exit 1; }
MODE=${1:-redis}
case $RS_CLI in redis-cli | valkey-cli) ;; *) fail "RS_CLI must be redis-cli or valkey-cli" ;; esac
[ -n "${REDISCLI_AUTH:-}" ] || fail "REDISCLI_AUTH is empty"
VALKEYCLI_AUTH=$REDISCLI_AUTH
export VALKEYCLI_AUTH
case $MODE in
  sentinel)
    pong=$(rs_cli 127.0.0.1 "$RS_SENTINEL_TCP" PING) || fail "no answer"
    [ "$pong" = PONG ] || fail "PING answered: $pong"
    exit 0 ;;
  redis)
    info=$(rs_cli 127.0.0.1 "$RS_REDIS_TCP" INFO) || fail "no answer"
    loading=$(printf '%s\n' "$info" | rs_field loading)
    role=$(printf '%s\n' "$info" | rs_field role)
    [ "$loading" = 0 ] || fail "loading its data set"
    case $role in
      master) exit 0 ;;
      slave)
        [ "$(printf '%s\n' "$info" | rs_field master_host)" != "$RS_HOLDING_HOST" ] || fail "holding: the start-up decision is not taken yet"
        [ "$(printf '%s\n' "$info" | rs_field master_link_status)" = up ] || fail "the link to the master is down"
        [ "$(printf '%s\n' "$info" | rs_field master_sync_in_progress)" = 0 ] || fail "a sync is in progress"
        exit 0 ;;
    esac
    fail "unknown role '$role'" ;;
  *) fail "usage: $0 redis|sentinel" ;;
esac
