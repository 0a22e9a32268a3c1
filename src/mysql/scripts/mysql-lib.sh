# shellcheck shell=sh
# Sourced by every StatefulMySql script (after it sets LOG_TAG and SCRIPT_DIR): the paths,
# the flavour's programs, password checks and option files.
#
# The scripts read no environment variable but the pod's identity (POD_NAME), the
# passwords (DB_*_PASSWORD, from Secrets) and the parameters StatefulMySql puts in the
# container env (DB_FLAVOR, DB_LISTEN, ...): none of these names can be produced by a
# Service link (<SVC>_SERVICE_HOST, <SVC>_PORT...), so no Service changes what they do.
# Passwords reach the servers and clients through option files of mode 0600 in the private
# temporary directory, or through stdin as SQL, never through a command line.
#
# Every step fails closed: output is captured and every status checked (dash has no
# pipefail), and the markers that say a step is done are written only after it succeeded.

die() { echo "${LOG_TAG:-mysql}: $*" >&2; exit 1; }

# The paths StatefulMySql mounts (fixed: the construct mounts its volumes there).
CONF_DIR=/etc/mysql-stateful
DATA_DIR=/var/lib/mysql/data
SOCKET=/var/run/mysqld/mysqld.sock
TMP_DIR=/tmp
NL='
'

# DB_FLAVOR: MySQL or MariaDB; the flavour's server, client and admin programs.
case "${DB_FLAVOR:-}" in
  MySQL) SERVER=mysqld; CLIENT=mysql; ADMIN=mysqladmin ;;
  MariaDB) SERVER=mariadbd; CLIENT=mariadb; ADMIN=mariadb-admin ;;
  *) die "DB_FLAVOR must be MySQL or MariaDB, not '${DB_FLAVOR:-}'" ;;
esac
# DB_LISTEN: the SQL port of every server of the set.
SQL_TCP="${DB_LISTEN:-}"
case "$SQL_TCP" in ''|*[!0-9]*) die "DB_LISTEN must be the SQL port number, not '$SQL_TCP'" ;; esac
export CONF_DIR DATA_DIR SOCKET TMP_DIR NL SERVER CLIENT ADMIN SQL_TCP

# need_password NAME: the variable must hold a password from the Secret, on one line.
need_password() {
  eval "v=\"\${$1:-}\""
  [ -n "$v" ] || die "$1 is empty: put the password in the Secret key this StatefulMySql reads"
  case "$v" in *"$NL"*|*"$(printf '\r')"*) die "$1 must be on one line" ;; esac
  unset v
}
# client_cnf FILE USER PASSWORD_VARIABLE [GROUP]: an option file (mode 0600) with the
# credentials, so that no password is ever on a command line. The value is quoted and
# escaped the way option files read it.
client_cnf() {
  eval "v=\"\${$3:-}\""
  ( umask 077
    printf '[%s]\nuser="%s"\n' "${4:-client}" "$2" > "$1" || exit 1
    if [ -n "$v" ]; then
      esc="$(printf '%s' "$v" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')" || exit 1
      printf 'password="%s"\n' "$esc" >> "$1" || exit 1
    fi ) || die "cannot write the option file $1"
  unset v
}
