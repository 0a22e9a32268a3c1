#!/bin/sh
# Init step of the redis container: writes redis.conf (+ auth.conf, mode 0600) into
# $RS_RUN_DIR. Redis always starts in the HOLDING state: a read-only replica of an
# address that does not exist, so it loads and serves its data set to its peers'
# questions (INFO, DBSIZE) but never accepts a write and never serves as a master
# until the decision (decide.sh) has been taken. Fail closed: nothing is left behind on
# error (files are written to temporaries and renamed).
set -u
# shellcheck source=sentinel-lib.sh disable=SC1091
. "${RS_SCRIPTS:-$(dirname "$0")}/sentinel-lib.sh"
rs_require
[ -n "${RS_DATA_DIR:-}" ] || die "RS_DATA_DIR is empty"
[ -n "${RS_RUN_DIR:-}" ] || die "RS_RUN_DIR is empty"
rs_password_ok || die "the password must be printable, without spaces, quotes or backslashes"
mkdir -p "$RS_DATA_DIR/redis" "$RS_RUN_DIR" || die "cannot create directories"

umask 077
tmp="$RS_RUN_DIR/.auth.conf.$$"
if ! printf 'requirepass "%s"\nmasterauth "%s"\n' "$REDISCLI_AUTH" "$REDISCLI_AUTH" >"$tmp"; then
  rm -f "$tmp"; die "cannot write auth.conf"
fi
mv "$tmp" "$RS_RUN_DIR/auth.conf" || { rm -f "$tmp"; die "cannot install auth.conf"; }

tmp="$RS_RUN_DIR/.redis.conf.$$"
if ! cat >"$tmp" <<CONF
bind ${RS_BIND:-0.0.0.0}
port $RS_REDIS_TCP
protected-mode no
dir $RS_DATA_DIR/redis
appendonly yes
appendfsync everysec
save 3600 1 300 100 60 10000
replica-read-only yes
replica-serve-stale-data yes
replica-announce-ip $RS_SELF
replica-announce-port $RS_REDIS_TCP
min-replicas-to-write ${RS_MIN_REPLICAS_TO_WRITE:-0}
min-replicas-max-lag ${RS_MIN_REPLICAS_MAX_LAG:-10}
replicaof $RS_HOLDING_HOST $RS_REDIS_TCP
include $RS_RUN_DIR/auth.conf
CONF
then rm -f "$tmp"; die "cannot write redis.conf"; fi
mv "$tmp" "$RS_RUN_DIR/redis.conf" || { rm -f "$tmp"; die "cannot install redis.conf"; }
log "redis.conf written (holding state, announce $RS_SELF)"
