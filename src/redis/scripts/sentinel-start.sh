#!/bin/sh
# StatefulRedis Sentinel mode (cdk8s-stateful): the sentinel container's command.
# (Re)writes $RS_SENTINEL_DIR/sentinel.conf (on the data claim, mode 0600) from the
# password and the pod identity, keeping what Sentinel learned before (myid, the
# monitored master and the epochs) from the previous file, so a restarted Sentinel still
# knows the latest configuration it saw; then execs the server in Sentinel mode
# ($RS_SERVER <conf> --sentinel: the same binary and image as the data server).
# A master whose name still does not resolve after RS_RESOLVE_WAIT seconds (default 30)
# is not written (Sentinel refuses to load it); it stays in $RS_SENTINEL_DIR/last-master,
# and the watchdog re-adds the monitor at run time. Inputs: sentinel-lib.sh, plus
#   RS_SERVER  redis-server | valkey-server
#   RS_QUORUM, RS_DOWN_AFTER_MS, RS_FAILOVER_TIMEOUT_MS  Sentinel's settings
set -u
# shellcheck source=sentinel-lib.sh disable=SC1091
. "${RS_SCRIPTS:-$(dirname "$0")}/sentinel-lib.sh"
rs_require
RS_SERVER=${RS_SERVER:-redis-server}
case $RS_SERVER in redis-server | valkey-server) ;; *) die "RS_SERVER must be redis-server or valkey-server, not '$RS_SERVER'" ;; esac
rs_password_ok || die "the password must be printable, without spaces, quotes or backslashes"
RS_QUORUM=${RS_QUORUM:-$((RS_REPLICAS / 2 + 1))}
dir="$RS_SENTINEL_DIR"
conf="$dir/sentinel.conf"
mkdir -p "$dir" || die "cannot create $dir"

myid=""; mhost=""; cepoch=0; lepoch=0; curepoch=0
if [ -f "$conf" ]; then
  old=$(cat "$conf") || die "cannot read $conf"
  myid=$(printf '%s\n' "$old" | awk '$1=="sentinel" && $2=="myid" {print $3; exit}')
  mhost=$(printf '%s\n' "$old" | awk -v m="$RS_MASTER_NAME" '$1=="sentinel" && $2=="monitor" && $3==m {print $4; exit}')
  cepoch=$(printf '%s\n' "$old" | awk -v m="$RS_MASTER_NAME" '$1=="sentinel" && $2=="config-epoch" && $3==m {print $4; exit}')
  lepoch=$(printf '%s\n' "$old" | awk -v m="$RS_MASTER_NAME" '$1=="sentinel" && $2=="leader-epoch" && $3==m {print $4; exit}')
  curepoch=$(printf '%s\n' "$old" | awk '$1=="sentinel" && $2=="current-epoch" {print $3; exit}')
fi
mhost=$(printf '%s' "$mhost" | tr -d '"')
# A monitored master from an earlier run must be one of ours.
if [ -n "$mhost" ] && [ -z "$(rs_ordinal_of "$mhost")" ]; then
  log "ignoring monitored master $mhost: not a member of $RS_SET"; mhost=""
fi
# The last master this Sentinel knew, with its epoch, even if it does not resolve now: the
# watchdog counts it as this Sentinel's view while the Sentinel monitors nothing.
if [ -n "$mhost" ]; then
  if ! { printf '%s %s\n' "$mhost" "${cepoch:-0}" >"$dir/last-master.tmp" && mv "$dir/last-master.tmp" "$dir/last-master"; }; then
    rm -f "$dir/last-master.tmp"; die "cannot write $dir/last-master"
  fi
fi
# Sentinel refuses a configuration whose master does not resolve. After a full restart the
# master's pod may not have its DNS record yet: wait for it (bounded), then start without it.
if [ -n "$mhost" ] && command -v getent >/dev/null 2>&1; then
  trap 'exit 0' TERM INT
  waited=0
  while ! getent hosts "$mhost" >/dev/null 2>&1; do
    if [ "$waited" -ge "${RS_RESOLVE_WAIT:-30}" ]; then
      log "monitored master $mhost does not resolve after ${waited}s; starting without it (the watchdog re-adds it)"; mhost=""; break
    fi
    sleep 2; waited=$((waited + 2))
  done
fi

umask 077
tmp="$dir/.sentinel.conf.$$"
{
  printf 'port %s\n' "$RS_SENTINEL_TCP"
  printf 'protected-mode no\n'
  printf 'dir "%s"\n' "$dir"
  printf 'sentinel resolve-hostnames yes\n'
  printf 'sentinel announce-hostnames yes\n'
  printf 'sentinel announce-ip "%s"\n' "$RS_SELF"
  printf 'sentinel announce-port %s\n' "$RS_SENTINEL_TCP"
  printf 'requirepass "%s"\n' "$REDISCLI_AUTH"
  printf 'sentinel sentinel-pass "%s"\n' "$REDISCLI_AUTH"
  [ -n "$myid" ] && printf 'sentinel myid %s\n' "$myid"
  printf 'sentinel current-epoch %s\n' "${curepoch:-0}"
  if [ -n "$mhost" ]; then
    printf 'sentinel monitor %s %s %s %s\n' "$RS_MASTER_NAME" "$mhost" "$RS_REDIS_TCP" "$RS_QUORUM"
    printf 'sentinel auth-pass %s "%s"\n' "$RS_MASTER_NAME" "$REDISCLI_AUTH"
    printf 'sentinel down-after-milliseconds %s %s\n' "$RS_MASTER_NAME" "${RS_DOWN_AFTER_MS:-5000}"
    printf 'sentinel failover-timeout %s %s\n' "$RS_MASTER_NAME" "${RS_FAILOVER_TIMEOUT_MS:-60000}"
    printf 'sentinel parallel-syncs %s 1\n' "$RS_MASTER_NAME"
    printf 'sentinel config-epoch %s %s\n' "$RS_MASTER_NAME" "${cepoch:-0}"
    printf 'sentinel leader-epoch %s %s\n' "$RS_MASTER_NAME" "${lepoch:-0}"
  fi
} >"$tmp" || { rm -f "$tmp"; die "cannot write $tmp"; }
mv "$tmp" "$conf" || { rm -f "$tmp"; die "cannot install $conf"; }
log "sentinel.conf written (master: ${mhost:-none yet}, epoch ${cepoch:-0})"
exec "$RS_SERVER" "$conf" --sentinel
