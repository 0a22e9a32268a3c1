/**
 * The shell code StatefulRedis runs in its pods: the ordinal init step that writes the
 * final configuration (and the password file) into an emptyDir, the seed step that keeps
 * an empty primary from wiping its replicas, and the probe script.
 *
 * Every path and port is baked in at synth time: the scripts read no environment
 * variable but `POD_NAME` (downward API), `REDIS_PASSWORD` / `REDISCLI_AUTH` (the
 * Secret) and the ordinal preamble's variables, so no Service link (`<SVC>_PORT`,
 * `<SVC>_SERVICE_HOST`…) can change what they do. The scripts run under sh, dash and
 * busybox ash (the `-alpine` images) and fail closed: a failed step exits non-zero
 * before it writes its "done" output, and the kubelet runs it again.
 */

/** Container paths. */
export interface RedisScriptPaths {
  /** Where the ConfigMap is mounted in the init container. */
  readonly configSource: string;
  /** The emptyDir the final configuration is written to. */
  readonly confDir: string;
  /** The data directory, the claim's mount path. */
  readonly dataDir: string;
}

/** Everything the seed step needs to know. */
export interface RedisSeedOptions {
  readonly confDir: string;
  readonly dataDir: string;
  /** The port every pod listens on. */
  readonly port: number;
  /** The other pods' stable host names (`cache-1.cache`, …), in ordinal order. */
  readonly peers: string[];
  /** The host name replicas follow (`replicaof`): a promoted peer is turned back into a replica of it. */
  readonly primaryPodHost: string;
  /** `redis-server` or `valkey-server`. */
  readonly server: string;
  /** `redis-cli` or `valkey-cli`. */
  readonly cli: string;
  /** How long to wait for the copy (seconds). */
  readonly timeoutSeconds: number;
  /** Whether the configuration turns the append-only file on. */
  readonly appendOnly: boolean;
}

/** The file on the data volume that says "this volume holds the set's data". */
export const DATA_MARKER = '.cdk8s-stateful-redis';

/**
 * The body of the ordinal init step (runs after the core's ordinal preamble, which sets
 * `POD_NAME`, `ORDINAL` and `IS_FIRST`). It writes `<confDir>/redis.conf` from the
 * ConfigMap's `redis.conf` plus `primary.conf` (first pod) or `replica.conf` (the
 * others) and — with auth — `requirepass`/`masterauth` from `$REDIS_PASSWORD`
 * (hex-escaped, so any byte is safe) into `<confDir>/auth.conf` (mode 0600), which
 * `redis.conf` includes. Last, it records the role in `<confDir>/role`: the "done"
 * output the seed step and the probes read; a failed run leaves none.
 */
export function renderInitStep(paths: RedisScriptPaths, auth: boolean): string {
  const lines = [
    `SRC=${q(paths.configSource)}`,
    `CONF_DIR=${q(paths.confDir)}`,
    `DATA_DIR=${q(paths.dataDir)}`,
    'umask 077',
    'die() { echo "redis-init: $*" >&2; exit 1; }',
    'rm -f "$CONF_DIR/role" || die "cannot write to $CONF_DIR"',
    'if [ "$IS_FIRST" = 1 ]; then ROLE=primary; else ROLE=replica; fi',
    'for f in redis.conf "$ROLE.conf"; do',
    '  [ -r "$SRC/$f" ] || die "$SRC/$f is missing"',
    'done',
  ];
  if (auth) {
    lines.push(
      'if [ -z "${REDIS_PASSWORD:-}" ]; then',
      '  die "REDIS_PASSWORD is empty: put the password in the Secret key this StatefulRedis reads"',
      'fi',
      '# Every byte of the password as \\xHH inside double quotes: nothing in it can end the',
      '# string or add a directive. The password is never written anywhere else. dash has no',
      '# pipefail: the result is checked (length and alphabet) instead.',
      'HEX="$(printf \'%s\' "$REDIS_PASSWORD" | od -An -v -tx1 | tr -d \' \\n\')"',
      'BYTES="$(printf \'%s\' "$REDIS_PASSWORD" | wc -c | tr -d \' \')"',
      'case "$HEX" in \'\'|*[!0-9a-f]*) die "could not hex-encode the password" ;; esac',
      '[ "${#HEX}" -eq $((BYTES * 2)) ] || die "could not hex-encode the password"',
      'ESCAPED="$(printf \'%s\' "$HEX" | sed \'s/../\\\\x&/g\')"',
      '[ "${#ESCAPED}" -eq $((BYTES * 4)) ] || die "could not escape the password"',
      'printf \'requirepass "%s"\\nmasterauth "%s"\\n\' "$ESCAPED" "$ESCAPED" > "$CONF_DIR/auth.conf.tmp"',
      'mv "$CONF_DIR/auth.conf.tmp" "$CONF_DIR/auth.conf"',
      'unset ESCAPED HEX',
    );
  }
  lines.push(
    '{',
    '  echo "# Written at pod start by the ordinal init container for $POD_NAME (ordinal $ORDINAL, $ROLE)."',
    '  cat "$SRC/redis.conf"',
    '  printf \'dir "%s"\\n\' "$DATA_DIR"',
    '  cat "$SRC/$ROLE.conf"',
  );
  if (auth) lines.push('  printf \'include "%s"\\n\' "$CONF_DIR/auth.conf"');
  lines.push(
    '} > "$CONF_DIR/redis.conf.tmp"',
    'mv "$CONF_DIR/redis.conf.tmp" "$CONF_DIR/redis.conf"',
    'echo "$ROLE" > "$CONF_DIR/role.tmp"',
    'mv "$CONF_DIR/role.tmp" "$CONF_DIR/role"',
    'echo "redis-init: $POD_NAME is the $ROLE; configuration in $CONF_DIR/redis.conf" >&2',
  );
  return lines.join('\n');
}

/**
 * The seed step (its own init container, with the data claim and the server's memory):
 * an empty volume never wins over peers that hold data.
 *
 * Replicas: nothing to do (an empty replica copies the primary by a full sync).
 * The first pod:
 * - its volume holds data (the marker, or Redis data files from before the marker
 *   existed): start as the primary;
 * - else it asks every peer: a name that does not resolve is a pod that does not exist
 *   (a new set); a peer that resolves but does not answer fails the step (the kubelet
 *   retries; never start empty while a peer may hold data);
 * - no peer holds data (replication offset 0 and no keys): a new set, start empty;
 * - else the best peer (highest `master_repl_offset`, then most keys) is promoted
 *   (`REPLICAOF NO ONE`: a replica whose primary is gone refuses to feed replicas), a
 *   temporary server on a unix socket (no TCP port, so no replica can reach it) replicates
 *   it until synced and its AOF rewrite is done, shuts down saving the data in the
 *   configured format in a staging directory, the peer is made a replica of the first
 *   pod again, the files move into the data directory, and the marker is written last.
 */
export function renderSeedStep(o: RedisSeedOptions): string {
  return [
    `DATA=${q(o.dataDir)}`,
    `CONF=${q(o.confDir)}`,
    `TCP=${o.port}`,
    `PEERS=${q(o.peers.join(' '))}`,
    `FOLLOW=${q(o.primaryPodHost)}`,
    `SERVER=${q(o.server)}`,
    `CLI=${q(o.cli)}`,
    `LIMIT=${o.timeoutSeconds}`,
    `AOF=${o.appendOnly ? 'yes' : 'no'}`,
    `MARKER="$DATA/${DATA_MARKER}"`,
    'STAGE="$DATA/.cdk8s-stateful-seed"',
    'SOCK="$CONF/seed.sock"',
    'say() { echo "redis-seed: $*" >&2; }',
    'die() { say "$*"; exit 1; }',
    '# has LINES LINE: LINES (INFO output) has exactly the line LINE.',
    'has() { printf \'%s\\n\' "$1" | tr -d \'\\r\' | grep -qx "$2"; }',
    '# field LINES NAME: the value of NAME: in INFO output (digits only, else empty).',
    'field() { V="$(printf \'%s\\n\' "$1" | tr -d \'\\r\' | sed -n "s/^$2://p" | head -n 1)"; case "$V" in \'\'|*[!0-9]*) V="" ;; esac; printf \'%s\' "$V"; }',
    'resolves() {',
    '  if command -v getent >/dev/null 2>&1; then getent hosts "$1" >/dev/null 2>&1; else nslookup "$1" >/dev/null 2>&1; fi',
    '}',
    'peer() { H="$1"; shift; timeout 10 "$CLI" -h "$H" -p "$TCP" "$@" 2>&1; }',
    'has_data() {',
    '  [ -e "$MARKER" ] && return 0',
    '  for f in "$DATA"/appendonlydir "$DATA"/*.aof "$DATA"/*.rdb; do [ -e "$f" ] && return 0; done',
    '  return 1',
    '}',
    'has_aof() { [ -e "$DATA/appendonlydir" ] || [ -e "$DATA/appendonly.aof" ]; }',
    '# seedconf DIR [DIRECTIVE…]: the configuration of a temporary server on a unix socket (no TCP port).',
    'seedconf() {',
    '  D="$1"; shift',
    '  {',
    '    printf \'include "%s"\\n\' "$CONF/redis.conf"',
    '    printf \'dir "%s"\\n\' "$D"',
    '    echo "port 0"',
    '    printf \'unixsocket "%s"\\n\' "$SOCK"',
    '    echo "unixsocketperm 700"',
    '    for l in "$@"; do echo "$l"; done',
    '  } > "$CONF/seed.conf" || die "cannot write $CONF/seed.conf"',
    '}',
    'seedcli() { timeout 10 "$CLI" -s "$SOCK" "$@" 2>&1; }',
    '# On any failure: stop the temporary server, and a promoted peer follows the first pod again.',
    'PID=""; PROMOTED=""',
    'cleanup() {',
    '  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi',
    '  if [ -n "$PROMOTED" ]; then peer "$PROMOTED" replicaof "$FOLLOW" "$TCP" >/dev/null 2>&1 || true; fi',
    '}',
    'trap cleanup EXIT',
    'temp_start() {',
    '  "$SERVER" "$CONF/seed.conf" &',
    '  PID=$!',
    '}',
    '# temp_stop: SHUTDOWN SAVE (the data in the configured format, plus an RDB); fails unless it exits 0.',
    'temp_stop() {',
    '  R="$(seedcli shutdown save)" || true',
    '  i=0',
    '  while kill -0 "$PID" 2>/dev/null; do',
    '    i=$((i + 1))',
    '    [ "$i" -le 60 ] || die "the temporary server did not shut down: $R"',
    '    sleep 1',
    '  done',
    '  P="$PID"; PID=""',
    '  wait "$P" || die "the temporary server failed to save (exit $?)"',
    '}',
    '# persisted INFO-persistence: no load, rewrite or save running or pending.',
    'persisted() { has "$1" \'loading:0\' && has "$1" \'aof_rewrite_in_progress:0\' && has "$1" \'aof_rewrite_scheduled:0\' && has "$1" \'rdb_bgsave_in_progress:0\'; }',
    'mark() {',
    '  echo "$1" > "$MARKER.tmp" || die "cannot write $MARKER.tmp"',
    '  mv "$MARKER.tmp" "$MARKER" || die "cannot write $MARKER"',
    '}',
    '[ -r "$CONF/role" ] || die "$CONF/role is missing: redis-init did not finish"',
    'ROLE="$(cat "$CONF/role")"',
    'if [ "$ROLE" != primary ]; then',
    '  say "$POD_NAME is a replica: it copies the primary by a full sync when its volume is empty"',
    '  exit 0',
    'fi',
    'command -v timeout >/dev/null 2>&1 || die "the image has no timeout command"',
    'rm -rf "$STAGE" "$CONF/seed.conf" "$SOCK" || die "cannot clean up an earlier attempt"',
    'if has_data; then',
    '  if [ "$AOF" = yes ] && ! has_aof && [ -e "$DATA/dump.rdb" ]; then',
    '    # appendonly was off when the data was written: with appendonly on and no AOF the server',
    '    # ignores dump.rdb and starts empty (and its replicas would flush). Convert it first.',
    '    say "appendonly is on but the volume has only dump.rdb: converting it to the AOF before $POD_NAME serves"',
    '    # In a staging directory: a failed attempt leaves the data directory as it was.',
    '    mkdir "$STAGE" || die "cannot create $STAGE"',
    '    cp "$DATA/dump.rdb" "$STAGE/dump.rdb" || die "cannot copy dump.rdb to $STAGE"',
    '    seedconf "$STAGE" "appendonly no"',
    '    temp_start',
    '    i=0',
    '    until [ "$(seedcli ping)" = PONG ]; do',
    '      i=$((i + 1)); [ "$i" -le "$LIMIT" ] || die "the temporary server did not load dump.rdb in $LIMIT s"',
    '      kill -0 "$PID" 2>/dev/null || die "the temporary server exited"',
    '      sleep 1',
    '    done',
    '    R="$(seedcli config set appendonly yes)" || true',
    '    has "$R" OK || die "CONFIG SET appendonly yes failed: $R"',
    '    i=0',
    '    while :; do',
    '      i=$((i + 1)); [ "$i" -le "$LIMIT" ] || die "the AOF was not written in $LIMIT s"',
    '      S="$(seedcli info persistence)" || S=""',
    '      if has "$S" \'aof_enabled:1\' && persisted "$S"; then break; fi',
    '      sleep 1',
    '    done',
    '    has "$S" \'aof_last_bgrewrite_status:ok\' || die "writing the AOF failed"',
    '    temp_stop',
    '    for f in "$STAGE"/appendonlydir "$STAGE"/*.aof; do',
    '      [ -e "$f" ] || continue',
    '      mv "$f" "$DATA/" || die "cannot move $f into $DATA"',
    '    done',
    '    rm -rf "$STAGE" "$CONF/seed.conf" || die "cannot remove $STAGE"',
    '    has_aof || die "no AOF after the conversion"',
    '  fi',
    '  [ -e "$MARKER" ] || mark "data found on this volume at $(date -u 2>/dev/null) by $POD_NAME"',
    '  say "the data volume holds data: $POD_NAME starts as the primary"',
    '  exit 0',
    'fi',
    '# An empty volume: ask the peers before serving as the primary.',
    'BEST=""; BEST_OFFSET=0; BEST_KEYS=0',
    'for P in $PEERS; do',
    '  if ! resolves "$P"; then',
    '    sleep 1',
    '    if ! resolves "$P"; then say "$P does not resolve: no such pod"; continue; fi',
    '  fi',
    '  R="$(peer "$P" info replication)" || die "$P exists but does not answer (${R:-no output}): not starting empty while it may hold data"',
    '  has "$R" \'# Replication\' || die "$P answered: $R"',
    '  K="$(peer "$P" info keyspace)" || die "$P exists but does not answer (${K:-no output})"',
    '  has "$K" \'# Keyspace\' || die "$P answered: $K"',
    '  OFFSET="$(field "$R" master_repl_offset)"',
    '  [ -n "$OFFSET" ] || die "$P: no master_repl_offset in INFO replication"',
    '  KEYS=0',
    '  for n in $(printf \'%s\\n\' "$K" | tr -d \'\\r\' | sed -n \'s/^db[0-9]*:keys=\\([0-9]*\\),.*/\\1/p\'); do KEYS=$((KEYS + n)); done',
    '  say "$P: replication offset $OFFSET, $KEYS keys"',
    '  if [ "$OFFSET" -gt 0 ] || [ "$KEYS" -gt 0 ]; then',
    '    if [ -z "$BEST" ] || [ "$OFFSET" -gt "$BEST_OFFSET" ] || { [ "$OFFSET" -eq "$BEST_OFFSET" ] && [ "$KEYS" -gt "$BEST_KEYS" ]; }; then',
    '      if has "$R" \'master_link_status:up\'; then die "$P is connected to a primary while $POD_NAME, the primary, is starting: refusing"; fi',
    '      BEST="$P"; BEST_OFFSET="$OFFSET"; BEST_KEYS="$KEYS"',
    '    fi',
    '  fi',
    'done',
    'if [ -z "$BEST" ]; then',
    '  mark "a new set: started empty at $(date -u 2>/dev/null) by $POD_NAME"',
    '  say "no peer holds data: $POD_NAME starts as the primary of a new set"',
    '  exit 0',
    'fi',
    'say "copying the data of $BEST (offset $BEST_OFFSET, $BEST_KEYS keys) before $POD_NAME serves as the primary"',
    '# A replica whose primary is gone refuses to feed replicas (NOMASTERLINK): promote it for the copy.',
    'R="$(peer "$BEST" replicaof no one)" || true',
    'has "$R" OK || die "$BEST refused REPLICAOF NO ONE: $R"',
    'PROMOTED="$BEST"',
    'mkdir "$STAGE" || die "cannot create $STAGE"',
    'seedconf "$STAGE" "replicaof $BEST $TCP"',
    'temp_start',
    'i=0',
    'while :; do',
    '  i=$((i + 1))',
    '  [ "$i" -le "$LIMIT" ] || die "the copy from $BEST did not finish in $LIMIT s"',
    '  kill -0 "$PID" 2>/dev/null || die "the temporary server exited"',
    '  R="$(seedcli info replication)" || R=""',
    '  S="$(seedcli info persistence)" || S=""',
    '  if has "$R" \'master_link_status:up\' && has "$R" \'master_sync_in_progress:0\' && persisted "$S"; then',
    '    OFFSET="$(field "$R" master_repl_offset)"',
    '    if [ -n "$OFFSET" ] && [ "$OFFSET" -ge "$BEST_OFFSET" ]; then break; fi',
    '  fi',
    '  sleep 1',
    'done',
    'has "$S" \'aof_last_bgrewrite_status:ok\' || die "the AOF rewrite after the copy failed"',
    'say "synced with $BEST at offset $OFFSET; saving"',
    'temp_stop',
    '# The peer follows the first pod again (it full-syncs from it once it is up).',
    'R="$(peer "$BEST" replicaof "$FOLLOW" "$TCP")" || true',
    'has "$R" OK || die "$BEST refused to follow $FOLLOW again: $R"',
    'PROMOTED=""',
    'for f in "$STAGE"/* ; do',
    '  [ -e "$f" ] || continue',
    '  mv "$f" "$DATA/" || die "cannot move $f into $DATA"',
    'done',
    'rmdir "$STAGE" || die "cannot remove $STAGE"',
    'rm -f "$CONF/seed.conf"',
    'has_data || die "the copy left no data files"',
    'mark "copied from $BEST (offset $OFFSET) at $(date -u 2>/dev/null) by $POD_NAME"',
    'say "$POD_NAME holds the data of $BEST and starts as the primary"',
  ].join('\n');
}

/**
 * The probe script: `readiness` (an authenticated PING answered with PONG, the role the
 * init container chose, and on replicas the link to the primary up) or `liveness` (the
 * server answers, even while loading its data).
 */
export function renderProbeScript(name: string, port: number, confDir: string, cli = 'redis-cli'): string {
  return [
    '#!/bin/sh',
    `# Generated by cdk8s-stateful: probes of StatefulRedis ${name}. Usage: redis-probe.sh readiness|liveness`,
    `# ${cli} authenticates with $REDISCLI_AUTH (from the Secret), never with -a.`,
    'set -u',
    `TCP=${port}`,
    `CONF_DIR=${q(confDir)}`,
    `cli() { ${cli} -h 127.0.0.1 -p "$TCP" "$@" 2>&1 | tr -d '\\r'; }`,
    'fail() { echo "redis $MODE: $*" >&2; exit 1; }',
    'MODE="${1:-readiness}"',
    'PONG="$(cli ping)"',
    'case "$MODE" in',
    '  liveness)',
    '    case "$PONG" in PONG|LOADING*|MASTERDOWN*|BUSY*) exit 0 ;; esac',
    '    fail "PING answered: $PONG" ;;',
    '  readiness)',
    '    [ "$PONG" = PONG ] || fail "PING answered: $PONG"',
    '    ROLE="$(cat "$CONF_DIR/role" 2>/dev/null || echo unknown)"',
    '    INFO="$(cli info replication)"',
    '    case "$ROLE" in',
    '      primary) printf \'%s\\n\' "$INFO" | grep -qx \'role:master\' || fail "expected to be the primary" ;;',
    '      replica)',
    '        printf \'%s\\n\' "$INFO" | grep -qx \'role:slave\' || fail "expected to be a replica"',
    '        printf \'%s\\n\' "$INFO" | grep -qx \'master_link_status:up\' || fail "the link to the primary is down"',
    '        ;;',
    '      *) fail "unknown role \'$ROLE\' in $CONF_DIR/role" ;;',
    '    esac',
    '    exit 0 ;;',
    '  *) fail "usage: $0 readiness|liveness" ;;',
    'esac',
    '',
  ].join('\n');
}

/** Single-quotes a string for sh. */
function q(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}
