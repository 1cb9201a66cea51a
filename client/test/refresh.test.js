'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { freshDevice, restartApp } = require('./support/harness');
const { expireStoredToken } = require('./support/tokens');
const { loginOnAnotherDevice } = require('./support/sim');

let server;
let stranger; // another wxauth deployment: it refuses our tokens as "not ours"
test.before(async () => {
  [server, stranger] = await Promise.all([startServer(), startServer()]);
});
test.after(() => Promise.all([server.stop(), stranger.stop()]));

/** A user logged in on a device, then the app restarted with its access token expired. */
async function restartedWithExpiredToken(prefix) {
  const first = freshDevice(server, prefix);
  const before = await first.auth.me();
  expireStoredToken(server, first.device);
  return Object.assign(restartApp(server, first.device), { userId: before.userId });
}

test('token_expired: one refresh, then the request is retried once', async () => {
  const { device, auth, userId } = await restartedWithExpiredToken('expired');
  const me = await auth.me();
  assert.equal(me.userId, userId);
  assert.equal(device.count('login'), 0);
  assert.equal(device.requests('/auth/refresh').length, 1);
  assert.equal(device.requests('/auth/me').length, 2);
});

test('requests that find the token expired together wait for one refresh', async () => {
  const { device, auth, userId } = await restartedWithExpiredToken('together');
  const answers = await Promise.all(Array.from({ length: 8 }, () => auth.me()));
  assert.ok(answers.every((a) => a.userId === userId));
  assert.equal(device.requests('/auth/refresh').length, 1);
  assert.equal(device.count('login'), 0);
  // The refreshed session is still the live one: a later request needs nothing.
  await auth.me();
  assert.equal(device.requests('/auth/refresh').length, 1);
});

test('session_ended (a login on another device): one fresh login, retried once, sessionEnded emitted', async () => {
  const { device, auth } = freshDevice(server, 'replaced');
  const before = await auth.me();
  await loginOnAnotherDevice(server, device.user);
  const ended = [];
  auth.on('sessionEnded', (e) => ended.push(e.code));
  const after = await auth.me();
  assert.equal(after.userId, before.userId);
  assert.deepEqual(ended, ['session_ended']);
  assert.equal(device.count('login'), 2);
  assert.equal(device.requests('/auth/me').length, 3);
});

test('a failed refresh (the session ended meanwhile): one fresh login, retried once', async () => {
  const { device, auth, userId } = await restartedWithExpiredToken('deadrefresh');
  await loginOnAnotherDevice(server, device.user);
  const me = await auth.me();
  assert.equal(me.userId, userId);
  assert.equal(device.requests('/auth/refresh').length, 1);
  assert.equal(device.count('login'), 1);
  assert.equal(device.requests('/auth/me').length, 2);
});

test('concurrent requests after a session ended share one login', async () => {
  const { device, auth } = freshDevice(server, 'endedtogether');
  await auth.me();
  await loginOnAnotherDevice(server, device.user);
  await Promise.all(Array.from({ length: 6 }, () => auth.me()));
  assert.equal(device.count('login'), 2);
  // and the session it made is still live: no login ended another
  await auth.me();
  assert.equal(device.count('login'), 2);
});

test('unauthorized: one login, one retry, and a second 401 rejects (never a loop)', async () => {
  const { device, auth } = freshDevice(server, 'noloop');
  await auth.me();
  // Another deployment's /auth/me: our token is not its token, before and after a new login.
  await assert.rejects(auth.request({ url: `${stranger.url}/auth/me` }), (err) => {
    assert.equal(err.name, 'WxauthError');
    assert.equal(err.code, 'unauthorized');
    assert.equal(err.status, 401);
    return true;
  });
  assert.equal(device.count('login'), 2);
  assert.equal(device.requests('/auth/me').length, 3);
});

test('an unusable stored token (garbage in storage) is replaced by one login', async () => {
  const first = freshDevice(server, 'garbage');
  await first.auth.me();
  const saved = first.device.storage.get('wxauth');
  first.device.storage.set('wxauth', Object.assign({}, saved, { token: 'not-a-jwt' }));
  const { device, auth } = restartApp(server, first.device);
  await auth.me();
  assert.equal(device.count('login'), 1);
  assert.equal(device.requests('/auth/refresh').length, 0);
});
