// The HTTPS half of test/util/api-stand-in.ts: runs inside the stand-in host's network
// namespace (node, spawned by the test). It decides nothing: every request goes to the test
// process as one JSON line on stdout, and the answer ({id, status, body}) comes back as one
// JSON line on stdin, so the test process authenticates, authorizes and applies label
// patches before the response goes out. Usage: node api-stand-in-server.js KEY CERT PORT
'use strict';
const fs = require('fs');
const https = require('https');
const readline = require('readline');

const [key, cert, port] = process.argv.slice(2);
const pending = new Map();
let next = 0;

readline.createInterface({ input: process.stdin }).on('line', line => {
  let msg;
  try { msg = JSON.parse(line); } catch { return; }
  const p = pending.get(msg.id);
  if (!p) return;
  pending.delete(msg.id);
  clearTimeout(p.timer);
  const body = msg.body === undefined ? '' : JSON.stringify(msg.body);
  p.res.writeHead(msg.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  p.res.end(body);
});
// The test went away: nothing more to answer.
process.stdin.on('end', () => process.exit(0));

const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const id = ++next;
    const timer = setTimeout(() => {
      pending.delete(id);
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{"message":"stand-in: the test process did not answer"}');
    }, 10000);
    pending.set(id, { res, timer });
    process.stdout.write(JSON.stringify({
      id,
      method: req.method,
      path: req.url,
      contentType: req.headers['content-type'] || '',
      authorization: req.headers.authorization || '',
      body: Buffer.concat(chunks).toString('utf8'),
      remote: (req.socket.remoteAddress || '').replace(/^::ffff:/, ''),
    }) + '\n');
  });
});
server.listen(Number(port), '0.0.0.0', () => process.stdout.write(JSON.stringify({ ready: true }) + '\n'));
