// A gateway in front of a server: at most --rps requests in any sliding second, else 429 with no
// Retry-After (as many gateways answer); every --blip-every-th request a load balancer's 502 page.
'use strict';
const http = require('http');
const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]).filter(([a]) => a.startsWith('--')).map(([a, v]) => [a.slice(2), v]));
const upstream = new URL(args.upstream);
const RPS = Number(args.rps || 10);
const BLIP = Number(args['blip-every'] || 0);
const HEADERS = args.headers || 'none'; // none | ratelimit | x-ratelimit
const times = [];
let count = 0, refused = 0, blips = 0;
http.createServer((req, res) => {
  const now = Date.now();
  while (times.length && now - times[0] >= 1000) times.shift();
  count++;
  if (times.length >= RPS) {
    refused++;
    const h = { 'content-type': 'application/json' };
    if (HEADERS === 'x-ratelimit') Object.assign(h, { 'x-ratelimit-limit': RPS, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': Math.ceil((times[0] + 1000) / 1000) });
    if (HEADERS === 'ratelimit') Object.assign(h, { 'ratelimit-policy': `${RPS};w=1`, 'ratelimit': `limit=${RPS}, remaining=0, reset=1` });
    res.writeHead(429, h); res.end('{"message":"Too Many Requests"}');
    return;
  }
  times.push(now);
  if (BLIP && count % BLIP === 0) {
    blips++;
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
    return;
  }
  const p = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (u) => {
    res.writeHead(u.statusCode, u.headers); u.pipe(res);
  });
  p.on('error', () => { res.writeHead(502); res.end(); });
  p.end();
}).listen(Number(args.port || 8701), '127.0.0.1', () => console.log(`gateway on ${args.port || 8701} -> ${upstream}`));
process.on('SIGTERM', () => { console.log(JSON.stringify({ count, refused, blips })); process.exit(0); });
