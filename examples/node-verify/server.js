// A route of your own in Node.js that only wxauth's users reach: GET /orders
// answers the caller's userId, or 401 with wxauth's own codes, so the
// mini-program SDK reacts as it does to wxauth: `token_expired` makes it
// refresh and retry once, `unauthorized` makes it log in again.
//
//   WXAUTH_JWKS_URL=https://api.example.com/.well-known/jwks.json node server.js
import http from 'node:http';
import { bearerToken, createVerifier } from './verify.js';

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
      // A JWKS that cannot be fetched is our dependency failing, not the caller.
      if (error.code === 'ERR_JWKS_TIMEOUT' || error.name === 'TypeError') {
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const jwksUrl = process.env.WXAUTH_JWKS_URL;
  if (!jwksUrl) {
    console.error('set WXAUTH_JWKS_URL to the JwksUrl output of the stack (or http://127.0.0.1:3000/.well-known/jwks.json)');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8080);
  createServer({ jwksUrl }).listen(port, () => console.log(`listening on http://127.0.0.1:${port}/orders`));
}
