#!/usr/bin/env bash
# Installs the real servers the integration tests run against (redis-server and
# redis-sentinel, MariaDB with mariadb-backup, ZooKeeper) and busybox when they are missing, so that `npm ci && npm test` is the whole
# set-up on a fresh Debian machine. Needs root and apt-get; otherwise it only warns and
# the integration tests say what is missing (they fail under CI=true).
set -u
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
{ command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } || need+=(mariadb-server)
command -v mariadb-backup >/dev/null 2>&1 || need+=(mariadb-backup)
# redis-sentinel: StatefulRedis's Sentinel mode runs `redis-server <conf> --sentinel` (what the
# redis-sentinel binary is); the package is installed so the Sentinel of the distribution is present.
command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
# curl and openssl: the Sentinel mode's labeler (curl) against the suites' HTTPS stand-in of the
# Kubernetes API, whose certificates openssl makes.
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# socat: StatefulMySql's MariaDB clone stream (the official mariadb image ships it too).
command -v socat >/dev/null 2>&1 || need+=(socat)
# busybox sh: the ordinal scripts must run in the shell of busybox-based images too.
command -v busybox >/dev/null 2>&1 || need+=(busybox)
# ZooKeeper (zkServer.sh/zkCli.sh in /usr/share/zookeeper/bin, with a JRE) for StatefulZooKeeper's
# real-server suite; nc (netcat-openbsd, as in the official zookeeper image) for its probes.
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || need+=(zookeeper)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
# shellcheck: lints every shipped script (test/shellcheck.test.ts).
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
# ip (network namespaces) and setpriv/unshare/nsenter: the kubelet sandbox of test/util/kubelet.ts.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
{ command -v setpriv && command -v unshare && command -v nsenter; } >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "${SKIP_SERVER_INSTALL:-}" = "1" ]; then
  echo "ensure-test-servers: missing ${need[*]} (SKIP_SERVER_INSTALL=1, not installing)" >&2
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-servers: missing ${need[*]}; install them (Debian: apt-get install -y ${need[*]})" >&2
  exit 0
fi
echo "ensure-test-servers: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Do not let package scripts start system services: the tests start their own servers.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
ok=0
for attempt in 1 2; do
  if apt-get install -y --no-install-recommends "${need[@]}" >/tmp/ensure-test-servers.log 2>&1; then ok=1; break; fi
  apt-get update >>/tmp/ensure-test-servers.log 2>&1 || true
done
[ "$created_policy" = 1 ] && rm -f "$policy"
if [ "$ok" != 1 ]; then
  echo "ensure-test-servers: apt-get install failed; see /tmp/ensure-test-servers.log" >&2
  tail -20 /tmp/ensure-test-servers.log >&2
  exit 1
fi
exit 0
