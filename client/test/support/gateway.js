'use strict';

// API Gateway in front of wxauth-dev, for what only the gateway does: routes
// given limits (template.yaml's RouteSettings) are throttled as API Gateway
// throttles them, a token bucket per route and its bare 429 beyond. Every
// request it admits is passed to wxauth-dev, which itself answers a team's
// own route (GET /example/me) behind the authorizer's decision, with API
// Gateway's bare 401 and 403.
const http = require('node:http');

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function pass(upstream, req, res) {
  const body = await readBody(req);
  const headers = Object.assign({}, req.headers);
  delete headers.host;
  delete headers['content-length'];
  const answer = await fetch(`${upstream}${req.url}`, {
    method: req.method,
    headers,
    body: body.length ? body : undefined,
  });
  const out = {};
  answer.headers.forEach((value, key) => {
    out[key] = value;
  });
  delete out['content-encoding'];
  delete out['content-length'];
  res.writeHead(answer.status, out);
  res.end(Buffer.from(await answer.arrayBuffer()));
}

/** A token bucket: `burst` requests at once, refilled at `rate` a second. */
function bucket({ rate, burst }) {
  let tokens = burst;
  let last = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/**
 * Starts the gateway in front of `server`; resolves { url, stop(), passed(key) }.
 * `limits` maps route keys ('POST /auth/login') to { rate, burst }; `passed`
 * counts the requests of a route key that reached the server.
 */
function startGateway(server, limits = {}) {
  const buckets = new Map(Object.entries(limits).map(([key, limit]) => [key, bucket(limit)]));
  const passed = new Map();
  const gateway = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://gateway');
    const key = `${req.method} ${pathname}`;
    const admit = buckets.get(key);
    if (admit && !admit()) return reply(res, 429, { message: 'Too Many Requests' });
    passed.set(key, (passed.get(key) || 0) + 1);
    pass(server.url, req, res).catch((err) => reply(res, 502, { message: err.message }));
  });
  return new Promise((resolve) => {
    gateway.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${gateway.address().port}`,
        stop: () => new Promise((done) => gateway.close(done)),
        passed: (key) => passed.get(key) || 0,
      });
    });
  });
}

module.exports = { startGateway };
