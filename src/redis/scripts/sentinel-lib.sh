# shellcheck shell=sh
# StatefulRedis Sentinel mode (cdk8s-stateful): helpers shared by sentinel-start.sh,
# sentinel-decide.sh, sentinel-watchdog.sh and sentinel-probe.sh. Sourced, never run.
# POSIX sh (dash, busybox ash).
#
# Inputs (environment set on the containers; none of them a name a Kubernetes Service
# link can produce):
#   RS_POD            this pod's name, e.g. cache-1 (downward API; else the host name)
#   RS_SET            the StatefulSet's name, e.g. cache
#   RS_DOMAIN         the suffix of pod DNS names, e.g. cache-headless.default.svc.cluster.local
#   RS_REPLICAS       the number of pods in the set
#   RS_FIRST          the first ordinal (the StatefulSet's ordinals.start, default 0)
#   RS_MASTER_NAME    the name Sentinel knows the master by
#   RS_REDIS_TCP      the Redis port number
#   RS_SENTINEL_TCP   the Sentinel port number
#   RS_SENTINEL_DIR   Sentinel's state directory on the data claim
#   RS_CLI            redis-cli | valkey-cli
#   RS_CLI_TIMEOUT    seconds per CLI call (default 2)
#   RS_HOLDING_HOST   the host a HOLDING Redis "replicates" (a name that never resolves)
#   REDISCLI_AUTH     the password (from the Secret; VALKEYCLI_AUTH too for valkey-cli 8),
#                     read by the CLI from its environment: never on a command line

RS_POD=${RS_POD:-$(uname -n)}
RS_POD=${RS_POD%%.*}
RS_REPLICAS=${RS_REPLICAS:-3}
RS_FIRST=${RS_FIRST:-0}
RS_MASTER_NAME=${RS_MASTER_NAME:-mymaster}
RS_REDIS_TCP=${RS_REDIS_TCP:-6379}
RS_SENTINEL_TCP=${RS_SENTINEL_TCP:-26379}
RS_CLI=${RS_CLI:-redis-cli}
RS_CLI_TIMEOUT=${RS_CLI_TIMEOUT:-2}
RS_HOLDING_HOST=${RS_HOLDING_HOST:-holding.invalid}

log() { printf '%s %s[%s]: %s\n' "$(date -u +%H:%M:%S)" "${0##*/}" "$RS_POD" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

rs_require() {
  [ -n "$RS_POD" ] || die "RS_POD (or the host name) is empty"
  [ -n "${RS_SET:-}" ] || die "RS_SET is empty"
  [ -n "${RS_DOMAIN:-}" ] || die "RS_DOMAIN is empty"
  [ -n "${RS_SENTINEL_DIR:-}" ] || die "RS_SENTINEL_DIR is empty"
  case $RS_CLI in redis-cli | valkey-cli) ;; *) die "RS_CLI must be redis-cli or valkey-cli, not '$RS_CLI'" ;; esac
  for _n in "$RS_REPLICAS" "$RS_FIRST" "$RS_REDIS_TCP" "$RS_SENTINEL_TCP" "$RS_CLI_TIMEOUT"; do
    case $_n in '' | *[!0-9]*) die "RS_REPLICAS, RS_FIRST, RS_REDIS_TCP, RS_SENTINEL_TCP and RS_CLI_TIMEOUT must be numbers" ;; esac
  done
  case $RS_POD in "$RS_SET"-*) ;; *) die "pod $RS_POD is not a member of $RS_SET" ;; esac
  RS_ORDINAL=${RS_POD##*-}
  case $RS_ORDINAL in '' | *[!0-9]*) die "no ordinal in pod name $RS_POD" ;; esac
  RS_LAST=$((RS_FIRST + RS_REPLICAS - 1))
  RS_SELF=$(rs_fqdn "$RS_ORDINAL")
  export RS_SELF
  [ -n "${REDISCLI_AUTH:-}" ] || die "REDISCLI_AUTH is empty: put the password in the Secret key this StatefulRedis reads"
  export REDISCLI_AUTH
  VALKEYCLI_AUTH=$REDISCLI_AUTH
  export VALKEYCLI_AUTH
}

# rs_ordinals : every ordinal of the set, one per line
rs_ordinals() { _o=$RS_FIRST; while [ "$_o" -le "$((RS_FIRST + RS_REPLICAS - 1))" ]; do echo "$_o"; _o=$((_o + 1)); done; }

rs_fqdn() { printf '%s-%s.%s' "$RS_SET" "$1" "$RS_DOMAIN"; }

# ordinal of a host name of this set, or empty
rs_ordinal_of() {
  case $1 in
    "$RS_SET"-*."$RS_DOMAIN") _o=${1%%.*}; _o=${_o##*-}; printf '%s' "$_o" ;;
    *) printf '' ;;
  esac
}

# rs_cli HOST PORT ARGS... : one CLI call, bounded in time, CRs stripped.
# Prints the reply; status non-zero when the call failed or the reply is an error.
rs_cli() {
  _h=$1; _p=$2; shift 2
  _out=$(timeout "$RS_CLI_TIMEOUT" "$RS_CLI" -h "$_h" -p "$_p" "$@" 2>/dev/null)
  _st=$?
  [ "$_st" -eq 0 ] || return 1
  case $_out in
    ERR* | NOAUTH* | WRONGPASS* | LOADING* | MASTERDOWN* | NOPERM* | NOGOODSLAVE* | INPROG* | IDONTKNOW* | BUSY* | READONLY* | \
      NOREPLICAS* | MISCONF* | "Error:"* | "Could not connect"*) return 1 ;;
  esac
  printf '%s\n' "$_out" | tr -d '\r'
}

# field NAME from "name:value" lines on stdin
rs_field() { sed -n "s/^$1://p" | head -n 1; }

# rs_sentinel_view HOST : prints "host epoch flags" of the master that HOST's Sentinel
# monitors; status 1 when that Sentinel does not answer, 2 when it answers but monitors nothing.
# The host is GET-MASTER-ADDR-BY-NAME's: while a failover reconfigures the replicas, the
# leading Sentinel already answers the promoted replica there (SENTINEL MASTER's `ip` still
# names the old master). A failover in progress shows in the leader's flags.
rs_sentinel_view() {
  if ! _v=$(rs_cli "$1" "$RS_SENTINEL_TCP" SENTINEL MASTER "$RS_MASTER_NAME"); then
    _pong=$(rs_cli "$1" "$RS_SENTINEL_TCP" PING) || return 1
    [ "$_pong" = PONG ] && return 2
    return 1
  fi
  [ -n "$_v" ] || return 1
  _ve=$(printf '%s\n' "$_v" | sed -n '/^config-epoch$/{n;p;q;}')
  _vf=$(printf '%s\n' "$_v" | sed -n '/^flags$/{n;p;q;}')
  _vh=$(rs_cli "$1" "$RS_SENTINEL_TCP" SENTINEL GET-MASTER-ADDR-BY-NAME "$RS_MASTER_NAME" | head -n 1) || return 1
  [ -n "$_vh" ] || return 1
  printf '%s %s %s\n' "$_vh" "${_ve:-0}" "${_vf:-?}"
}

# rs_redis_info HOST : "role master_host link offset keys" of a Redis (keys: in every
# database, from INFO keyspace), status 1 when unknown (no answer, or still loading: a
# partial key count would look like less data than there is).
rs_redis_info() {
  _i=$(rs_cli "$1" "$RS_REDIS_TCP" INFO) || return 1
  [ "$(printf '%s\n' "$_i" | rs_field loading)" = 0 ] || return 1
  _k=$(printf '%s\n' "$_i" | sed -n 's/^db[0-9]*:keys=\([0-9]*\),.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  case $_k in '' | *[!0-9]*) return 1 ;; esac
  _role=$(printf '%s\n' "$_i" | rs_field role)
  [ -n "$_role" ] || return 1
  _mh=$(printf '%s\n' "$_i" | rs_field master_host)
  _ml=$(printf '%s\n' "$_i" | rs_field master_link_status)
  if [ "$_role" = master ]; then _off=$(printf '%s\n' "$_i" | rs_field master_repl_offset)
  else _off=$(printf '%s\n' "$_i" | rs_field slave_repl_offset); fi
  printf '%s %s %s %s %s\n' "$_role" "${_mh:--}" "${_ml:--}" "${_off:-0}" "$_k"
}

# password checks shared by the config writers (quoted into config files)
rs_password_ok() {
  case $REDISCLI_AUTH in *[![:graph:]]* | *'"'* | *\\*) return 1 ;; esac
  return 0
}

# rs_sentinel_point MASTER_HOST : make the LOCAL Sentinel monitor MASTER_HOST (remove
# whatever it monitored before). The password reaches Sentinel through stdin (-x), never
# through a command line.
rs_sentinel_point() {
  _q=${RS_QUORUM:-$((RS_REPLICAS / 2 + 1))}
  rs_cli 127.0.0.1 "$RS_SENTINEL_TCP" SENTINEL REMOVE "$RS_MASTER_NAME" >/dev/null
  rs_cli 127.0.0.1 "$RS_SENTINEL_TCP" SENTINEL MONITOR "$RS_MASTER_NAME" "$1" "$RS_REDIS_TCP" "$_q" >/dev/null || return 1
  _r=$(printf '%s' "$REDISCLI_AUTH" | timeout "$RS_CLI_TIMEOUT" "$RS_CLI" -h 127.0.0.1 -p "$RS_SENTINEL_TCP" -x SENTINEL SET "$RS_MASTER_NAME" auth-pass 2>/dev/null) || return 1
  [ "$(printf '%s' "$_r" | tr -d '\r')" = OK ] || return 1
  rs_cli 127.0.0.1 "$RS_SENTINEL_TCP" SENTINEL SET "$RS_MASTER_NAME" \
    down-after-milliseconds "${RS_DOWN_AFTER_MS:-5000}" \
    failover-timeout "${RS_FAILOVER_TIMEOUT_MS:-60000}" parallel-syncs 1 >/dev/null || return 1
  log "local Sentinel now monitors $1"
}

# rs_collect : fills RS_VIEWS ("src host epoch" lines), RS_PEERS ("ordinal answered role
# master_host link offset keys" lines), the counts, and RS_FAILOVER_RUNNING (1 when a
# Sentinel that answered is failing over). Never fails; unknowns are recorded. When the
# local Sentinel monitors nothing (or does not answer), the master it recorded last
# ($RS_SENTINEL_DIR/last-master, kept by sentinel-start.sh) still counts as its view.
# shellcheck disable=SC2034 # RS_* results are read by the scripts that source this file
rs_collect() {
  RS_VIEWS=""; RS_PEERS=""; RS_SENT_ANSWERED=0; RS_SENT_EMPTY=0; RS_REDIS_ANSWERED=0; RS_FAILOVER_RUNNING=0
  if _lv=$(rs_sentinel_view 127.0.0.1); then
    RS_VIEWS="local $(printf '%s' "$_lv" | cut -d' ' -f1-2)"; RS_SENT_ANSWERED=1
    case ${_lv##* } in *failover*) RS_FAILOVER_RUNNING=1 ;; esac
  else
    _lst=$?
    if [ "$_lst" -eq 2 ]; then RS_SENT_ANSWERED=1; RS_SENT_EMPTY=1; fi
    _lf="$RS_SENTINEL_DIR/last-master"
    _lm=""
    [ -s "$_lf" ] && _lm=$(awk 'NF == 2 && $2 ~ /^[0-9]+$/ { print $1, $2; exit }' "$_lf")
    [ -n "$_lm" ] && RS_VIEWS="file $_lm"
  fi
  _i=$RS_FIRST
  while [ "$_i" -le "$RS_LAST" ]; do
    if [ "$_i" != "$RS_ORDINAL" ]; then
      _peer=$(rs_fqdn "$_i")
      if _pv=$(rs_sentinel_view "$_peer"); then
        RS_VIEWS="$RS_VIEWS
$_i $(printf '%s' "$_pv" | cut -d' ' -f1-2)"
        RS_SENT_ANSWERED=$((RS_SENT_ANSWERED + 1))
        case ${_pv##* } in *failover*) RS_FAILOVER_RUNNING=1 ;; esac
      else
        [ $? -eq 2 ] && { RS_SENT_ANSWERED=$((RS_SENT_ANSWERED + 1)); RS_SENT_EMPTY=$((RS_SENT_EMPTY + 1)); }
      fi
      if _pi=$(rs_redis_info "$_peer"); then
        RS_PEERS="$RS_PEERS
$_i yes $_pi"; RS_REDIS_ANSWERED=$((RS_REDIS_ANSWERED + 1))
      else
        RS_PEERS="$RS_PEERS
$_i no"
      fi
    fi
    _i=$((_i + 1))
  done
  # best = highest epoch, then most Sentinels naming it, then lowest ordinal
  RS_BEST=$(printf '%s\n' "$RS_VIEWS" | awk 'NF==3 {n[$2" "$3]++} END {for (k in n) print k, n[k]}' |
    awk '{o=$1; sub(/\..*/, "", o); sub(/.*-/, "", o); print $2, $3, -o, $1}' | sort -k1,1nr -k2,2nr -k3,3nr | head -n 1)
  # "epoch support -ordinal host" -> host epoch support
  RS_BEST=$(printf '%s' "$RS_BEST" | awk 'NF==4 {print $4, $1, $2}')
}
