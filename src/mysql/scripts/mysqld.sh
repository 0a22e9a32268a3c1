#!/bin/sh
# StatefulMySql: starts the server of this pod (DB_FLAVOR: mysqld or mariadbd) on DB_LISTEN
# with the configuration init-config wrote and the data directory init-data prepared.
set -eu
LOG_TAG=mysqld.sh
export LOG_TAG
SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
# The shared functions and paths (shipped beside this file; shellcheck lints it on its own).
# shellcheck source=/dev/null
. "$SCRIPT_DIR/mysql-lib.sh"
[ -r "$CONF_DIR/my.cnf" ] || die "$CONF_DIR/my.cnf is missing (init-config did not run)"
[ -d "$DATA_DIR" ] || die "$DATA_DIR is missing (init-data did not run)"
exec "$SERVER" --defaults-file="$CONF_DIR/my.cnf" --datadir="$DATA_DIR" --socket="$SOCKET" --port="$SQL_TCP" "$@"
