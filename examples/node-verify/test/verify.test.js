// The example against the real local server (wxauth-dev): its tokens verify,
// and what must not verify does not. Run by the test command
// (examples/node-verify/test.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, importPKCS8, decodeProtectedHeader, decodeJwt, errors } from 'jose';
import serverSupport from '../../../client/test/support/server.js';
import { createVerifier } from '../verify.js';
import { createServer } from '../server.js';

let wxauth;
let jwksUrl;
let login;
let orders;

async function logIn(user) {
  const response = await fetch(`${wxauth.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: `${user};n=${Math.random()}` }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

async function getOrders(token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${orders.url}/orders`, { headers });
  return { status: response.status, body: await response.json() };
}

function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` });
    });
  });
}

/** A token signed with the local server's own key (what only wxauth holds). */
async function signedByWxauth(claims, header = {}) {
  const pem = fs.readFileSync(path.join(wxauth.dataDir, 'signing-key.pem'), 'utf8');
  const key = await importPKCS8(pem, 'RS256');
  const { kid } = decodeProtectedHeader(login.token);
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(key);
}

before(async () => {
  wxauth = await serverSupport.startServer();
  jwksUrl = `${wxauth.url}/.well-known/jwks.json`;
  login = await logIn('node-alice');
  orders = await listen(createServer({ jwksUrl }));
});

after(async () => {
  orders?.server.close();
  await wxauth?.stop();
});

test("a wxauth access token verifies, and names the login's user", async () => {
  const user = await createVerifier({ jwksUrl })(login.token);
  assert.equal(user.userId, login.userId);
  assert.equal(user.appid, 'wx5e1a0d0c0de0b0b0');
  assert.match(user.openid, /^o[\w-]{27}$/);
  assert.ok(user.expiresAt > Date.now() / 1000);
});

test('your own route answers the caller and refuses everyone else with wxauth codes', async () => {
  assert.deepEqual(await getOrders(login.token), { status: 200, body: { userId: login.userId, orders: [] } });
  const missing = await getOrders(null);
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error.code, 'unauthorized');
  // The refresh token is not a JWT: never a key to routes.
  const refresh = await getOrders(login.refreshToken);
  assert.equal(refresh.status, 401);
  assert.equal(refresh.body.error.code, 'unauthorized');
});

test('a token whose payload was changed does not verify', async () => {
  const [header, , signature] = login.token.split('.');
  const claims = { ...decodeJwt(login.token), sub: 'someone-else' };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const forged = `${header}.${payload}.${signature}`;
  await assert.rejects(createVerifier({ jwksUrl })(forged), errors.JWSSignatureVerificationFailed);
  assert.equal((await getOrders(forged)).body.error.code, 'unauthorized');
});

test('only RS256: alg none and HS256 keyed with the public key are refused before any key is used', async () => {
  const claims = decodeJwt(login.token);
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  await assert.rejects(createVerifier({ jwksUrl })(none), errors.JOSEAlgNotAllowed);
  const jwks = await (await fetch(jwksUrl)).json();
  const publicKeyBytes = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
  const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(publicKeyBytes);
  await assert.rejects(createVerifier({ jwksUrl })(hs256), errors.JOSEAlgNotAllowed);
});

test('another issuer or another audience is refused', async () => {
  await assert.rejects(
    createVerifier({ jwksUrl, audience: 'another-app' })(login.token),
    (error) => error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud',
  );
  await assert.rejects(
    createVerifier({ jwksUrl, issuer: 'someone-else' })(login.token),
    (error) => error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss',
  );
});

test('an expired token is token_expired, so the mini-program SDK refreshes', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = await signedByWxauth({ ...decodeJwt(login.token), iat: now - 1000, exp: now - 100 });
  await assert.rejects(createVerifier({ jwksUrl })(expired), errors.JWTExpired);
  assert.deepEqual((await getOrders(expired)).body.error.code, 'token_expired');
});

test('a JWT of another type, even signed by wxauth, is not an access token', async () => {
  const other = await signedByWxauth({ ...decodeJwt(login.token), typ: 'refresh' });
  await assert.rejects(createVerifier({ jwksUrl })(other), errors.JWTClaimValidationFailed);
});

test('keys that cannot be fetched are a 503, not the caller\'s fault', async () => {
  // An address that answers, but not a key set.
  const notKeys = await listen(createServer({ jwksUrl: `${wxauth.url}/no-such-keys` }));
  const refused = await fetch(`${notKeys.url}/orders`, { headers: { authorization: `Bearer ${login.token}` } });
  assert.equal(refused.status, 503);
  notKeys.server.close();

  const unreachable = await listen(createServer({ jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json' }));
  const response = await fetch(`${unreachable.url}/orders`, { headers: { authorization: `Bearer ${login.token}` } });
  assert.equal(response.status, 503);
  assert.equal((await response.json()).error.code, 'jwks_unavailable');
  unreachable.server.close();
});
