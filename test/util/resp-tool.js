#!/usr/bin/env node
/*
 * A small Redis client for the failover suites, run inside the cluster network (a FakeHost),
 * so the test process never blocks on a probe. Password from REDIS_TOOL_AUTH. Two modes:
 *
 *   node resp-tool.js write HOST PORT PREFIX OUT [WAIT_MS]
 *     On ONE connection: `SET <prefix>:<n> <n>` then `WAIT 1 <ms>`; appends `<prefix>:<n>` to
 *     OUT only when WAIT answered >= 1 (a replica acknowledged it: the writes a failover
 *     must not lose). Any error ends the connection (logged to OUT.errors); it reconnects
 *     every 200 ms until SIGTERM and never retries a key.
 *
 *   node resp-tool.js sample OUT INTERVAL_MS MASTER_NAME REDIS_PORT SENTINEL_PORT HOST...
 *     Every INTERVAL_MS, asks every HOST (by name: the cluster's /etc/hosts) for
 *     `INFO replication` and `DBSIZE` on REDIS_PORT and `SENTINEL GET-MASTER-ADDR-BY-NAME`
 *     on SENTINEL_PORT, and appends one JSON line per round to OUT:
 *     {"t": <ms>, "pods": {"<host>": {"role", "master_host", "link", "dbsize", "sentinel"} | {"error"}}}
 */
'use strict';
const fs = require('fs');
const net = require('net');

const password = process.env.REDIS_TOOL_AUTH || '';
let stopped = false;
const sockets = new Set();
process.on('SIGTERM', () => { stopped = true; for (const s of sockets) s.destroy(); setTimeout(() => process.exit(0), 50); });

function encode(args) {
  return `*${args.length}\r\n${args.map(a => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
}

/** One RESP2 reply from `buf` at `i`: { value, next } or undefined when incomplete. Errors are { error }. */
function parse(buf, i = 0) {
  const end = buf.indexOf('\r\n', i);
  if (end < 0) return undefined;
  const type = buf[i];
  const line = buf.slice(i + 1, end);
  if (type === '+' || type === ':') return { value: line, next: end + 2 };
  if (type === '-') return { value: { error: line }, next: end + 2 };
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return { value: null, next: end + 2 };
    if (Buffer.byteLength(buf.slice(end + 2)) < len + 2) return undefined;
    return { value: buf.slice(end + 2, end + 2 + len), next: end + 2 + len + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    const items = [];
    let at = end + 2;
    for (let k = 0; k < n; k++) {
      const r = parse(buf, at);
      if (!r) return undefined;
      items.push(r.value);
      at = r.next;
    }
    return { value: n < 0 ? null : items, next: at };
  }
  throw new Error(`unexpected reply ${JSON.stringify(buf.slice(i, i + 40))}`);
}

/** A connection with call(args) → Promise of the reply (rejects on an error reply or a closed socket). */
function connect(host, port, onClose) {
  let buf = '';
  const queue = [];
  const sock = net.connect({ host, port: Number(port) });
  sockets.add(sock);
  sock.setEncoding('utf8');
  const fail = err => { while (queue.length) queue.shift().reject(err); sock.destroy(); };
  sock.on('data', d => {
    buf += d;
    for (;;) {
      let r;
      try { r = parse(buf); } catch (e) { fail(e); return; }
      if (!r) return;
      buf = buf.slice(r.next);
      const q = queue.shift();
      if (!q) continue;
      if (r.value && r.value.error) q.reject(new Error(r.value.error)); else q.resolve(r.value);
    }
  });
  sock.on('error', e => fail(e));
  sock.on('close', () => { sockets.delete(sock); fail(new Error('closed')); if (onClose) onClose(); });
  const ready = new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const call = args => new Promise((resolve, reject) => { queue.push({ resolve, reject }); sock.write(encode(args)); });
  return { sock, ready, call };
}

function write([host, port, prefix, out, waitMs = '1000']) {
  let n = 0;
  const session = () => {
    if (stopped) return;
    const c = connect(host, port, () => { if (!stopped) setTimeout(session, 200); });
    c.ready.then(async () => {
      if (password) await c.call(['AUTH', password]);
      while (!stopped) {
        n++;
        const key = `${prefix}:${n}`;
        await c.call(['SET', key, String(n)]);
        const acks = Number(await c.call(['WAIT', '1', waitMs]));
        if (acks >= 1) fs.appendFileSync(out, `${key}\n`);
      }
    }).catch(e => {
      fs.appendFileSync(`${out}.errors`, `${new Date().toISOString()} ${e.message}\n`);
      c.sock.destroy();
    });
  };
  session();
}

/** Runs commands on a fresh connection, bounded by `ms`; resolves to the replies or { error }. */
function query(host, port, commands, ms) {
  return new Promise(resolve => {
    const c = connect(host, port);
    const timer = setTimeout(() => { c.sock.destroy(); resolve({ error: 'timeout' }); }, ms);
    c.ready.then(async () => {
      if (password) await c.call(['AUTH', password]);
      const replies = [];
      for (const cmd of commands) replies.push(await c.call(cmd));
      return replies;
    }).then(r => { clearTimeout(timer); c.sock.destroy(); resolve(r); },
      e => { clearTimeout(timer); c.sock.destroy(); resolve({ error: e.message }); });
  });
}

function sample([out, intervalMs, masterName, redisPort, sentinelPort, ...hosts]) {
  const every = Number(intervalMs);
  const round = async () => {
    if (stopped) return;
    const t = Date.now();
    const pods = {};
    await Promise.all(hosts.map(async h => {
      const [r, s] = await Promise.all([
        query(h, redisPort, [['INFO', 'replication'], ['DBSIZE']], every * 0.8),
        query(h, sentinelPort, [['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]], every * 0.8),
      ]);
      if (r.error) { pods[h] = { error: r.error }; return; }
      const info = Object.fromEntries(String(r[0]).split('\r\n').filter(l => l.includes(':')).map(l => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
      pods[h] = {
        role: info.role, master_host: info.master_host, link: info.master_link_status, dbsize: Number(r[1]),
        sentinel: s.error ? null : (Array.isArray(s[0]) ? s[0][0] : null),
      };
    }));
    fs.appendFileSync(out, `${JSON.stringify({ t, pods })}\n`);
    setTimeout(round, Math.max(0, every - (Date.now() - t)));
  };
  round();
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'write') write(args);
else if (mode === 'sample') sample(args);
else { console.error('usage: resp-tool.js write|sample …'); process.exit(2); }
