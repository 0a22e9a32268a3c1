#!/usr/bin/env node
/*
 * A Redis client for the failover suites: on ONE connection it writes `SET <prefix>:<n> <n>`
 * then `WAIT 1 <ms>`, and appends `<prefix>:<n>` to OUT only when WAIT answered >= 1 (a
 * replica acknowledged it: the writes a Sentinel failover must not lose). Any error ends
 * the connection; it reconnects every 200 ms until SIGTERM. It never retries a key.
 *
 * Usage: node resp-writer.js HOST PORT PREFIX OUT [WAIT_MS]   (password in REDIS_WRITER_AUTH)
 */
'use strict';
const fs = require('fs');
const net = require('net');

const [host, port, prefix, out, waitMs = '1000'] = process.argv.slice(2);
const password = process.env.REDIS_WRITER_AUTH || '';
let n = 0;
let stopped = false;
let sock;
process.on('SIGTERM', () => { stopped = true; if (sock) sock.destroy(); setTimeout(() => process.exit(0), 50); });

function encode(args) {
  return `*${args.length}\r\n${args.map(a => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
}

/** Reads one RESP reply (simple, error, integer, bulk) from the buffer; undefined if incomplete. */
function parse(buf) {
  const end = buf.indexOf('\r\n');
  if (end < 0) return undefined;
  const type = buf[0];
  const line = buf.slice(1, end);
  if (type === '+' || type === '-' || type === ':') return { value: { type, line }, rest: buf.slice(end + 2) };
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return { value: { type, line: null }, rest: buf.slice(end + 2) };
    if (buf.length < end + 2 + len + 2) return undefined;
    return { value: { type, line: buf.slice(end + 2, end + 2 + len) }, rest: buf.slice(end + 2 + len + 2) };
  }
  throw new Error(`unexpected reply ${JSON.stringify(buf.slice(0, 40))}`);
}

function session() {
  if (stopped) return;
  let buf = '';
  const queue = [];
  const call = args => new Promise((resolve, reject) => { queue.push({ resolve, reject }); sock.write(encode(args)); });
  sock = net.connect({ host, port: Number(port) });
  sock.setEncoding('utf8');
  const fail = err => {
    while (queue.length) queue.shift().reject(err);
    sock.destroy();
  };
  sock.on('data', d => {
    buf += d;
    for (;;) {
      let r;
      try { r = parse(buf); } catch (e) { fail(e); return; }
      if (!r) return;
      buf = r.rest;
      const q = queue.shift();
      if (!q) continue;
      if (r.value.type === '-') q.reject(new Error(r.value.line)); else q.resolve(r.value.line);
    }
  });
  sock.on('error', e => fail(e));
  sock.on('close', () => { fail(new Error('closed')); if (!stopped) setTimeout(session, 200); });
  sock.on('connect', async () => {
    try {
      if (password) await call(['AUTH', password]);
      while (!stopped) {
        n++;
        const key = `${prefix}:${n}`;
        await call(['SET', key, String(n)]);
        const acks = Number(await call(['WAIT', '1', waitMs]));
        if (acks >= 1) fs.appendFileSync(out, `${key}\n`);
      }
    } catch (e) {
      fs.appendFileSync(`${out}.errors`, `${new Date().toISOString()} ${e.message}\n`);
      sock.destroy();
    }
  });
}
session();
