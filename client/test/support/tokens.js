'use strict';

// Makes an access token expire without waiting: the same claims (session,
// user, identity) signed again by the server's own key with an `exp` in the
// past, past the server's 30 s of clock leeway. The server checks it exactly
// as it checks the one it issued; only the time has moved.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

function b64url(value) {
  return Buffer.from(value).toString('base64url');
}

function expired(server, token) {
  const [header, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const now = Math.floor(Date.now() / 1000);
  claims.iat = now - 600;
  claims.exp = now - 120;
  const signingInput = `${header}.${b64url(JSON.stringify(claims))}`;
  const key = fs.readFileSync(path.join(server.dataDir, 'signing-key.pem'), 'utf8');
  const signature = crypto.sign('sha256', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** Replaces the access token stored on `device` (under `storageKey`) by an expired copy. */
function expireStoredToken(server, device, storageKey = 'wxauth') {
  const saved = device.storage.get(storageKey);
  device.storage.set(storageKey, Object.assign({}, saved, { token: expired(server, saved.token) }));
}

module.exports = { expired, expireStoredToken };
