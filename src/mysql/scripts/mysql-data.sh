# shellcheck shell=sh
# StatefulMySql init-data: sourced by the init-data ordinal script after its preamble
# (POD_NAME, STS_NAME, ORDINALS_START, IS_FIRST, PREVIOUS_POD). Parameters from the
# container env: DB_FLAVOR, DB_LISTEN (the SQL port), DB_DONOR_LISTEN (the port new
# replicas clone from: the SQL port for MySQL, the clone-source port for MariaDB),
# DB_PRIMARY_POD (the first pod's host name), DB_PEER_DOMAIN (the headless Service's host:
# peers are <pod>.<domain>), DB_PEERS (the replicas at synth time), DB_REPLICATION_USER.
#
# Data that exists is never touched. A missing data directory is built in a staging
# directory on the same volume and renamed into place only when complete:
# - on the first pod, if a peer answers, by cloning the most advanced peer (the one with
#   the most transactions in its GTID state) and turning the copy into the primary; if a
#   peer exists in DNS but does not answer, by nothing: the step fails and is retried;
#   if no peer exists (a new set), by initialising a new server;
# - on every other pod by cloning the previous pod (PREVIOUS_POD, Ready under OrderedReady).
# A replica then gets its replication source configured once (the primary must answer
# with the replication account first), on a private temporary server (socket only), and
# starts replicating when the server starts. The marker that says so is written last.
LOG_TAG=init-data
export LOG_TAG
SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
# The shared functions and paths (shipped beside this file; shellcheck lints it on its own).
# shellcheck source=/dev/null
. "$SCRIPT_DIR/mysql-lib.sh"
STAGING="$DATA_DIR.staging"
SCRATCH="$DATA_DIR.scratch"
TEMP_SOCKET="$TMP_DIR/init-data.sock"
ATTEMPTS=3
RETRY_SECONDS=2
PRIMARY_HOST="${DB_PRIMARY_POD:-}"
PEER_DOMAIN="${DB_PEER_DOMAIN:-}"
PEER_COUNT="${DB_PEERS:-}"
DONOR_TCP="${DB_DONOR_LISTEN:-}"
REPLICATION_USER="${DB_REPLICATION_USER:-}"
[ -n "$PRIMARY_HOST" ] || die "DB_PRIMARY_POD is empty"
[ -n "$PEER_DOMAIN" ] || die "DB_PEER_DOMAIN is empty"
[ -n "$REPLICATION_USER" ] || die "DB_REPLICATION_USER is empty"
case "$PEER_COUNT" in ''|*[!0-9]*) die "DB_PEERS must be a number, not '$PEER_COUNT'" ;; esac
case "$DONOR_TCP" in ''|*[!0-9]*) die "DB_DONOR_LISTEN must be a port number, not '$DONOR_TCP'" ;; esac
if [ "$DB_FLAVOR" = MySQL ]; then
  # The state a peer reports, and the client option that fetches the server's RSA key.
  STATE_QUERY='SELECT @@GLOBAL.gtid_executed'
  KEY_OPTION=--get-server-public-key
else
  STATE_QUERY='SELECT @@GLOBAL.gtid_binlog_pos'
  KEY_OPTION=--no-auto-rehash
fi
REPLICATION_MARKER="$DATA_DIR/.cdk8s-stateful-replication"
# The empty password of a new or throwaway server (client_cnf reads it by name).
NO_PASSWORD=
export NO_PASSWORD
mkdir -p "$TMP_DIR" || die "cannot create $TMP_DIR"

initialize() {
  if [ "$DB_FLAVOR" = MySQL ]; then
    "$SERVER" --defaults-file="$CONF_DIR/my.cnf" --initialize-insecure --datadir="$1" >&2 || die "initialising $1 failed"
  else
    mariadb-install-db --defaults-file="$CONF_DIR/my.cnf" --datadir="$1" --rpm --auth-root-authentication-method=normal --skip-test-db --skip-log-bin >&2 || die "initialising $1 failed"
  fi
}
# start_temp DATADIR OPTION_FILE: a private server on a socket only, replication threads off.
start_temp() {
  rm -f "$TEMP_SOCKET"
  if [ "$DB_FLAVOR" = MySQL ]; then
    "$SERVER" --defaults-file="$CONF_DIR/my.cnf" --datadir="$1" --socket="$TEMP_SOCKET" \
      --pid-file="$TMP_DIR/init-data.pid" --skip-networking --mysqlx=OFF --skip-replica-start --super-read-only=OFF --read-only=OFF >&2 &
  else
    "$SERVER" --defaults-file="$CONF_DIR/my.cnf" --datadir="$1" --socket="$TEMP_SOCKET" \
      --pid-file="$TMP_DIR/init-data.pid" --skip-networking --skip-slave-start --read-only=OFF >&2 &
  fi
  TEMP_PID=$!
  i=0
  until "$ADMIN" --defaults-file="$2" --socket="$TEMP_SOCKET" ping >/dev/null 2>&1; do
    kill -0 "$TEMP_PID" 2>/dev/null || die "the temporary server on $1 exited"
    i=$((i + 1)); [ "$i" -lt 300 ] || { kill "$TEMP_PID" 2>/dev/null; die "the temporary server on $1 did not start"; }
    sleep 1
  done
}
# stop_temp OPTION_FILE: a clean shutdown, or a failure.
stop_temp() {
  if ! "$ADMIN" --defaults-file="$1" --socket="$TEMP_SOCKET" shutdown >&2; then
    kill "$TEMP_PID" 2>/dev/null || true
    wait "$TEMP_PID" 2>/dev/null || true
    return 1
  fi
  wait "$TEMP_PID"
}
# run_sql OPTION_FILE SQL: runs the SQL on the temporary server; its output goes to the log.
run_sql() {
  out="$("$CLIENT" --defaults-file="$1" --socket="$TEMP_SOCKET" -N -B 2>&1 <<EOF_SQL
$2
EOF_SQL
)" || { printf '%s\n' "$out" >&2; return 1; }
  [ -z "$out" ] || printf '%s\n' "$out" >&2
}

# The first pod of a new set: a new server with the users of this StatefulMySql.
init_primary() {
  rm -rf "$STAGING" || die "cannot clear $STAGING"
  mkdir -p "$STAGING" || die "cannot create $STAGING"
  initialize "$STAGING"
  client_cnf "$TMP_DIR/init-root.cnf" root NO_PASSWORD
  start_temp "$STAGING" "$TMP_DIR/init-root.cnf"
  sql="$(sh "$SCRIPT_DIR/sql.sh" bootstrap)" || { stop_temp "$TMP_DIR/init-root.cnf"; die "sql.sh bootstrap failed"; }
  run_sql "$TMP_DIR/init-root.cnf" "$sql" || { stop_temp "$TMP_DIR/init-root.cnf"; die "the bootstrap SQL failed"; }
  client_cnf "$TMP_DIR/init-root.cnf" root DB_ROOT_PASSWORD
  stop_temp "$TMP_DIR/init-root.cnf" || die "the temporary server on $STAGING did not shut down cleanly"
}

# clone_with_plugin HOST PORT (MySQL): the CLONE plugin. A throwaway server (socket only) pulls a
# consistent copy of the donor into the staging directory (CLONE ... DATA DIRECTORY).
clone_with_plugin() {
  rm -rf "$SCRATCH" "$STAGING" || die "cannot clear $SCRATCH and $STAGING"
  mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
  initialize "$SCRATCH"
  client_cnf "$TMP_DIR/init-root.cnf" root NO_PASSWORD
  start_temp "$SCRATCH" "$TMP_DIR/init-root.cnf"
  n=0
  until "$ADMIN" --no-defaults --host="$1" --port="$2" --connect-timeout=5 ping >/dev/null 2>&1; do
    n=$((n + 1)); [ "$n" -lt "$ATTEMPTS" ] || { stop_temp "$TMP_DIR/init-root.cnf"; die "donor $1:$2 is not reachable"; }
    echo "init-data: waiting for the donor $1:$2" >&2; sleep "$RETRY_SECONDS"
  done
  sql="$(sh "$SCRIPT_DIR/sql.sh" clone "$1" "$2" "$STAGING")" || { stop_temp "$TMP_DIR/init-root.cnf"; die "sql.sh clone failed"; }
  run_sql "$TMP_DIR/init-root.cnf" "$sql" || { stop_temp "$TMP_DIR/init-root.cnf"; die "CLONE INSTANCE FROM $1:$2 failed"; }
  stop_temp "$TMP_DIR/init-root.cnf" || die "the temporary server on $SCRATCH did not shut down cleanly"
  rm -rf "$SCRATCH" || die "cannot remove $SCRATCH"
  [ -d "$STAGING" ] || die "the clone left no data in $STAGING"
  : > "$STAGING/.cdk8s-stateful-gtid" || die "cannot write $STAGING/.cdk8s-stateful-gtid"
}

# clone_with_backup HOST PORT (MariaDB): mariadb-backup. The donor's clone-source sidecar streams a
# backup (xbstream) after a challenge answered with the replication password; it is
# extracted into the staging directory and prepared.
clone_with_backup() {
  n=0
  until
    rm -rf "$STAGING" && mkdir -p "$STAGING" &&
    (cd "$SCRIPT_DIR" && DB_CLONE_DIR="$STAGING" socat "TCP:$1:$2,connect-timeout=10" SYSTEM:'exec sh ./clone.sh receive') &&
    { [ -f "$STAGING/xtrabackup_checkpoints" ] || [ -f "$STAGING/mariadb_backup_checkpoints" ]; }
  do
    n=$((n + 1)); [ "$n" -lt "$ATTEMPTS" ] || die "no backup from the donor $1:$2"
    echo "init-data: waiting for the donor $1:$2" >&2; sleep "$RETRY_SECONDS"
  done
  mariadb-backup --defaults-file="$CONF_DIR/my.cnf" --prepare --target-dir="$STAGING" >&2 || die "mariadb-backup --prepare failed"
  gtid=""
  for f in mariadb_backup_binlog_info xtrabackup_binlog_info; do
    if [ -f "$STAGING/$f" ]; then
      gtid="$(awk '{ print $3 }' "$STAGING/$f")" || die "cannot read $STAGING/$f"
      break
    fi
  done
  case "$gtid" in *[!0-9,-]*) die "the backup's GTID position is not a GTID list: '$gtid'" ;; esac
  printf '%s\n' "$gtid" > "$STAGING/.cdk8s-stateful-gtid" || die "cannot write $STAGING/.cdk8s-stateful-gtid"
}

# clone_from HOST PORT: a copy of the donor in the staging directory.
clone_from() {
  if [ "$DB_FLAVOR" = MySQL ]; then clone_with_plugin "$1" "$2"; else clone_with_backup "$1" "$2"; fi
}

# The first pod on an empty volume, with a copy of the most advanced peer in the staging
# directory: no replication source any more, and (MariaDB) the binary log state of the
# copy, so that the replicas' GTID positions exist on the new primary.
promote_clone() {
  client_cnf "$TMP_DIR/init-root.cnf" root DB_ROOT_PASSWORD
  start_temp "$STAGING" "$TMP_DIR/init-root.cnf"
  gtid="$(cat "$STAGING/.cdk8s-stateful-gtid")" || { stop_temp "$TMP_DIR/init-root.cnf"; die "cannot read the clone's GTID position"; }
  sql="$(sh "$SCRIPT_DIR/sql.sh" promote "$gtid")" || { stop_temp "$TMP_DIR/init-root.cnf"; die "sql.sh promote failed"; }
  run_sql "$TMP_DIR/init-root.cnf" "$sql" || { stop_temp "$TMP_DIR/init-root.cnf"; die "turning the clone into the primary failed"; }
  stop_temp "$TMP_DIR/init-root.cnf" || die "the temporary server on $STAGING did not shut down cleanly"
  rm -f "$STAGING/.cdk8s-stateful-replication" || die "cannot remove the clone's replication marker"
}

# peer_count GTID_STATE: the number of transactions a GTID state holds. MySQL:
# uuid:1-5:7,uuid2:1-3 (newlines between members come out as a literal \n in batch mode);
# MariaDB: domain-server-seqno,... whose sequence numbers count the transactions.
peer_count() {
  if [ "$DB_FLAVOR" = MySQL ]; then
    awk -v g="$1" 'BEGIN { gsub(/\\n/, "", g); n = split(g, m, ","); s = 0
        for (i = 1; i <= n; i++) { k = split(m[i], p, ":"); for (j = 2; j <= k; j++) { if (split(p[j], r, "-") == 2) s += r[2] - r[1] + 1; else s += 1 } }
        printf "%d\n", s }'
  else
    awk -v g="$1" 'BEGIN { n = split(g, m, ","); s = 0
        for (i = 1; i <= n; i++) if (split(m[i], p, "-") == 3) s += p[3]
        printf "%d\n", s }'
  fi
}

# find_best_peer: BEST_PEER is the peer that answers with the most transactions, or empty
# when no peer exists in DNS (a new set). A peer that exists but does not answer fails the
# step: an empty volume never starts a primary over peers that may hold data.
find_best_peer() {
  BEST_PEER=""
  best=-1
  client_cnf "$TMP_DIR/init-repl.cnf" "$REPLICATION_USER" DB_REPLICATION_PASSWORD
  o=$ORDINALS_START
  while [ "$o" -lt $((ORDINALS_START + PEER_COUNT)) ]; do
    peer="$STS_NAME-$o.$PEER_DOMAIN"
    o=$((o + 1))
    [ "$peer" != "$POD_NAME.$PEER_DOMAIN" ] || continue
    if ! getent hosts "$peer" >/dev/null 2>&1; then
      echo "init-data: peer $peer does not exist" >&2
      continue
    fi
    n=0
    until state="$("$CLIENT" --defaults-file="$TMP_DIR/init-repl.cnf" --host="$peer" --port="$SQL_TCP" --connect-timeout=5 "$KEY_OPTION" -N -B -e "$STATE_QUERY" 2>&1)"; do
      n=$((n + 1))
      [ "$n" -lt "$ATTEMPTS" ] || die "peer $peer exists but does not answer ($state): not starting an empty primary over it; retrying when the pod restarts"
      echo "init-data: waiting for peer $peer to answer" >&2; sleep "$RETRY_SECONDS"
    done
    count="$(peer_count "$state")" || die "cannot count the transactions of $peer ($state)"
    echo "init-data: peer $peer answers with $count transactions ($state)" >&2
    if [ "$count" -gt "$best" ]; then best=$count; BEST_PEER=$peer; fi
  done
}

# verify_primary: the primary answers the replication account (fails after a few attempts).
verify_primary() {
  client_cnf "$TMP_DIR/init-repl.cnf" "$REPLICATION_USER" DB_REPLICATION_PASSWORD
  n=0
  until out="$("$CLIENT" --defaults-file="$TMP_DIR/init-repl.cnf" --host="$PRIMARY_HOST" --port="$SQL_TCP" --connect-timeout=5 "$KEY_OPTION" -N -B -e 'SELECT 1' 2>&1)"; do
    n=$((n + 1))
    [ "$n" -lt "$ATTEMPTS" ] || die "the primary $PRIMARY_HOST:$SQL_TCP does not answer the replication account ($out); replication is not configured, retrying when the pod restarts"
    echo "init-data: waiting for the primary $PRIMARY_HOST:$SQL_TCP" >&2; sleep "$RETRY_SECONDS"
  done
}

# Once per data directory: point the replica at the primary (GTID auto-positioning).
configure_replication() {
  verify_primary
  gtid="$(cat "$DATA_DIR/.cdk8s-stateful-gtid" 2>/dev/null || true)"
  sql="$(sh "$SCRIPT_DIR/sql.sh" replication "$PRIMARY_HOST" "$SQL_TCP" "$gtid")" || die "sql.sh replication failed"
  client_cnf "$TMP_DIR/init-root.cnf" root DB_ROOT_PASSWORD
  start_temp "$DATA_DIR" "$TMP_DIR/init-root.cnf"
  run_sql "$TMP_DIR/init-root.cnf" "$sql" || { stop_temp "$TMP_DIR/init-root.cnf"; die "configuring replication failed"; }
  stop_temp "$TMP_DIR/init-root.cnf" || die "the temporary server on $DATA_DIR did not shut down cleanly"
  echo "source $PRIMARY_HOST:$SQL_TCP configured by init-data of $POD_NAME" > "$REPLICATION_MARKER.tmp" \
    || die "cannot write $REPLICATION_MARKER.tmp"
  mv "$REPLICATION_MARKER.tmp" "$REPLICATION_MARKER" || die "cannot write $REPLICATION_MARKER"
}

trap 'rm -f "$TMP_DIR/init-root.cnf" "$TMP_DIR/init-repl.cnf"' EXIT
need_password DB_ROOT_PASSWORD
need_password DB_REPLICATION_PASSWORD

if [ -d "$DATA_DIR" ]; then
  echo "init-data: $DATA_DIR exists: kept as it is (clone skipped)" >&2
else
  rm -rf "$STAGING" "$SCRATCH" || die "cannot clear $STAGING and $SCRATCH"
  if [ "$IS_FIRST" = 1 ]; then
    find_best_peer
    if [ -n "$BEST_PEER" ]; then
      echo "init-data: $POD_NAME is the first pod on an empty volume and peers hold data: cloning the most advanced peer $BEST_PEER, then serving as the primary" >&2
      clone_from "$BEST_PEER" "$DONOR_TCP"
      promote_clone
    else
      echo "init-data: $POD_NAME is the first pod and no peer exists: initialising a new primary (clone skipped)" >&2
      init_primary
    fi
  else
    echo "init-data: cloning $POD_NAME from $PREVIOUS_POD.$PEER_DOMAIN:$DONOR_TCP" >&2
    clone_from "$PREVIOUS_POD.$PEER_DOMAIN" "$DONOR_TCP"
  fi
  mv "$STAGING" "$DATA_DIR" || die "cannot move $STAGING to $DATA_DIR"
  echo "init-data: $DATA_DIR is ready" >&2
fi
if [ "$IS_FIRST" != 1 ]; then
  if [ -f "$REPLICATION_MARKER" ]; then
    echo "init-data: replication already configured ($(cat "$REPLICATION_MARKER"))" >&2
  else
    echo "init-data: configuring replication from $PRIMARY_HOST:$SQL_TCP" >&2
    configure_replication
  fi
fi

