'use strict';

// API Gateway in front of wxauth-dev, for the example's own route: the local
// server serves wxauth's routes but not a team's routes behind the authorizer
// (template.yaml's GET /example/me). This stands in for the gateway and the
// authorizer the way the deployed stack behaves: every other path is passed
// to wxauth-dev; /example/me gets API Gateway's bare 401 without a token, its
// bare 403 for a token the authorizer denies (bad signature, expired, or its
// session ended), else functions/example-me's answer from the token's claims.
// Routes given limits (template.yaml's RouteSettings) are throttled as API
// Gateway throttles them: a token bucket per route, and its bare 429 beyond.
const crypto = require('node:crypto');
const http = require('node:http');

const LEEWAY_SECS = 30; // as the authorizer's verifier

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The token's claims when its RS256 signature is one of the JWKS keys, else null. */
function verifiedClaims(token, jwks) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch (_) {
    return null;
  }
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (header.alg !== 'RS256' || !jwk) return null;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'));
  return ok ? claims : null;
}

async function exampleMe(upstream, req, res) {
  const auth = req.headers.authorization || '';
  if (!auth.startsWith('Bearer ')) return reply(res, 401, { message: 'Unauthorized' });
  const token = auth.slice('Bearer '.length);
  const jwks = await (await fetch(`${upstream}/.well-known/jwks.json`)).json();
  const claims = verifiedClaims(token, jwks);
  const now = Math.floor(Date.now() / 1000);
  if (!claims || claims.typ !== 'access' || claims.exp + LEEWAY_SECS <= now) {
    return reply(res, 403, { message: 'Forbidden' });
  }
  // The authorizer reads the session: an ended one is denied.
  const live = await fetch(`${upstream}/auth/me`, { headers: { authorization: auth } });
  if (live.status !== 200) return reply(res, 403, { message: 'Forbidden' });
  return reply(res, 200, { userId: claims.sub, appid: claims.appid || null, openid: claims.openid || null });
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
    const route = pathname === '/example/me' ? exampleMe : pass;
    route(server.url, req, res).catch((err) => reply(res, 502, { message: err.message }));
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
