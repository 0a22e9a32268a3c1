#!/bin/sh
# StatefulRedis Sentinel mode (cdk8s-stateful): the labeler container (a small image
# with sh and curl, e.g. curlimages/curl). It keeps this pod's role label equal to the
# role the watchdog publishes in $RS_ROLE_FILE, by a JSON merge
# patch of the pod through the Kubernetes API, so the <name>-primary Service (selector
# role=master) follows the master. Needs only patch on the pods of its set (a Role with
# resourceNames). The token is re-read for every request (projected tokens rotate) and is
# given to curl on stdin (--config -), never on a command line.
# Env: RS_POD, RS_NAMESPACE (default: the service-account namespace file), RS_API_URL
# (default https://kubernetes.default.svc), RS_TOKEN_FILE, RS_CA_FILE, RS_ROLE_FILE,
# RS_ROLE_LABEL, RS_LABEL_INTERVAL (s), RS_LABEL_RESYNC (s), RS_LABEL_ROUNDS (0 = forever).
set -u
sa=/var/run/secrets/kubernetes.io/serviceaccount
pod=${RS_POD:-}
ns=${RS_NAMESPACE:-}
api=${RS_API_URL:-https://kubernetes.default.svc}
token_file=${RS_TOKEN_FILE:-$sa/token}
ca_file=${RS_CA_FILE:-$sa/ca.crt}
role_file=${RS_ROLE_FILE:-/var/run/cdk8s-stateful/role/role}
label=${RS_ROLE_LABEL:-redis.cdk8s-stateful.io/role}
interval=${RS_LABEL_INTERVAL:-1}
resync=${RS_LABEL_RESYNC:-60}
rounds=${RS_LABEL_ROUNDS:-0}

log() { printf '%s label-updater[%s]: %s\n' "$(date -u +%H:%M:%S)" "$pod" "$*" >&2; }
[ -n "$pod" ] || { log "RS_POD is empty"; exit 1; }
if [ -z "$ns" ]; then ns=$(cat "$sa/namespace" 2>/dev/null) || ns=""; fi
[ -n "$ns" ] || { log "no namespace (RS_NAMESPACE or $sa/namespace)"; exit 1; }
case $api in https://*) [ -r "$ca_file" ] || { log "cannot read CA file $ca_file"; exit 1; } ;; http://*) ;; *) log "bad API URL $api"; exit 1 ;; esac

patch() {
  token=$(cat "$token_file" 2>/dev/null) || { log "cannot read token file"; return 1; }
  [ -n "$token" ] || { log "token file is empty"; return 1; }
  case $token in *'"'* | *\\* | *[![:print:]]*) log "token has unexpected characters"; return 1 ;; esac
  body=$(printf '{"metadata":{"labels":{"%s":"%s"}}}' "$label" "$1")
  cacert=""
  case $api in https://*) cacert="cacert = \"$ca_file\"" ;; esac
  code=$(printf 'header = "Authorization: Bearer %s"\n%s\n' "$token" "$cacert" |
    curl --config - -sS -o /dev/null -w '%{http_code}' --max-time 5 -X PATCH \
      -H 'Content-Type: application/merge-patch+json' -H 'Accept: application/json' \
      --data-binary "$body" "$api/api/v1/namespaces/$ns/pods/$pod")
  st=$?
  [ "$st" -eq 0 ] || { log "PATCH failed (curl status $st)"; return 1; }
  case $code in 2??) return 0 ;; esac
  log "PATCH answered HTTP $code"; return 1
}

# PID 1 of its container ignores SIGTERM unless it traps it: stop at once (after the current
# command) instead of holding the pod for the whole termination grace period.
trap 'exit 0' TERM INT
last=""; since=0; n=0
while [ "$rounds" -eq 0 ] || [ "$n" -lt "$rounds" ]; do
  n=$((n + 1))
  [ "$n" -gt 1 ] && sleep "$interval"
  role=$(cat "$role_file" 2>/dev/null) || role=""
  case $role in master | replica) ;; *) role=none ;; esac
  since=$((since + interval))
  if [ "$role" != "$last" ] || [ "$since" -ge "$resync" ]; then
    if patch "$role"; then
      [ "$role" != "$last" ] && log "label $label=$role"
      last=$role; since=0
    fi
  fi
done
# bounded runs (tests) report whether the label reached the last role
[ "$last" = "$role" ]
