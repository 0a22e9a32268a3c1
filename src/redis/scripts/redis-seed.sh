#!/bin/sh
# StatefulRedis: the seed step (cdk8s-stateful), its own init container with the data claim
# and the server's memory: an empty volume never wins over peers that hold data.
#
# Replicas: nothing to do (an empty replica copies the primary by a full sync).
# The first pod:
# - its volume holds data (the marker, or Redis data files from before the marker
#   existed): start as the primary (with appendonly on and only dump.rdb, convert it first);
# - else it asks every peer: a name that does not resolve is a pod that does not exist
#   (a new set); a peer that resolves but does not answer fails the step (the kubelet
#   retries; never start empty while a peer may hold data);
# - no peer holds data (replication offset 0 and no keys): a new set, start empty;
# - else the best peer (highest master_repl_offset, then most keys) is promoted
#   (REPLICAOF NO ONE: a replica whose primary is gone refuses to feed replicas), a
#   temporary server on a unix socket (no TCP port, so no replica can reach it) replicates
#   it until synced and its AOF rewrite is done, shuts down saving the data in the
#   configured format in a staging directory, the peer is made a replica of the first
#   pod again, the files move into the data directory, and the marker is written last.
#
# Environment (set on the init container; no Service link can produce these names):
#   REDIS_DATA_DIR      the data directory (the claim's mount path)
#   REDIS_CONF_DIR      the configuration redis-init wrote (redis.conf, role)
#   REDIS_TCP           the port every pod listens on
#   REDIS_PEERS         the other pods' stable host names, space-separated, in ordinal order
#   REDIS_FOLLOW        the host name replicas follow (a promoted peer follows it again)
#   REDIS_SERVER_BIN    redis-server | valkey-server
#   REDIS_CLI_BIN       redis-cli | valkey-cli
#   REDIS_SEED_TIMEOUT  how long to wait for a copy or a conversion (seconds)
#   REDIS_APPENDONLY    yes | no: whether the configuration turns the append-only file on
#   REDISCLI_AUTH / VALKEYCLI_AUTH  the password (from the Secret), with auth
#   POD_NAME            the pod's name (downward API; else the host name)
set -eu
say() { echo "redis-seed: $*" >&2; }
die() { say "$*"; exit 1; }
POD_NAME="${POD_NAME:-$(uname -n)}"
POD_NAME="${POD_NAME%%.*}"
DATA="${REDIS_DATA_DIR:?redis-seed: REDIS_DATA_DIR is not set}"
CONF="${REDIS_CONF_DIR:?redis-seed: REDIS_CONF_DIR is not set}"
TCP="${REDIS_TCP:?redis-seed: REDIS_TCP is not set}"
PEERS="${REDIS_PEERS:-}"
FOLLOW="${REDIS_FOLLOW:?redis-seed: REDIS_FOLLOW is not set}"
SERVER="${REDIS_SERVER_BIN:-redis-server}"
CLI="${REDIS_CLI_BIN:-redis-cli}"
LIMIT="${REDIS_SEED_TIMEOUT:-1800}"
AOF="${REDIS_APPENDONLY:-yes}"
case "$TCP" in ''|*[!0-9]*) die "REDIS_TCP must be a port number, not '$TCP'" ;; esac
case "$LIMIT" in ''|*[!0-9]*) die "REDIS_SEED_TIMEOUT must be a number of seconds, not '$LIMIT'" ;; esac
case "$AOF" in yes|no) ;; *) die "REDIS_APPENDONLY must be yes or no, not '$AOF'" ;; esac
case "$SERVER" in redis-server|valkey-server) ;; *) die "REDIS_SERVER_BIN must be redis-server or valkey-server, not '$SERVER'" ;; esac
case "$CLI" in redis-cli|valkey-cli) ;; *) die "REDIS_CLI_BIN must be redis-cli or valkey-cli, not '$CLI'" ;; esac
MARKER="$DATA/.cdk8s-stateful-redis"
STAGE="$DATA/.cdk8s-stateful-seed"
SOCK="$CONF/seed.sock"
# has LINES LINE: LINES (INFO output) has exactly the line LINE.
has() { printf '%s\n' "$1" | tr -d '\r' | grep -qx "$2"; }
# field LINES NAME: the value of NAME: in INFO output (digits only, else empty).
field() { V="$(printf '%s\n' "$1" | tr -d '\r' | sed -n "s/^$2://p" | head -n 1)"; case "$V" in ''|*[!0-9]*) V="" ;; esac; printf '%s' "$V"; }
resolves() {
  if command -v getent >/dev/null 2>&1; then getent hosts "$1" >/dev/null 2>&1; else nslookup "$1" >/dev/null 2>&1; fi
}
peer() { H="$1"; shift; timeout 10 "$CLI" -h "$H" -p "$TCP" "$@" 2>&1; }
has_data() {
  [ -e "$MARKER" ] && return 0
  for f in "$DATA"/appendonlydir "$DATA"/*.aof "$DATA"/*.rdb; do [ -e "$f" ] && return 0; done
  return 1
}
has_aof() { [ -e "$DATA/appendonlydir" ] || [ -e "$DATA/appendonly.aof" ]; }
# seedconf DIR [DIRECTIVE…]: the configuration of a temporary server on a unix socket (no TCP port).
seedconf() {
  D="$1"; shift
  {
    printf 'include "%s"\n' "$CONF/redis.conf"
    printf 'dir "%s"\n' "$D"
    echo "port 0"
    printf 'unixsocket "%s"\n' "$SOCK"
    echo "unixsocketperm 700"
    for l in "$@"; do echo "$l"; done
  } > "$CONF/seed.conf" || die "cannot write $CONF/seed.conf"
}
seedcli() { timeout 10 "$CLI" -s "$SOCK" "$@" 2>&1; }
# On any failure: stop the temporary server, and a promoted peer follows the first pod again.
PID=""; PROMOTED=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ -n "$PROMOTED" ]; then peer "$PROMOTED" replicaof "$FOLLOW" "$TCP" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
temp_start() {
  "$SERVER" "$CONF/seed.conf" &
  PID=$!
}
# temp_stop: SHUTDOWN SAVE (the data in the configured format, plus an RDB); fails unless it exits 0.
temp_stop() {
  R="$(seedcli shutdown save)" || true
  i=0
  while kill -0 "$PID" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -le 60 ] || die "the temporary server did not shut down: $R"
    sleep 1
  done
  P="$PID"; PID=""
  wait "$P" || die "the temporary server failed to save (exit $?)"
}
# persisted INFO-persistence: no load, rewrite or save running or pending.
persisted() { has "$1" 'loading:0' && has "$1" 'aof_rewrite_in_progress:0' && has "$1" 'aof_rewrite_scheduled:0' && has "$1" 'rdb_bgsave_in_progress:0'; }
mark() {
  echo "$1" > "$MARKER.tmp" || die "cannot write $MARKER.tmp"
  mv "$MARKER.tmp" "$MARKER" || die "cannot write $MARKER"
}
[ -r "$CONF/role" ] || die "$CONF/role is missing: redis-init did not finish"
ROLE="$(cat "$CONF/role")"
if [ "$ROLE" != primary ]; then
  say "$POD_NAME is a replica: it copies the primary by a full sync when its volume is empty"
  exit 0
fi
command -v timeout >/dev/null 2>&1 || die "the image has no timeout command"
rm -rf "$STAGE" "$CONF/seed.conf" "$SOCK" || die "cannot clean up an earlier attempt"
if has_data; then
  if [ "$AOF" = yes ] && ! has_aof && [ -e "$DATA/dump.rdb" ]; then
    # appendonly was off when the data was written: with appendonly on and no AOF the server
    # ignores dump.rdb and starts empty (and its replicas would flush). Convert it first.
    say "appendonly is on but the volume has only dump.rdb: converting it to the AOF before $POD_NAME serves"
    # In a staging directory: a failed attempt leaves the data directory as it was.
    mkdir "$STAGE" || die "cannot create $STAGE"
    cp "$DATA/dump.rdb" "$STAGE/dump.rdb" || die "cannot copy dump.rdb to $STAGE"
    seedconf "$STAGE" "appendonly no"
    temp_start
    i=0
    until [ "$(seedcli ping)" = PONG ]; do
      i=$((i + 1)); [ "$i" -le "$LIMIT" ] || die "the temporary server did not load dump.rdb in $LIMIT s"
      kill -0 "$PID" 2>/dev/null || die "the temporary server exited"
      sleep 1
    done
    R="$(seedcli config set appendonly yes)" || true
    has "$R" OK || die "CONFIG SET appendonly yes failed: $R"
    i=0
    while :; do
      i=$((i + 1)); [ "$i" -le "$LIMIT" ] || die "the AOF was not written in $LIMIT s"
      S="$(seedcli info persistence)" || S=""
      if has "$S" 'aof_enabled:1' && persisted "$S"; then break; fi
      sleep 1
    done
    has "$S" 'aof_last_bgrewrite_status:ok' || die "writing the AOF failed"
    temp_stop
    for f in "$STAGE"/appendonlydir "$STAGE"/*.aof; do
      [ -e "$f" ] || continue
      mv "$f" "$DATA/" || die "cannot move $f into $DATA"
    done
    rm -rf "$STAGE" "$CONF/seed.conf" || die "cannot remove $STAGE"
    has_aof || die "no AOF after the conversion"
  fi
  [ -e "$MARKER" ] || mark "data found on this volume at $(date -u 2>/dev/null) by $POD_NAME"
  say "the data volume holds data: $POD_NAME starts as the primary"
  exit 0
fi
# An empty volume: ask the peers before serving as the primary.
BEST=""; BEST_OFFSET=0; BEST_KEYS=0
for P in $PEERS; do
  if ! resolves "$P"; then
    sleep 1
    if ! resolves "$P"; then say "$P does not resolve: no such pod"; continue; fi
  fi
  R="$(peer "$P" info replication)" || die "$P exists but does not answer (${R:-no output}): not starting empty while it may hold data"
  has "$R" '# Replication' || die "$P answered: $R"
  K="$(peer "$P" info keyspace)" || die "$P exists but does not answer (${K:-no output})"
  has "$K" '# Keyspace' || die "$P answered: $K"
  OFFSET="$(field "$R" master_repl_offset)"
  [ -n "$OFFSET" ] || die "$P: no master_repl_offset in INFO replication"
  KEYS=0
  for n in $(printf '%s\n' "$K" | tr -d '\r' | sed -n 's/^db[0-9]*:keys=\([0-9]*\),.*/\1/p'); do KEYS=$((KEYS + n)); done
  say "$P: replication offset $OFFSET, $KEYS keys"
  if [ "$OFFSET" -gt 0 ] || [ "$KEYS" -gt 0 ]; then
    if [ -z "$BEST" ] || [ "$OFFSET" -gt "$BEST_OFFSET" ] || { [ "$OFFSET" -eq "$BEST_OFFSET" ] && [ "$KEYS" -gt "$BEST_KEYS" ]; }; then
      if has "$R" 'master_link_status:up'; then die "$P is connected to a primary while $POD_NAME, the primary, is starting: refusing"; fi
      BEST="$P"; BEST_OFFSET="$OFFSET"; BEST_KEYS="$KEYS"
    fi
  fi
done
if [ -z "$BEST" ]; then
  mark "a new set: started empty at $(date -u 2>/dev/null) by $POD_NAME"
  say "no peer holds data: $POD_NAME starts as the primary of a new set"
  exit 0
fi
say "copying the data of $BEST (offset $BEST_OFFSET, $BEST_KEYS keys) before $POD_NAME serves as the primary"
# A replica whose primary is gone refuses to feed replicas (NOMASTERLINK): promote it for the copy.
R="$(peer "$BEST" replicaof no one)" || true
has "$R" OK || die "$BEST refused REPLICAOF NO ONE: $R"
PROMOTED="$BEST"
mkdir "$STAGE" || die "cannot create $STAGE"
seedconf "$STAGE" "replicaof $BEST $TCP"
temp_start
i=0
while :; do
  i=$((i + 1))
  [ "$i" -le "$LIMIT" ] || die "the copy from $BEST did not finish in $LIMIT s"
  kill -0 "$PID" 2>/dev/null || die "the temporary server exited"
  R="$(seedcli info replication)" || R=""
  S="$(seedcli info persistence)" || S=""
  if has "$R" 'master_link_status:up' && has "$R" 'master_sync_in_progress:0' && persisted "$S"; then
    OFFSET="$(field "$R" master_repl_offset)"
    if [ -n "$OFFSET" ] && [ "$OFFSET" -ge "$BEST_OFFSET" ]; then break; fi
  fi
  sleep 1
done
has "$S" 'aof_last_bgrewrite_status:ok' || die "the AOF rewrite after the copy failed"
say "synced with $BEST at offset $OFFSET; saving"
temp_stop
# The peer follows the first pod again (it full-syncs from it once it is up).
R="$(peer "$BEST" replicaof "$FOLLOW" "$TCP")" || true
has "$R" OK || die "$BEST refused to follow $FOLLOW again: $R"
PROMOTED=""
for f in "$STAGE"/* ; do
  [ -e "$f" ] || continue
  mv "$f" "$DATA/" || die "cannot move $f into $DATA"
done
rmdir "$STAGE" || die "cannot remove $STAGE"
rm -f "$CONF/seed.conf"
has_data || die "the copy left no data files"
mark "copied from $BEST (offset $OFFSET) at $(date -u 2>/dev/null) by $POD_NAME"
say "$POD_NAME holds the data of $BEST and starts as the primary"
