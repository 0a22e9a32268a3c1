#!/bin/sh
# StatefulMySql probes. Usage: probe.sh startup|liveness|readiness
# startup/liveness: the server answers a ping; readiness: SELECT 1 answers, and on a
# replica both replication threads run: the IO thread receives the primary's changes
# and the SQL thread applies them.
set -u
LOG_TAG=probe.sh
export LOG_TAG
SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
# The shared functions and paths (shipped beside this file; shellcheck lints it on its own).
# shellcheck source=/dev/null
. "$SCRIPT_DIR/mysql-lib.sh"
MODE="${1:-readiness}"
CNF="$(mktemp "$TMP_DIR/probe.XXXXXX")" || die "cannot create a file in $TMP_DIR"
trap 'rm -f "$CNF"' EXIT
client_cnf "$CNF" root DB_ROOT_PASSWORD
case "$MODE" in
  startup|liveness)
    "$ADMIN" --defaults-file="$CNF" --socket="$SOCKET" --connect-timeout=5 ping >/dev/null || die "ping failed"
    ;;
  readiness)
    "$CLIENT" --defaults-file="$CNF" --socket="$SOCKET" --connect-timeout=5 -N -e 'SELECT 1' >/dev/null || die "SELECT 1 failed"
    if [ "$(cat "$CONF_DIR/role" 2>/dev/null || echo unknown)" = replica ]; then
      status="$("$CLIENT" --defaults-file="$CNF" --socket="$SOCKET" --connect-timeout=5 -e 'SHOW REPLICA STATUS\G')" \
        || die "SHOW REPLICA STATUS failed"
      case "$NL$status$NL" in
        *"$NL"*_IO_Running:\ Yes"$NL"*) ;;
        *) die "the replica's IO thread (receiving from the primary) is not running" ;;
      esac
      case "$NL$status$NL" in
        *"$NL"*_SQL_Running:\ Yes"$NL"*) ;;
        *) die "the replica's SQL thread is not running" ;;
      esac
    fi
    ;;
  *) die "usage: $0 startup|liveness|readiness" ;;
esac
