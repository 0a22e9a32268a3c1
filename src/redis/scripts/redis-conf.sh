#!/bin/sh
# StatefulRedis: the ordinal init step of the redis-init container (cdk8s-stateful), run by the core's ordinal script
# after its preamble, which exports POD_NAME, ORDINAL and IS_FIRST.
#
# It writes "$REDIS_CONF_DIR/redis.conf" from the ConfigMap's redis.conf plus primary.conf
# (the first pod) or replica.conf (the others) — in Sentinel mode (REDIS_MODE=sentinel)
# holding.conf for every pod plus the pod's announced host name — and, with REDIS_AUTH=yes,
# requirepass/masterauth from $REDIS_PASSWORD (hex-escaped, so any byte is safe) into
# "$REDIS_CONF_DIR/auth.conf" (mode 0600), which redis.conf includes. Last, it records the
# role in "$REDIS_CONF_DIR/role": the "done" output the seed step and the probes read; a
# failed run leaves none.
#
# Environment (set on the init container; no Service link can produce these names):
#   REDIS_CONFIG_SOURCE  where the ConfigMap is mounted
#   REDIS_CONF_DIR       the emptyDir the final configuration is written to
#   REDIS_DATA_DIR       the data directory (the claim's mount path)
#   REDIS_AUTH           yes | no
#   REDIS_PASSWORD       the password (from the Secret), with REDIS_AUTH=yes
#   REDIS_MODE           static (default) | sentinel
#   REDIS_ANNOUNCE_HOST  Sentinel mode: this pod's stable DNS name (replica-announce-ip)
#   REDIS_ANNOUNCE_TCP   Sentinel mode: the port announced with it
set -eu
umask 077
die() { echo "redis-init: $*" >&2; exit 1; }
SRC="${REDIS_CONFIG_SOURCE:?redis-init: REDIS_CONFIG_SOURCE is not set}"
CONF_DIR="${REDIS_CONF_DIR:?redis-init: REDIS_CONF_DIR is not set}"
DATA_DIR="${REDIS_DATA_DIR:?redis-init: REDIS_DATA_DIR is not set}"
AUTH="${REDIS_AUTH:-yes}"
[ -n "${POD_NAME:-}" ] || die "POD_NAME is not set: run me from the ordinal init script"
[ -n "${IS_FIRST:-}" ] || die "IS_FIRST is not set: run me from the ordinal init script"
rm -f "$CONF_DIR/role" || die "cannot write to $CONF_DIR"
MODE="${REDIS_MODE:-static}"
case "$MODE" in
  static) if [ "$IS_FIRST" = 1 ]; then ROLE=primary; else ROLE=replica; fi ;;
  sentinel)
    # Every pod starts HOLDING; the watchdog decides its role from the set.
    ROLE=holding
    case "${REDIS_ANNOUNCE_HOST:-}" in ''|*[!-.a-z0-9]*) die "REDIS_ANNOUNCE_HOST must be the pod's DNS name, not '${REDIS_ANNOUNCE_HOST:-}'" ;; esac
    case "${REDIS_ANNOUNCE_TCP:-}" in ''|*[!0-9]*) die "REDIS_ANNOUNCE_TCP must be a port number, not '${REDIS_ANNOUNCE_TCP:-}'" ;; esac
    ;;
  *) die "REDIS_MODE must be static or sentinel, not '$MODE'" ;;
esac
for f in redis.conf "$ROLE.conf"; do
  [ -r "$SRC/$f" ] || die "$SRC/$f is missing"
done
case "$AUTH" in
  yes)
    if [ -z "${REDIS_PASSWORD:-}" ]; then
      die "REDIS_PASSWORD is empty: put the password in the Secret key this StatefulRedis reads"
    fi
    # Every byte of the password as \xHH inside double quotes: nothing in it can end the
    # string or add a directive. The password is never written anywhere else. dash has no
    # pipefail: the result is checked (length and alphabet) instead.
    HEX="$(printf '%s' "$REDIS_PASSWORD" | od -An -v -tx1 | tr -d ' \n')"
    BYTES="$(printf '%s' "$REDIS_PASSWORD" | wc -c | tr -d ' ')"
    case "$HEX" in ''|*[!0-9a-f]*) die "could not hex-encode the password" ;; esac
    [ "${#HEX}" -eq $((BYTES * 2)) ] || die "could not hex-encode the password"
    ESCAPED="$(printf '%s' "$HEX" | sed 's/../\\x&/g')"
    [ "${#ESCAPED}" -eq $((BYTES * 4)) ] || die "could not escape the password"
    printf 'requirepass "%s"\nmasterauth "%s"\n' "$ESCAPED" "$ESCAPED" > "$CONF_DIR/auth.conf.tmp" || die "cannot write $CONF_DIR/auth.conf.tmp"
    mv "$CONF_DIR/auth.conf.tmp" "$CONF_DIR/auth.conf" || die "cannot write $CONF_DIR/auth.conf"
    unset ESCAPED HEX
    ;;
  no) ;;
  *) die "REDIS_AUTH must be yes or no, not '$AUTH'" ;;
esac
{
  echo "# Written at pod start by the ordinal init container for $POD_NAME (ordinal ${ORDINAL:-?}, $ROLE)."
  cat "$SRC/redis.conf"
  printf 'dir "%s"\n' "$DATA_DIR"
  cat "$SRC/$ROLE.conf"
  if [ "$MODE" = sentinel ]; then
    printf 'replica-announce-ip "%s"\nreplica-announce-port %s\n' "$REDIS_ANNOUNCE_HOST" "$REDIS_ANNOUNCE_TCP"
  fi
  if [ "$AUTH" = yes ]; then printf 'include "%s"\n' "$CONF_DIR/auth.conf"; fi
} > "$CONF_DIR/redis.conf.tmp" || die "cannot write $CONF_DIR/redis.conf.tmp"
mv "$CONF_DIR/redis.conf.tmp" "$CONF_DIR/redis.conf" || die "cannot write $CONF_DIR/redis.conf"
echo "$ROLE" > "$CONF_DIR/role.tmp" || die "cannot write $CONF_DIR/role.tmp"
mv "$CONF_DIR/role.tmp" "$CONF_DIR/role" || die "cannot write $CONF_DIR/role"
echo "redis-init: $POD_NAME is the $ROLE; configuration in $CONF_DIR/redis.conf" >&2
