#!/bin/sh
# StatefulRedis Sentinel mode (cdk8s-stateful): the watchdog container. It runs the
# start-up decision while the local Redis is HOLDING, then loops (every RS_WATCH_INTERVAL s)
# to heal what Sentinel alone does not, and publishes this pod's role to $RS_ROLE_DIR/role
# for the labeler container. No heal acts (or counts time) while any Sentinel is failing over:
#  - the local Sentinel disagrees with the best view of the set (higher config-epoch, or
#    the majority at the same epoch) for RS_HEAL_AFTER s -> re-point it (at once when it
#    monitors nothing);
#  - the named master is THIS pod but it reports role:slave for RS_HEAL_AFTER s and
#    no failover is in progress (DandyDeveloper/charts#412) -> REPLICAOF NO ONE, unless
#    it is empty while a peer holds data (then: ask Sentinel for a failover) or a peer did
#    not answer (then: nothing, until every peer answers);
#  - this Redis replicates from something other than the named master for
#    RS_HEAL_AFTER s -> REPLICAOF the named master.
# Role published: "master" only when Redis is role:master AND both the local Sentinel and
# the best view of the set name this pod; demotion is published first thing each round.
# RS_HEAL_AFTER defaults to down-after + 5 s (Sentinel's own check for a master that
# reports role:slave waits down-after + 20 s). RS_WATCH_ROUNDS bounds the loop (0 = run
# until killed, as in a pod).
set -u
# shellcheck source=sentinel-lib.sh disable=SC1091
. "${RS_SCRIPTS:-$(dirname "$0")}/sentinel-lib.sh"
rs_require
[ -n "${RS_ROLE_DIR:-}" ] || die "RS_ROLE_DIR is empty"
here=${RS_SCRIPTS:-$(dirname "$0")}
interval=${RS_WATCH_INTERVAL:-2}
rounds=${RS_WATCH_ROUNDS:-0}
heal_after=${RS_HEAL_AFTER:-$(( ${RS_DOWN_AFTER_MS:-5000} / 1000 + 5 ))}
# PID 1 of its container ignores SIGTERM unless it traps it: stop at once (after the current
# command) instead of holding the pod for the whole termination grace period.
trap 'exit 0' TERM INT
bad_sentinel=0; bad_master=0; bad_follow=0; last_role=""

publish() {
  [ "$1" = "$last_role" ] && return 0
  if printf '%s\n' "$1" >"$RS_ROLE_DIR/.role.$$" && mv "$RS_ROLE_DIR/.role.$$" "$RS_ROLE_DIR/role"; then
    log "role: $1"; last_role=$1
  else
    rm -f "$RS_ROLE_DIR/.role.$$"
  fi
}

# is any Sentinel of the set in the middle of a failover? (fresh answers, not the round's)
failover_running() {
  for o in $(rs_ordinals); do
    h=$(rs_fqdn "$o"); [ "$o" = "$RS_ORDINAL" ] && h=127.0.0.1
    v=$(rs_sentinel_view "$h") || continue
    case ${v##* } in *failover*) return 0 ;; esac
  done
  return 1
}

n=0
while [ "$rounds" -eq 0 ] || [ "$n" -lt "$rounds" ]; do
  n=$((n + 1))
  [ "$n" -gt 1 ] && sleep "$interval"
  if ! me=$(rs_redis_info 127.0.0.1); then publish unknown; continue; fi
  my_role=$(printf '%s' "$me" | cut -d' ' -f1)
  my_master=$(printf '%s' "$me" | cut -d' ' -f2)
  my_dbsize=$(printf '%s' "$me" | cut -d' ' -f5)
  if [ "$my_role" = slave ] && [ "$my_master" = "$RS_HOLDING_HOST" ]; then
    publish holding
    # In the background: `wait` returns at once on SIGTERM (the trap), a foreground child would not.
    "${RS_SH:-sh}" "$here/sentinel-decide.sh" >/dev/null &
    wait $! || log "decision failed; retrying"
    continue
  fi
  lv=$(rs_sentinel_view 127.0.0.1) || lv=""
  local_host=$(printf '%s' "$lv" | cut -d' ' -f1)
  local_flags=$(printf '%s' "$lv" | cut -d' ' -f3)
  if [ "$my_role" != master ] || [ "$local_host" != "$RS_SELF" ]; then publish replica; fi
  now=$(date +%s)
  rs_collect
  best_host=$(printf '%s' "$RS_BEST" | cut -d' ' -f1)
  best_epoch=$(printf '%s' "$RS_BEST" | cut -d' ' -f2)
  if [ -z "$best_host" ]; then publish unknown; continue; fi
  if [ "$RS_FAILOVER_RUNNING" = 1 ]; then
    # A Sentinel is failing over: let it finish (its view of the master moves only at the end).
    bad_sentinel=0; bad_master=0; bad_follow=0
    if [ "$my_role" = master ] && [ "$best_host" = "$RS_SELF" ] && [ "$local_host" = "$RS_SELF" ]; then publish master; else publish replica; fi
    continue
  fi

  # 1. local Sentinel disagrees with the best view of the set
  if [ "$local_host" != "$best_host" ]; then
    [ "$bad_sentinel" -eq 0 ] && bad_sentinel=$now
    if [ $((now - bad_sentinel)) -ge "$heal_after" ] || [ -z "$local_host" ]; then
      log "HEAL: local Sentinel names '${local_host:-nothing}', the set names $best_host (epoch $best_epoch)"
      rs_sentinel_point "$best_host" || log "re-pointing the local Sentinel failed"
      bad_sentinel=0
    fi
  else
    bad_sentinel=0
  fi

  # 2. the named master is this pod but it is a replica
  if [ "$best_host" = "$RS_SELF" ] && [ "$my_role" = slave ]; then
    case $local_flags in
      *failover*) bad_master=0 ;;
      *) [ "$bad_master" -eq 0 ] && bad_master=$now ;;
    esac
    if [ "$bad_master" -gt 0 ] && [ $((now - bad_master)) -ge "$heal_after" ]; then
      # re-check right before acting: still a replica, still named, no Sentinel failing over
      fresh=$(rs_redis_info 127.0.0.1) || fresh=""
      lv2=$(rs_sentinel_view 127.0.0.1) || lv2=""
      if [ "${fresh%% *}" != slave ] || [ "${lv2%% *}" != "$RS_SELF" ] || failover_running; then
        log "named-master heal skipped: the situation changed or a Sentinel is failing over"
        bad_master=0
      fi
    fi
    if [ "$bad_master" -gt 0 ] && [ $((now - bad_master)) -ge "$heal_after" ]; then
      holder=$(printf '%s\n' "$RS_PEERS" | awk '$2=="yes" && $7>0 {print $1; exit}')
      if [ "$my_dbsize" -eq 0 ] && [ -z "$holder" ] && [ "$RS_REDIS_ANSWERED" -lt $((RS_REPLICAS - 1)) ]; then
        log "named master is empty and a peer did not answer: not promoting an empty pod while a peer may hold data"
      elif [ "$my_dbsize" -gt 0 ] || [ -z "$holder" ]; then
        log "HEAL: Sentinel names this pod master but it reports role:slave (of $my_master): REPLICAOF NO ONE"
        rs_cli 127.0.0.1 "$RS_REDIS_TCP" REPLICAOF NO ONE >/dev/null || log "REPLICAOF NO ONE failed"
      else
        log "HEAL: named master is empty while peers hold data: asking Sentinel to fail over"
        rs_cli 127.0.0.1 "$RS_SENTINEL_TCP" SENTINEL FAILOVER "$RS_MASTER_NAME" >/dev/null || log "SENTINEL FAILOVER refused"
      fi
      bad_master=0
    fi
  else
    bad_master=0
  fi

  # 3. this replica follows something else than the named master
  if [ "$best_host" != "$RS_SELF" ] && [ "$my_master" != "$best_host" ]; then
    [ "$bad_follow" -eq 0 ] && bad_follow=$now
    if [ $((now - bad_follow)) -ge "$heal_after" ]; then
      log "HEAL: replicating from '$my_master' ($my_role) but the set names $best_host: REPLICAOF it"
      rs_cli 127.0.0.1 "$RS_REDIS_TCP" REPLICAOF "$best_host" "$RS_REDIS_TCP" >/dev/null || log "REPLICAOF failed"
      bad_follow=0
    fi
  else
    bad_follow=0
  fi

  if [ "$my_role" = master ] && [ "$best_host" = "$RS_SELF" ] && [ "$local_host" = "$RS_SELF" ]; then
    publish master
  else
    publish replica
  fi
done
