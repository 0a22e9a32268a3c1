#!/bin/sh
# StatefulMySql: starts the server of this pod (DB_FLAVOR: mysqld or mariadbd) on DB_LISTEN
# with the configuration init-config wrote and the data directory init-data prepared.
set -eu
LOG_TAG=mysqld.sh
SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=mysql-lib.sh
. "$SCRIPT_DIR/mysql-lib.sh"
[ -r "$CONF_DIR/my.cnf" ] || die "$CONF_DIR/my.cnf is missing (init-config did not run)"
[ -d "$DATA_DIR" ] || die "$DATA_DIR is missing (init-data did not run)"
exec "$SERVER" --defaults-file="$CONF_DIR/my.cnf" --datadir="$DATA_DIR" --socket="$SOCKET" --port="$SQL_TCP" "$@"
