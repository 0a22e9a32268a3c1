# shellcheck shell=sh
# StatefulMySql init-config: sourced by the init-config ordinal script after its preamble
# (POD_NAME, ORDINAL, IS_FIRST). Writes server-id.cnf (server-id = DB_SERVER_ID_OFFSET +
# ordinal), role.cnf (primary.cnf on the first pod, replica.cnf on the others) and the
# assembled my.cnf into the emptyDir the server reads.
SRC=/mnt/config
CONF_DIR=/etc/mysql-stateful
case "${DB_SERVER_ID_OFFSET:-}" in
  ''|*[!0-9]*) echo "init-config: DB_SERVER_ID_OFFSET must be a number, not '${DB_SERVER_ID_OFFSET:-}'" >&2; exit 1 ;;
esac
SERVER_ID=$((DB_SERVER_ID_OFFSET + ORDINAL))
if [ "$SERVER_ID" -lt 1 ] || [ "$SERVER_ID" -gt 4294967295 ]; then
  echo "init-config: server-id $SERVER_ID is out of MySQL's range 1..4294967295" >&2; exit 1
fi
if [ "$IS_FIRST" = 1 ]; then ROLE=primary; else ROLE=replica; fi
for f in my.cnf "$ROLE.cnf"; do
  [ -r "$SRC/$f" ] || { echo "init-config: $SRC/$f is missing" >&2; exit 1; }
done
mkdir -p "$CONF_DIR"
printf '[mysqld]\nserver-id=%s\n' "$SERVER_ID" > "$CONF_DIR/server-id.cnf"
cp "$SRC/$ROLE.cnf" "$CONF_DIR/role.cnf"
{
  cat "$SRC/my.cnf"
  echo
  echo "# server-id.cnf: pod $POD_NAME, ordinal $ORDINAL"
  cat "$CONF_DIR/server-id.cnf"
  echo
  echo "# $ROLE.cnf"
  cat "$CONF_DIR/role.cnf"
} > "$CONF_DIR/my.cnf.tmp"
mv "$CONF_DIR/my.cnf.tmp" "$CONF_DIR/my.cnf"
echo "$ROLE" > "$CONF_DIR/role"
echo "init-config: $POD_NAME is the $ROLE with server-id $SERVER_ID" >&2

