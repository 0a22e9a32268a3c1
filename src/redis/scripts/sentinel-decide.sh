#!/bin/sh
# StatefulRedis Sentinel mode (cdk8s-stateful): the start-up role decision, run by the
# watchdog container while the local Redis is in the HOLDING state. The role comes from
# the set, never from the ordinal alone:
#  1. Ask the local Sentinel (or, if it is not up or monitors nothing, the master it last
#     recorded) and every peer's Sentinel which master they monitor. The answer with the
#     highest config-epoch wins (then the most Sentinels, then the lowest ordinal).
#  2. Named master is another pod  -> REPLICAOF it (an old master returning is a replica).
#     Named master is this pod      -> master again only if a majority of Sentinels name
#     it AND it holds data or every peer answered with an empty data set; if it is empty
#     while a peer holds data it becomes a replica of the best peer and asks Sentinel to
#     fail over (an empty pod never becomes master over data).
#  3. Nobody names a master: a peer Redis already acting as master is followed; otherwise,
#     only once EVERY peer's Sentinel answered "no master" and every peer's Redis told its
#     key count, the bootstrap master is the pod holding the most recent data (highest
#     replication offset, then most keys, then lowest ordinal), or the first ordinal when
#     nobody holds data (a brand-new set). Everybody else waits.
# While any Sentinel is failing over, it waits for the failover to end.
# Bounded: RS_DECIDE_TRIES rounds, 1 s apart; exit 1 when undecided (the watchdog runs it again).
# Prints the decided role (master|replica) on stdout.
set -u
# shellcheck source=sentinel-lib.sh disable=SC1091
. "${RS_SCRIPTS:-$(dirname "$0")}/sentinel-lib.sh"
rs_require
tries=${RS_DECIDE_TRIES:-60}
majority=$((RS_REPLICAS / 2 + 1))
peers=$((RS_REPLICAS - 1))

apply_master() {
  rs_cli 127.0.0.1 "$RS_REDIS_TCP" REPLICAOF NO ONE >/dev/null || return 1
  v=$(rs_sentinel_view 127.0.0.1) || v=""
  if [ "${v%% *}" != "$RS_SELF" ]; then rs_sentinel_point "$RS_SELF" || return 1; fi
  echo master
}
apply_replica() {
  cur=$(rs_redis_info 127.0.0.1) || return 1
  cur_master=$(printf '%s' "$cur" | cut -d' ' -f2)
  if [ "$cur_master" != "$1" ]; then
    rs_cli 127.0.0.1 "$RS_REDIS_TCP" REPLICAOF "$1" "$RS_REDIS_TCP" >/dev/null || return 1
  fi
  if [ "${2:-}" != sentinel-keep ]; then
    v=$(rs_sentinel_view 127.0.0.1) || v=""
    if [ "${v%% *}" != "$1" ]; then rs_sentinel_point "$1" || return 1; fi
  fi
  echo replica
}

n=0
while [ "$n" -lt "$tries" ]; do
  n=$((n + 1))
  [ "$n" -gt 1 ] && sleep 1
  if ! me=$(rs_redis_info 127.0.0.1); then log "local Redis not answering yet"; continue; fi
  my_dbsize=${me##* }
  my_offset=$(printf '%s' "$me" | cut -d' ' -f4)
  rs_collect
  if [ "$RS_FAILOVER_RUNNING" = 1 ]; then
    log "a Sentinel is failing over: waiting for it to finish"; continue
  fi
  best_host=""; best_epoch=""; best_support=0
  if [ -n "$RS_BEST" ]; then
    best_host=$(printf '%s' "$RS_BEST" | cut -d' ' -f1)
    best_epoch=$(printf '%s' "$RS_BEST" | cut -d' ' -f2)
    best_support=$(printf '%s' "$RS_BEST" | cut -d' ' -f3)
  fi
  # peers' data: best holder (highest offset, then dbsize) and whether all answered
  holders=$(printf '%s\n' "$RS_PEERS" | awk '$2=="yes" && $7>0 {print $6, $7, $1}' | sort -k1,1nr -k2,2nr)
  best_holder=$(printf '%s\n' "$holders" | awk 'NF==3 {print $3; exit}')
  running_master=$(printf '%s\n' "$RS_PEERS" | awk '$2=="yes" && $3=="master" {print $1; exit}')
  if [ -n "$best_host" ]; then
    if [ "$best_host" = "$RS_SELF" ]; then
      if [ "$best_support" -lt "$majority" ]; then
        log "named master (epoch $best_epoch) by only $best_support Sentinel(s), need $majority: waiting"; continue
      fi
      if [ "$my_dbsize" -gt 0 ] || { [ "$RS_REDIS_ANSWERED" -eq "$peers" ] && [ -z "$best_holder" ]; }; then
        log "Sentinels ($best_support) name this pod master at epoch $best_epoch; dbsize $my_dbsize: master"
        apply_master && exit 0
        log "could not apply master role"; continue
      fi
      if [ -n "$best_holder" ]; then
        src=$(rs_fqdn "$best_holder")
        log "named master but EMPTY while $src holds data: replica of it, asking for a failover"
        if apply_replica "$src" sentinel-keep; then
          asked=""
          for o in $(printf '%s\n' "$RS_VIEWS" | awk '$1 ~ /^[0-9]+$/ {print $1}'); do
            if rs_cli "$(rs_fqdn "$o")" "$RS_SENTINEL_TCP" SENTINEL FAILOVER "$RS_MASTER_NAME" >/dev/null; then asked=$o; break; fi
          done
          [ -n "$asked" ] || log "no Sentinel accepted SENTINEL FAILOVER (Sentinel's own role check or the watchdog heals)"
          exit 0
        fi
        continue
      fi
      log "named master, empty, peers' data unknown: waiting"; continue
    fi
    log "Sentinels name $best_host (epoch $best_epoch, $best_support Sentinel(s)): replica"
    apply_replica "$best_host" && exit 0
    log "could not apply replica role"; continue
  fi
  if [ -n "$running_master" ]; then
    m=$(rs_fqdn "$running_master")
    log "no Sentinel names a master; $m runs as master: replica"
    apply_replica "$m" && exit 0
    continue
  fi
  if [ "$RS_SENT_EMPTY" -lt "$RS_REPLICAS" ] || [ "$RS_REDIS_ANSWERED" -lt "$peers" ]; then
    log "no master known; $RS_SENT_EMPTY/$RS_REPLICAS Sentinels and $RS_REDIS_ANSWERED/$peers peers answered: waiting"
    continue
  fi
  # the pod with the most recent data: highest replication offset, then most keys, then lowest ordinal
  cand=$(printf '%s\n%s yes x x x %s %s\n' "$RS_PEERS" "$RS_ORDINAL" "$my_offset" "$my_dbsize" |
    awk '$2=="yes" && $7>0 {print $6, $7, $1}' | sort -k1,1nr -k2,2nr -k3,3n | awk 'NF==3 {print $3; exit}')
  cand=${cand:-$RS_FIRST}
  if [ "$cand" = "$RS_ORDINAL" ]; then
    log "no master anywhere, every peer answered: bootstrap master (ordinal $RS_ORDINAL, dbsize $my_dbsize)"
    apply_master && exit 0
    continue
  fi
  log "no master anywhere: waiting for ordinal $cand to bootstrap"
done
log "undecided after $tries rounds"
exit 1
