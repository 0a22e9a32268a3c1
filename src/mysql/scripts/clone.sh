#!/bin/sh
# StatefulMySql clones (MariaDB). Usage: clone.sh serve|send|receive
# The donor sidecar listens on DB_CLONE_LISTEN (serve) and, per connection (send), sends a
# random challenge, checks the answer (SHA-256 of challenge and replication password) and
# streams `mariadb-backup --backup --stream=xbstream`; the recipient (receive) answers and
# extracts the stream into DB_CLONE_DIR.
set -eu
LOG_TAG=clone.sh
export LOG_TAG
SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
# The shared functions and paths (shipped beside this file; shellcheck lints it on its own).
# shellcheck source=/dev/null
. "$SCRIPT_DIR/mysql-lib.sh"
answer_for() {
  a="$(printf '%s:%s' "$1" "$DB_REPLICATION_PASSWORD" | sha256sum)" || die "sha256sum failed"
  printf '%s' "${a%% *}"
}
need_password DB_REPLICATION_PASSWORD
case "${1:-}" in
  serve)
    need_password DB_ROOT_PASSWORD
    CLONE_TCP="${DB_CLONE_LISTEN:-}"
    case "$CLONE_TCP" in ''|*[!0-9]*) die "DB_CLONE_LISTEN must be the clone port number, not '$CLONE_TCP'" ;; esac
    echo "clone.sh: serving backups of $DATA_DIR on port $CLONE_TCP" >&2
    cd "$SCRIPT_DIR"
    exec socat "TCP-LISTEN:$CLONE_TCP,reuseaddr,fork,max-children=1" SYSTEM:'exec sh ./clone.sh send'
    ;;
  send)
    CHALLENGE="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    case "$CHALLENGE" in ''|*[!0-9a-f]*) die "cannot make a challenge" ;; esac
    printf '%s\n' "$CHALLENGE"
    IFS= read -r ANSWER || die "the recipient closed the connection"
    EXPECTED="$(answer_for "$CHALLENGE")" || die "cannot compute the answer"
    [ "$ANSWER" = "$EXPECTED" ] || die "refused a recipient that does not know the replication password"
    WORK="$(mktemp -d "$TMP_DIR/clone.XXXXXX")" || die "cannot create a directory in $TMP_DIR"
    trap 'rm -rf "$WORK"' EXIT
    # The server's settings plus root's credentials, for mariadb-backup only (mode 0600).
    client_cnf "$WORK/credentials.cnf" root DB_ROOT_PASSWORD mariadb-backup
    ( umask 077; cat "$CONF_DIR/my.cnf" "$WORK/credentials.cnf" > "$WORK/backup.cnf" ) || die "cannot write the backup options"
    echo "clone.sh: streaming a backup of $DATA_DIR" >&2
    mariadb-backup --defaults-file="$WORK/backup.cnf" --backup --stream=xbstream \
      --datadir="$DATA_DIR" --socket="$SOCKET" --target-dir="$WORK" || die "mariadb-backup --backup failed"
    ;;
  receive)
    [ -n "${DB_CLONE_DIR:-}" ] || die "DB_CLONE_DIR is empty"
    IFS= read -r CHALLENGE || die "the donor closed the connection"
    case "$CHALLENGE" in ''|*[!0-9a-f]*) die "unexpected challenge from the donor" ;; esac
    ANSWER="$(answer_for "$CHALLENGE")" || die "cannot compute the answer"
    printf '%s\n' "$ANSWER"
    exec mbstream -x -C "$DB_CLONE_DIR"
    ;;
  *) die "usage: $0 serve|send|receive" ;;
esac
