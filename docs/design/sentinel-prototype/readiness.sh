#!/bin/sh
# Readiness probe of the redis container. Ready means "serves what its role promises":
#  - master: role:master and not loading;
#  - replica: master_link_status:up, no sync in progress, not loading (a syncing or
#    disconnected replica is NOT ready, so reads never hit a half-loaded copy);
#  - HOLDING (start-up decision not taken yet): not ready.
set -u
# shellcheck source=sentinel-lib.sh disable=SC1091
. "${RS_SCRIPTS:-$(dirname "$0")}/sentinel-lib.sh"
rs_require
info=$(rs_cli 127.0.0.1 "$RS_REDIS_TCP" INFO) || exit 1
loading=$(printf '%s\n' "$info" | rs_field loading)
role=$(printf '%s\n' "$info" | rs_field role)
[ "$loading" = 0 ] || exit 1
case $role in
  master) exit 0 ;;
  slave)
    [ "$(printf '%s\n' "$info" | rs_field master_host)" != "$RS_HOLDING_HOST" ] || exit 1
    [ "$(printf '%s\n' "$info" | rs_field master_link_status)" = up ] || exit 1
    [ "$(printf '%s\n' "$info" | rs_field master_sync_in_progress)" = 0 ] || exit 1
    exit 0 ;;
esac
exit 1
