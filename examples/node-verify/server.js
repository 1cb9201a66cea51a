// A route of your own in Node.js that only wxauth's users reach: GET /orders
// answers the caller's userId, or 401 with wxauth's own codes, so the
// mini-program SDK reacts as it does to wxauth: `token_expired` makes it
// refresh and retry once, `unauthorized` makes it log in again.
//
//   WXAUTH_JWKS_URL=https://api.example.com/.well-known/jwks.json node server.js
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { bearerToken, createVerifier } from './verify.js';

// jose's codes for a key set it could not get.
const KEYS_UNAVAILABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

export function createServer({ jwksUrl, issuer, audience }) {
  const verify = createVerifier({ jwksUrl, issuer, audience });
  return http.createServer(async (req, res) => {
    const answer = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || req.url !== '/orders') {
      return answer(404, { error: { code: 'not_found', message: 'no such route' } });
    }
    const token = bearerToken(req.headers);
    if (!token) {
      return answer(401, { error: { code: 'unauthorized', message: 'Authorization: Bearer <token> expected' } });
    }
    let user;
    try {
      user = await verify(token);
    } catch (error) {
      // Keys that cannot be fetched (no answer, a timeout, not 200, not a
      // JWKS) are a dependency failing, not the caller: never "log in again".
      if (KEYS_UNAVAILABLE.has(error.code) || error.name === 'TypeError') {
        return answer(503, { error: { code: 'jwks_unavailable', message: 'cannot fetch the signing keys' } });
      }
      if (error.code === 'ERR_JWT_EXPIRED') {
        return answer(401, { error: { code: 'token_expired', message: 'the access token has expired; refresh it' } });
      }
      return answer(401, { error: { code: 'unauthorized', message: 'the token does not verify' } });
    }
    return answer(200, { userId: user.userId, orders: [] });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const jwksUrl = process.env.WXAUTH_JWKS_URL;
  if (!jwksUrl) {
    console.error('set WXAUTH_JWKS_URL to the JwksUrl output of the stack (or http://127.0.0.1:3000/.well-known/jwks.json)');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8080);
  createServer({ jwksUrl }).listen(port, () => console.log(`listening on http://127.0.0.1:${port}/orders`));
}
