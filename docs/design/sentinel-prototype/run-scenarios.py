#!/usr/bin/env python3
"""Prototype harness for the StatefulRedis Sentinel mode (not shipped; throwaway).

Runs 3 "pods" (redis-server + redis-sentinel + watchdog.sh + label-updater.sh), each in
its own network namespace (198.18.77.0/24 on a bridge living in its own namespace) with
its own UTS/mount namespace, hostname and bind-mounted /etc/hosts, and checks the seven
scenarios of issue 13 with bounded loops. Pod 2 runs the scripts under busybox ash with
busybox applets first in PATH; pods 0 and 1 under dash. Needs root. Cleans up on exit.
"""
import ctypes, http.server, json, os, random, shutil, signal, socket, ssl, string
import subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = '/tmp/sproto-run'
PFX = 'sproto'
NET = '198.18.77.'
CLIENT_IP = NET + '100'
SET, DOMAIN, MASTER = 'cache', 'cache-headless.default.svc.cluster.local', 'mymaster'
N = 3
PW = ''.join(random.choice(string.ascii_letters + string.digits) for _ in range(24))
TOKEN = 'tok-' + ''.join(random.choice(string.ascii_letters) for _ in range(20))
addr = {i: NET + str(10 + i) for i in range(N)}
pods = {}           # ordinal -> Popen
results = []        # (scenario, ok, text)
T0 = time.time()
# --control: negative control. decide.sh is replaced by the static "ordinal 0 is the master"
# rule the failure reports describe, and the watchdog never heals; scenarios 1-3 must then
# FAIL (two masters after the old master returns), proving the checks can see a split brain.
CONTROL = '--control' in sys.argv
SCRIPTS = BASE + '/control-scripts' if CONTROL else HERE
NAIVE_DECIDE = '''#!/bin/sh
set -u
. "$RS_SCRIPTS/sentinel-lib.sh"
rs_require
if [ "$RS_ORDINAL" = 0 ]; then
  rs_cli 127.0.0.1 "$RS_REDIS_TCP" REPLICAOF NO ONE >/dev/null || exit 1
  rs_sentinel_point "$RS_SELF" || exit 1
else
  rs_cli 127.0.0.1 "$RS_REDIS_TCP" REPLICAOF "$(rs_fqdn 0)" "$RS_REDIS_TCP" >/dev/null || exit 1
  rs_sentinel_point "$(rs_fqdn 0)" || exit 1
fi
'''


def log(*a):
    print('[%6.1fs]' % (time.time() - T0), *a, flush=True)


def sh(cmd, check=True, timeout=20):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError('%s: %s %s' % (cmd, r.stdout, r.stderr))
    return r


def fqdn(i):
    return '%s-%d.%s' % (SET, i, DOMAIN)


def ordinal(host):
    try:
        return int(host.split('.')[0].rsplit('-', 1)[1])
    except Exception:
        return None


# ---------------------------------------------------------------- RESP client
class RErr(Exception):
    pass


class R:
    def __init__(self, host, port, timeout=2.0, auth=True):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.f = self.s.makefile('rb')
        if auth:
            self.cmd('AUTH', PW)

    def cmd(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = str(a).encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError('closed')
        t, rest = line[:1], line[1:-2]
        if t == b'+':
            return rest.decode()
        if t == b'-':
            raise RErr(rest.decode())
        if t == b':':
            return int(rest)
        if t == b'$':
            n = int(rest)
            if n < 0:
                return None
            d = self.f.read(n + 2)[:-2]
            return d.decode()
        if t == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RErr('bad reply %r' % line)

    def close(self):
        try:
            self.s.close()
        except Exception:
            pass


def q(i, *args, port=6379, timeout=1.5):
    """one command to pod i; None when it does not answer"""
    try:
        c = R(addr[i], port, timeout)
        try:
            return c.cmd(*args)
        finally:
            c.close()
    except Exception:
        return None


def info(i):
    r = q(i, 'INFO', 'replication')
    if r is None:
        return None
    d = {}
    for line in r.splitlines():
        if ':' in line:
            k, v = line.split(':', 1)
            d[k] = v
    return d


def sentinel_master(i):
    r = q(i, 'SENTINEL', 'get-master-addr-by-name', MASTER, port=26379)
    return r[0] if r else None


def snapshot():
    roles = {i: info(i) for i in range(N)}
    sents = {i: sentinel_master(i) for i in range(N)}
    return roles, sents


def masters(roles):
    return [i for i, d in roles.items() if d and d.get('role') == 'master']


def healthy(expect_n=N):
    """exactly one master, all answering replicas linked to it, all Sentinels name it"""
    roles, sents = snapshot()
    m = masters(roles)
    if len(m) != 1:
        return None
    mh = fqdn(m[0])
    reps = [i for i in range(N) if i != m[0]]
    for i in reps:
        d = roles[i]
        if not d or d.get('role') != 'slave' or d.get('master_host') != mh or d.get('master_link_status') != 'up':
            return None
    if any(sents[i] != mh for i in range(N)):
        return None
    return m[0]


def wait_for(fn, limit, step=0.25):
    end = time.time() + limit
    while time.time() < end:
        v = fn()
        if v is not None and v is not False:
            return v
        time.sleep(step)
    return None


# ---------------------------------------------------------------- Kubernetes API stand-in
LABELS = {}             # pod -> role label
REQUESTS = []
LABEL_KEY = 'redis.cdk8s-stateful.io/role'


class StandIn(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_PATCH(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n).decode()
        REQUESTS.append({'method': 'PATCH', 'path': self.path, 'body': body,
                         'auth': self.headers.get('Authorization'),
                         'ctype': self.headers.get('Content-Type')})
        ok = self.headers.get('Authorization') == 'Bearer ' + TOKEN
        pre = '/api/v1/namespaces/default/pods/'
        if not ok:
            self.send_response(401); self.end_headers(); return
        if not self.path.startswith(pre) or self.headers.get('Content-Type') != 'application/merge-patch+json':
            self.send_response(400); self.end_headers(); return
        try:
            role = json.loads(body)['metadata']['labels'][LABEL_KEY]
        except Exception:
            self.send_response(422); self.end_headers(); return
        LABELS[self.path[len(pre):]] = role
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(b'{}')

    def do_GET(self):
        self.send_response(405); self.end_headers()


def serve(host, port, tls=None):
    srv = http.server.ThreadingHTTPServer((host, port), StandIn)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---------------------------------------------------------------- sandbox
def hosts_text():
    t = '127.0.0.1 localhost\n%s client\n' % CLIENT_IP
    for i in range(N):
        t += '%s %s %s-%d.cache-headless %s-%d\n' % (addr[i], fqdn(i), SET, i, SET, i)
    return t


def write_hosts():
    for i in range(N):
        p = '%s/pod%d/hosts' % (BASE, i)
        with open(p, 'r+' if os.path.exists(p) else 'w') as f:   # same inode: bind mounts see it
            f.seek(0); f.truncate(); f.write(hosts_text())


def netns_pod(i, create=True):
    ns = '%s-p%d' % (PFX, i)
    sh('ip netns del %s' % ns, check=False)
    sh('ip -n %s-br link del vp%d' % (PFX, i), check=False)
    if not create:
        return
    sh('ip netns add %s' % ns)
    sh('ip -n %s link set lo up' % ns)
    sh('ip -n %s-br link add vp%d type veth peer name eth0 netns %s' % (PFX, i, ns))
    sh('ip -n %s-br link set vp%d master br0 up' % (PFX, i))
    sh('ip -n %s addr add %s/24 dev eth0' % (ns, addr[i]))
    sh('ip -n %s link set eth0 up' % ns)


def setup():
    cleanup_net()
    shutil.rmtree(BASE, ignore_errors=True)
    os.makedirs(BASE + '/bin-busybox')
    for app in ['sed', 'awk', 'cut', 'sort', 'head', 'tr', 'timeout', 'cat', 'date', 'mv', 'rm',
                'mkdir', 'dirname', 'sleep', 'ash', 'sh']:
        os.symlink('/usr/bin/busybox', '%s/bin-busybox/%s' % (BASE, app))
    with open(BASE + '/password', 'w') as f:
        f.write(PW)
    with open(BASE + '/token', 'w') as f:
        f.write(TOKEN + '\n')
    for i in range(N):
        os.makedirs('%s/pod%d/data' % (BASE, i))
        os.makedirs('%s/pod%d/run' % (BASE, i))
    write_hosts()
    if CONTROL:
        os.makedirs(SCRIPTS)
        for f in os.listdir(HERE):
            if f.endswith('.sh'):
                shutil.copy(os.path.join(HERE, f), SCRIPTS)
        with open(SCRIPTS + '/decide.sh', 'w') as f:
            f.write(NAIVE_DECIDE)
    sh('ip netns add %s-br' % PFX)
    sh('ip -n %s-br link set lo up' % PFX)
    sh('ip -n %s-br link add br0 type bridge' % PFX)
    sh('ip -n %s-br link set br0 up' % PFX)
    for i in range(N):
        netns_pod(i)
    ns = '%s-cl' % PFX
    sh('ip netns add %s' % ns)
    sh('ip -n %s link set lo up' % ns)
    sh('ip -n %s-br link add vcl type veth peer name eth0 netns %s' % (PFX, ns))
    sh('ip -n %s-br link set vcl master br0 up' % PFX)
    sh('ip -n %s addr add %s/24 dev eth0' % (ns, CLIENT_IP))
    sh('ip -n %s link set eth0 up' % ns)
    # the harness itself now lives in the client namespace (threads created later too)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/%s' % ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), 'setns')
    os.close(fd)


POD_SCRIPT = r'''
set -u
mount --bind "$POD_DIR/hosts" /etc/hosts || exit 1
hostname "$RS_POD" || exit 1
cd /
"$RS_SH" "$RS_SCRIPTS/redis-config.sh" || exit 1
redis-server "$RS_RUN_DIR/redis.conf" --logfile "$POD_DIR/redis.log" &
"$RS_SH" "$RS_SCRIPTS/sentinel-config.sh" 2>>"$POD_DIR/sentinel.log" || exit 1
redis-sentinel "$RS_DATA_DIR/sentinel/sentinel.conf" --logfile "$POD_DIR/sentinel.log" &
"$RS_SH" "$RS_SCRIPTS/watchdog.sh" 2>>"$POD_DIR/watchdog.log" &
"$RS_SH" "$RS_SCRIPTS/label-updater.sh" 2>>"$POD_DIR/label.log" &
wait
'''


def start_pod(i):
    d = '%s/pod%d' % (BASE, i)
    env = {
        'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'POD_DIR': d, 'RS_POD': '%s-%d' % (SET, i), 'RS_SET': SET, 'RS_DOMAIN': DOMAIN,
        'RS_REPLICAS': str(N), 'RS_PASSWORD_FILE': BASE + '/password', 'RS_DATA_DIR': d + '/data',
        'RS_RUN_DIR': d + '/run', 'RS_SCRIPTS': SCRIPTS, 'RS_DOWN_AFTER_MS': '5000',
        'RS_FAILOVER_TIMEOUT_MS': '20000', 'RS_WATCH_INTERVAL': '1',
        'RS_API_URL': 'http://%s:8080' % CLIENT_IP, 'RS_NAMESPACE': 'default',
        'RS_TOKEN_FILE': BASE + '/token', 'RS_SH': 'sh',
        'RS_MIN_REPLICAS_TO_WRITE': os.environ.get('MIN_REPLICAS_TO_WRITE', '1'),
        'RS_HEAL_AFTER': '100000' if CONTROL else '',
    }
    if i == 2:   # busybox ash with busybox applets first, like redis:*-alpine
        env['PATH'] = BASE + '/bin-busybox:' + env['PATH']
        env['RS_SH'] = BASE + '/bin-busybox/ash'
    cmd = ['ip', 'netns', 'exec', '%s-p%d' % (PFX, i), 'unshare', '--mount', '--uts', '--propagation', 'private',
           'sh', '-c', POD_SCRIPT]
    pods[i] = subprocess.Popen(cmd, env=env, start_new_session=True,
                               stdout=open(d + '/pod.out', 'a'), stderr=subprocess.STDOUT)


def ready(i):
    """readiness.sh run inside pod i's network namespace, under the pod's shell"""
    env = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'RS_POD': '%s-%d' % (SET, i),
           'RS_SET': SET, 'RS_DOMAIN': DOMAIN, 'RS_PASSWORD_FILE': BASE + '/password', 'RS_SCRIPTS': SCRIPTS}
    shell = 'sh'
    if i == 2:
        env['PATH'] = BASE + '/bin-busybox:' + env['PATH']
        shell = BASE + '/bin-busybox/ash'
    r = subprocess.run(['ip', 'netns', 'exec', '%s-p%d' % (PFX, i), shell, SCRIPTS + '/readiness.sh'],
                       env=env, capture_output=True, timeout=15)
    return r.returncode == 0


def kill_pod(i, forget_labels=True):
    p = pods.pop(i, None)
    if p:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except Exception:
            pass
    if forget_labels:   # a recreated pod object starts without the role label
        LABELS.pop('%s-%d' % (SET, i), None)


def cleanup_net():
    for n in ['%s-p%d' % (PFX, i) for i in range(N)] + ['%s-cl' % PFX, '%s-br' % PFX]:
        subprocess.run(['ip', 'netns', 'del', n], capture_output=True)


def cleanup():
    for i in list(pods):
        kill_pod(i)
    cleanup_net()
    keep = '/tmp/sproto-logs/%s%s' % (time.strftime('%H%M%S', time.gmtime(T0)), '-control' if CONTROL else '')
    for i in range(N):
        d = '%s/pod%d' % (BASE, i)
        if os.path.isdir(d):
            os.makedirs('%s/pod%d' % (keep, i), exist_ok=True)
            for f in os.listdir(d):
                if f.endswith('.log') or f.endswith('.out'):
                    shutil.copy(os.path.join(d, f), '%s/pod%d/' % (keep, i))
    log('logs kept in ' + keep)


# ---------------------------------------------------------------- writers
ACKED = set()


def write_batch(m, start, count):
    """SET + WAIT 1 1000 per key on master m; returns acknowledged keys"""
    ok = []
    c = R(addr[m], 6379, 2)
    try:
        for k in range(start, start + count):
            c.cmd('SET', 'k%d' % k, 'v%d' % k)
            if c.cmd('WAIT', 1, 1000) >= 1:
                ok.append(k)
    finally:
        c.close()
    return ok


class Writer(threading.Thread):
    def __init__(self, m, start):
        super().__init__(daemon=True)
        self.m, self.k, self.acked, self.stop = m, start, [], False

    def run(self):
        try:
            c = R(addr[self.m], 6379, 2)
            while not self.stop:
                c.cmd('SET', 'k%d' % self.k, 'v%d' % self.k)
                if c.cmd('WAIT', 1, 1000) >= 1:
                    self.acked.append(self.k)
                self.k += 1
        except Exception:
            pass


def missing_on(i, keys):
    keys = sorted(keys)
    miss = 0
    c = R(addr[i], 6379, 5)
    try:
        for j in range(0, len(keys), 500):
            part = keys[j:j + 500]
            vals = c.cmd('MGET', *['k%d' % k for k in part])
            miss += sum(1 for k, v in zip(part, vals) if v != 'v%d' % k)
    finally:
        c.close()
    return miss


def record(name, ok, text):
    results.append((name, ok, text))
    log(('PASS ' if ok else 'FAIL ') + name + ': ' + text)


def live_label_masters():
    return sorted(p for p, r in LABELS.items() if r == 'master' and ordinal(p + '.x') in pods)


# ---------------------------------------------------------------- scenarios
def s1():
    t = time.time()
    for i in range(N):
        start_pod(i)
    m = wait_for(healthy, 60)
    dt = time.time() - t
    if m is None:
        roles, sents = snapshot()
        record('1 parallel start', False, 'not converged in 60 s: roles=%s sentinels=%s' % (
            {i: (d or {}).get('role') for i, d in roles.items()}, sents))
        return None
    # every Sentinel sees 2 replicas and 2 other Sentinels
    full = wait_for(lambda: all(
        (lambda r: r and dict(zip(r[::2], r[1::2])).get('num-slaves') == '2'
         and dict(zip(r[::2], r[1::2])).get('num-other-sentinels') == '2')(q(i, 'SENTINEL', 'MASTER', MASTER, port=26379))
        for i in range(N)), 30)
    rd = [ready(i) for i in range(N)]
    record('1 parallel start', m == 0 and bool(full) and all(rd),
           'master=ordinal %d after %.1f s; 2 replicas linked; 3 Sentinels agree; topology complete=%s; readiness.sh %s' % (
               m, dt, bool(full), rd))
    return m


def s2(m):
    ACKED.update(write_batch(m, 0, 300))
    w = Writer(m, 100000)
    w.start()
    time.sleep(1.5)
    t = time.time()
    kill_pod(m)
    w.stop = True
    w.join(5)
    ACKED.update(w.acked)
    old = fqdn(m)

    def promoted():
        roles, sents = snapshot()
        ms = [i for i in masters(roles) if i != m]
        if len(ms) == 1 and all(sents[i] == fqdn(ms[0]) for i in range(N) if i != m):
            return ms[0]
        return None
    nm = wait_for(promoted, 30, 0.1)
    dt = time.time() - t
    if nm is None:
        record('2 SIGKILL master', False, 'no promotion within 30 s')
        return None, m
    lost = missing_on(nm, ACKED)
    record('2 SIGKILL master', lost == 0 and dt <= 30,
           'ordinal %d promoted %.1f s after SIGKILL of %s; %d acknowledged writes (%d by a writer running until the kill), lost %d' % (
               nm, dt, old.split('.')[0], len(ACKED), len(w.acked), lost))
    # 7b: the role label follows the master
    lm = wait_for(lambda: live_label_masters() == ['%s-%d' % (SET, nm)] or None, 15)
    record('7b label follows failover', bool(lm), 'labelled master among live pods: %s (expected %s-%d); %d PATCH requests seen' % (
        live_label_masters(), SET, nm, len(REQUESTS)))
    return nm, m


def s3(nm, old):
    addr[old] = NET + str(20 + old)
    netns_pod(old)
    write_hosts()
    t = time.time()
    start_pod(old)
    two = 0
    joined_at = None
    for _ in range(30):
        roles, _s = snapshot()
        if len(masters(roles)) > 1:
            two += 1
        d = roles[old]
        if joined_at is None and d and d.get('role') == 'slave' and d.get('master_host') == fqdn(nm) and d.get('master_link_status') == 'up':
            joined_at = time.time() - t
        time.sleep(1)
    h = healthy()
    record('3 old master, new address', two == 0 and joined_at is not None and h == nm,
           'old master %s now at %s joined as replica after %s s; seconds with two masters: %d/30; healthy=%s' % (
               old, addr[old], '%.1f' % joined_at if joined_at else 'never', two, h is not None))
    # does every Sentinel see the returning pod as a healthy replica (hostname re-resolved)?
    def rep_flags():
        out = {}
        for i in range(N):
            r = q(i, 'SENTINEL', 'REPLICAS', MASTER, port=26379) or []
            for e in r:
                d = dict(zip(e[::2], e[1::2]))
                if d.get('ip') == fqdn(old):
                    out[i] = d.get('flags')
        return out
    fl = rep_flags()
    log('   Sentinels\' flags for the returning replica %s: %s' % (fqdn(old).split('.')[0], fl))


def s4(m):
    """kill the master and bring it straight back with an EMPTY data dir (before failover)"""
    ACKED.update(write_batch(m, 200000, 300))
    t = time.time()
    kill_pod(m)
    shutil.rmtree('%s/pod%d/data' % (BASE, m))
    os.makedirs('%s/pod%d/data' % (BASE, m))
    start_pod(m)
    empty_master_seen = 0
    unready_seen = 0
    for _ in range(120):
        if not ready(m):
            unready_seen += 1
        d = info(m)
        if d and d.get('role') == 'master':
            n = q(m, 'DBSIZE')
            if n == 0:
                empty_master_seen += 1
        if healthy() is not None:
            break
        time.sleep(0.25)
    nm = wait_for(healthy, 60)
    dt = time.time() - t
    if nm is None:
        record('4 old master back EMPTY', False, 'no healthy set within 90 s')
        return None
    lost = missing_on(nm, ACKED)
    lost_r = missing_on(m, ACKED) if nm != m else 0
    rd_after = wait_for(lambda: ready(m) or None, 20)
    record('4 old master back EMPTY', lost == 0 and empty_master_seen == 0 and unready_seen > 0 and bool(rd_after),
           'pod %d restarted empty ~0 s after SIGKILL; healthy after %.1f s, master now ordinal %d, the emptied pod is %s; '
           'empty-master observations: %d; %d acknowledged writes, lost on master %d, missing on the re-seeded pod %d; '
           'readiness.sh: not ready in %d polls while holding/syncing, ready afterwards=%s' % (
               m, dt, nm, 'master (re-seeded first)' if nm == m else 'a replica', empty_master_seen, len(ACKED), lost, lost_r,
               unready_seen, bool(rd_after)))
    return nm


def s5(m):
    ACKED.update(write_batch(m, 300000, 300))
    for i in list(pods):
        kill_pod(i)
    t = time.time()
    for i in range(N):
        start_pod(i)
    two = 0
    end = time.time() + 60
    nm = None
    while time.time() < end:
        roles, _s = snapshot()
        if len(masters(roles)) > 1:
            two += 1
        nm = healthy()
        if nm is not None:
            break
        time.sleep(0.25)
    dt = time.time() - t
    if nm is None:
        record('5 full restart', False, 'no healthy set within 60 s')
        return None
    lost = missing_on(nm, ACKED)
    record('5 full restart', lost == 0 and two == 0,
           'one master (ordinal %d, was %d) %.1f s after restarting all pods; observations with two masters: %d; %d acknowledged writes, lost %d' % (
               nm, m, dt, two, len(ACKED), lost))
    return nm


def s6(m):
    r = [i for i in range(N) if i != m][0]
    t = time.time()
    q(m, 'REPLICAOF', fqdn(r), 6379)
    two = 0
    nm = None
    end = time.time() + 60
    while time.time() < end:
        roles, _s = snapshot()
        if len(masters(roles)) > 1:
            two += 1
        if time.time() - t > 1:
            nm = healthy()
            if nm is not None:
                break
        time.sleep(0.5)
    dt = time.time() - t
    if nm is None:
        roles, sents = snapshot()
        record('6 named master made replica', False, 'not healed in 60 s: roles=%s sentinels=%s' % (
            {i: ((d or {}).get('role'), (d or {}).get('master_host')) for i, d in roles.items()}, sents))
        return None
    lost = missing_on(nm, ACKED)
    lm = wait_for(lambda: live_label_masters() == ['%s-%d' % (SET, nm)] or None, 15)
    record('6 named master made replica', lost == 0 and dt <= 60 and two == 0 and bool(lm),
           'REPLICAOF %s on master %d: healed after %.1f s (master now ordinal %d), observations with two masters: %d, '
           '%d acknowledged writes, lost %d; label master=%s' % (
               fqdn(r).split('.')[0], m, dt, nm, two, len(ACKED), lost, live_label_masters() if lm else 'WRONG %s' % live_label_masters()))
    return nm


def s5b(m):
    """redis/redis#13658 shape: the master dies, a replica is promoted, then EVERY pod dies and
    all restart at once; the old master's Sentinel state still names itself (lower epoch)"""
    ACKED.update(write_batch(m, 400000, 300))
    kill_pod(m)
    t = time.time()

    def promoted():
        roles, sents = snapshot()
        ms = [i for i in masters(roles) if i != m]
        if len(ms) == 1 and all(sents[i] == fqdn(ms[0]) for i in range(N) if i != m):
            return ms[0]
        return None
    nm = wait_for(promoted, 30, 0.1)
    if nm is None:
        record('5b full restart after failover', False, 'no promotion within 30 s')
        return None
    dt_fail = time.time() - t
    stale = open('%s/pod%d/data/sentinel/sentinel.conf' % (BASE, m)).read()
    stale_self = ('monitor %s %s' % (MASTER, fqdn(m))) in stale
    for i in list(pods):
        kill_pod(i)
    t = time.time()
    for i in range(N):
        start_pod(i)
    two = 0
    got = None
    end = time.time() + 60
    while time.time() < end:
        roles, _s = snapshot()
        if len(masters(roles)) > 1:
            two += 1
        got = healthy()
        if got is not None:
            break
        time.sleep(0.25)
    dt = time.time() - t
    if got is None:
        record('5b full restart after failover', False, 'no healthy set within 60 s')
        return None
    lost = missing_on(got, ACKED)
    record('5b full restart after failover', lost == 0 and two == 0 and got != m,
           'old master %d killed, ordinal %d promoted in %.1f s, then all pods killed and restarted (old master\'s '
           'Sentinel state names itself: %s); one master (ordinal %d) after %.1f s; observations with two masters: %d; '
           '%d acknowledged writes, lost %d' % (m, nm, dt_fail, stale_self, got, dt, two, len(ACKED), lost))
    return got


def s7_unit():
    """label-updater.sh against a local HTTPS stand-in (self-signed CA), then a wrong token"""
    d = BASE + '/s7'
    os.makedirs(d)
    sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/ca.crt -days 1 '
       '-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1' % (d, d))
    srv = serve('127.0.0.1', 8443, (d + '/ca.crt', d + '/key.pem'))
    with open(d + '/role', 'w') as f:
        f.write('master\n')
    env = dict(os.environ, RS_POD='cache-1', RS_NAMESPACE='default', RS_API_URL='https://127.0.0.1:8443',
               RS_TOKEN_FILE=BASE + '/token', RS_CA_FILE=d + '/ca.crt', RS_ROLE_FILE=d + '/role',
               RS_LABEL_ROUNDS='1')
    REQUESTS.clear()
    ok_all = True
    texts = []
    for shell in ['dash', 'busybox ash']:
        REQUESTS.clear()
        r = subprocess.run('%s %s/label-updater.sh' % (shell, HERE), shell=True, env=env, capture_output=True, text=True, timeout=20)
        req = REQUESTS[0] if REQUESTS else {}
        ok = (r.returncode == 0 and len(REQUESTS) == 1 and req.get('method') == 'PATCH'
              and req.get('path') == '/api/v1/namespaces/default/pods/cache-1'
              and json.loads(req.get('body') or '{}') == {'metadata': {'labels': {LABEL_KEY: 'master'}}}
              and req.get('auth') == 'Bearer ' + TOKEN and req.get('ctype') == 'application/merge-patch+json')
        ok_all &= ok
        texts.append('%s: %s' % (shell, 'PATCH/path/body/token/content-type OK' if ok else 'BAD %r rc=%d %s' % (req, r.returncode, r.stderr)))
    # wrong token: the stand-in answers 401, the updater must report failure
    with open(d + '/bad-token', 'w') as f:
        f.write('nope\n')
    r = subprocess.run('dash %s/label-updater.sh' % HERE, shell=True, env=dict(env, RS_TOKEN_FILE=d + '/bad-token'),
                       capture_output=True, text=True, timeout=20)
    ok_all &= r.returncode != 0
    texts.append('wrong token -> exit %d (%s)' % (r.returncode, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''))
    # wrong CA: curl must refuse the server
    sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/k2.pem -out %s/other-ca.crt -days 1 -subj /CN=other' % (d, d))
    REQUESTS.clear()
    r = subprocess.run('dash %s/label-updater.sh' % HERE, shell=True, env=dict(env, RS_CA_FILE=d + '/other-ca.crt'),
                       capture_output=True, text=True, timeout=20)
    ok_all &= r.returncode != 0 and not REQUESTS
    texts.append('untrusted CA -> exit %d, requests reaching the stand-in: %d' % (r.returncode, len(REQUESTS)))
    srv.shutdown()
    record('7a label updater vs stand-in', ok_all, '; '.join(texts))


def main():
    if os.geteuid() != 0:
        sys.exit('needs root')
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        setup()
        if CONTROL:
            serve(CLIENT_IP, 8080)
            m = s1()
            if m is not None:
                nm, old = s2(m)
                if nm is not None:
                    s3(nm, old)
            return
        if '--s1-only' in sys.argv:
            serve(CLIENT_IP, 8080)
            s1()
            if '--keep' in sys.argv:   # debugging: leave the pods up for 60 s
                time.sleep(60)
            return
        s7_unit()
        serve(CLIENT_IP, 8080)
        m = s1()
        if m is not None:
            nm, old = s2(m)
            if nm is not None:
                s3(nm, old)
                m4 = s4(nm)
                if m4 is not None:
                    m5 = s5(m4)
                    if m5 is not None:
                        m6 = s6(m5)
                        if m6 is not None:
                            s5b(m6)
    finally:
        cleanup()
        report()


def report():
    print('\n==== summary (%.0f s) ====' % (time.time() - T0))
    for name, ok, text in results:
        print('%s  %-30s %s' % ('PASS' if ok else 'FAIL', name, text))
    heals = subprocess.run('grep -h -E "HEAL|EMPTY|bootstrap" %s/pod*/watchdog.log | sort' % BASE, shell=True,
                           capture_output=True, text=True).stdout
    print('watchdog decisions and heals:\n' + heals)
    print('logs: /tmp/sproto-logs/<start time>/pod*/{redis,sentinel,watchdog,label}.log')
    if CONTROL:
        caught = any(name.startswith('3') and not ok for name, ok, _ in results)
        print('negative control: the split brain was %s' % ('DETECTED (expected)' if caught else 'NOT detected'))
        sys.exit(0 if caught else 1)
    sys.exit(0 if results and all(ok for _, ok, _ in results) and len(results) >= 9 else 1)


if __name__ == '__main__':
    main()
