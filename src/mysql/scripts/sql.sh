#!/bin/sh
# StatefulMySql: prints the SQL the init container feeds to its temporary server.
# Usage: sql.sh bootstrap | replication HOST PORT [GTID] | clone HOST PORT DIR | promote [GTID]
# Parameters from the container env: DB_FLAVOR (MySQL or MariaDB), DB_REPLICATION_USER,
# DB_APP_USER and DB_DATABASE (optional; names StatefulMySql validated, checked again here).
# Output goes through cat and printf '%s', never echo (dash's echo rewrites backslashes).
# Passwords come from the environment (DB_*_PASSWORD) and are escaped as SQL string literals
# (backslash and quote); hosts, ports and GTID positions are arguments, checked.
set -eu
die() { echo "sql.sh: $*" >&2; exit 1; }
# lit NAME: the variable as the inside of a SQL string literal.
lit() {
  eval "v=\"\${$1:-}\""
  [ -n "$v" ] || die "$1 is empty"
  printf '%s' "$v" | sed -e 's/\\/\\\\/g' -e "s/'/''/g"
  unset v
}
# name WHAT VALUE: an account or database name: letters, digits and '_' only.
name() {
  case "$2" in ''|*[!A-Za-z0-9_]*) die "$1 must be letters, digits or '_', not '$2'" ;; esac
  printf '%s' "$2"
}
# host WHAT VALUE: a host name or address, nothing else.
host() {
  case "$2" in ''|*[!A-Za-z0-9.:-]*) die "$1 must be a host name or address, not '$2'" ;; esac
  printf '%s' "$2"
}
# num WHAT VALUE: a port number.
num() {
  case "$2" in ''|*[!0-9]*) die "$1 must be a number, not '$2'" ;; esac
  printf '%s' "$2"
}
# gtid WHAT VALUE: a MariaDB GTID list (may be empty).
gtid() {
  case "$2" in *[!0-9,-]*) die "$1 must be a GTID list, not '$2'" ;; esac
  printf '%s' "$2"
}
case "${DB_FLAVOR:-}" in
  MySQL|MariaDB) ;;
  *) die "DB_FLAVOR must be MySQL or MariaDB, not '${DB_FLAVOR:-}'" ;;
esac
REPL="$(name DB_REPLICATION_USER "${DB_REPLICATION_USER:-}")"
case "${1:-}" in
  bootstrap)
    ROOT_PW="$(lit DB_ROOT_PASSWORD)"
    REPL_PW="$(lit DB_REPLICATION_PASSWORD)"
    echo 'SET SESSION sql_log_bin = 0;'
    if [ "$DB_FLAVOR" = MariaDB ]; then
      # mariadb-install-db also creates root@<host name> and anonymous accounts.
      cat <<'SQL'
DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');
DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
FLUSH PRIVILEGES;
SQL
    fi
    cat <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$ROOT_PW';
CREATE USER 'root'@'%' IDENTIFIED BY '$ROOT_PW';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
    if [ "$DB_FLAVOR" = MariaDB ]; then
      # MariaDB has no super_read_only: read_only stops every account without READ_ONLY
      # ADMIN (10.11: SUPER no longer implies it), so root loses it and replicas refuse
      # root's writes too. The primary runs with read_only OFF, so root writes there.
      echo "REVOKE READ_ONLY ADMIN ON *.* FROM 'root'@'localhost', 'root'@'%';"
      GRANTS='REPLICATION SLAVE'
    else
      GRANTS='REPLICATION SLAVE, BACKUP_ADMIN'
    fi
    cat <<SQL
CREATE USER '$REPL'@'%' IDENTIFIED BY '$REPL_PW';
GRANT $GRANTS ON *.* TO '$REPL'@'%';
SQL
    DATABASE=""
    if [ -n "${DB_DATABASE:-}" ]; then
      DATABASE="$(name DB_DATABASE "$DB_DATABASE")"
      printf '%s\n' "CREATE DATABASE IF NOT EXISTS \`$DATABASE\`;"
    fi
    if [ -n "${DB_APP_USER:-}" ]; then
      APP="$(name DB_APP_USER "$DB_APP_USER")"
      APP_PW="$(lit DB_APP_PASSWORD)"
      printf '%s\n' "CREATE USER '$APP'@'%' IDENTIFIED BY '$APP_PW';"
      if [ -n "$DATABASE" ]; then printf '%s\n' "GRANT ALL PRIVILEGES ON \`$DATABASE\`.* TO '$APP'@'%';"; fi
    fi
    ;;
  replication)
    [ $# -ge 3 ] || die "usage: sql.sh replication HOST PORT [GTID]"
    SRC_HOST="$(host 'the source host' "$2")"
    SRC_TCP="$(num 'the source port' "$3")"
    REPL_PW="$(lit DB_REPLICATION_PASSWORD)"
    if [ "$DB_FLAVOR" = MySQL ]; then
      cat <<SQL
CHANGE REPLICATION SOURCE TO SOURCE_HOST = '$SRC_HOST', SOURCE_PORT = $SRC_TCP, SOURCE_USER = '$REPL', SOURCE_PASSWORD = '$REPL_PW', SOURCE_AUTO_POSITION = 1, SOURCE_SSL = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = 10, SOURCE_RETRY_COUNT = 86400;
SQL
    else
      POS="$(gtid 'the GTID position' "${4:-}")"
      if [ -n "$POS" ]; then printf '%s\n' "SET GLOBAL gtid_slave_pos = '$POS';"; fi
      cat <<SQL
CHANGE MASTER TO MASTER_HOST = '$SRC_HOST', MASTER_PORT = $SRC_TCP, MASTER_USER = '$REPL', MASTER_PASSWORD = '$REPL_PW', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 10;
SQL
    fi
    ;;
  clone)
    [ "$DB_FLAVOR" = MySQL ] || die "MariaDB clones with mariadb-backup (clone.sh), not SQL"
    [ $# -ge 4 ] || die "usage: sql.sh clone HOST PORT DIR"
    DONOR_HOST="$(host 'the donor host' "$2")"
    DONOR_TCP="$(num 'the donor port' "$3")"
    REPL_PW="$(lit DB_REPLICATION_PASSWORD)"
    CLONE_DIR="$(printf '%s' "$4" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"
    cat <<SQL
SET GLOBAL clone_valid_donor_list = '$DONOR_HOST:$DONOR_TCP';
CLONE INSTANCE FROM '$REPL'@'$DONOR_HOST':$DONOR_TCP IDENTIFIED BY '$REPL_PW' DATA DIRECTORY = '$CLONE_DIR';
SQL
    ;;
  promote)
    if [ "$DB_FLAVOR" = MySQL ]; then
      printf '%s\n' 'STOP REPLICA;' 'RESET REPLICA ALL;'
    else
      POS="$(gtid 'the GTID position' "${2:-}")"
      printf '%s\n' 'STOP ALL SLAVES;' 'RESET SLAVE ALL;' 'RESET MASTER;'
      if [ -n "$POS" ]; then printf '%s\n' "SET GLOBAL gtid_binlog_state = '$POS';"; fi
    fi
    ;;
  *) die "usage: sql.sh bootstrap | replication HOST PORT [GTID] | clone HOST PORT DIR | promote [GTID]" ;;
esac
