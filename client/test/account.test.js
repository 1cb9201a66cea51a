'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { freshDevice, restartApp } = require('./support/harness');
const { expireStoredToken } = require('./support/tokens');
const sim = require('./support/sim');
const { events } = require('./support/wx');

const { loginOnAnotherDevice } = sim;

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

test('me() answers the account page: userId, masked identities, sessions', async () => {
  const { auth } = freshDevice(server, 'me');
  const me = await auth.me();
  assert.equal(me.identities[0].kind, 'wechat');
  assert.match(me.identities[0].openid, /\*/);
  assert.equal(me.sessions, 1);
});

test('logout ends the session, forgets the tokens and emits logout; the next request logs in', async () => {
  const { device, auth } = freshDevice(server, 'logout');
  const before = await auth.me();
  const saved = device.storage.get('wxauth');
  const seen = [];
  auth.on('logout', (e) => seen.push(e));
  assert.deepEqual(await auth.logout(), { loggedOut: true });
  assert.equal(device.storage.has('wxauth'), false);
  assert.deepEqual(seen, [{ all: false }]);
  // The old token is dead on the server, not only forgotten here.
  const res = await fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${saved.token}` } });
  assert.equal(res.status, 401);
  const after = await auth.me();
  assert.equal(after.userId, before.userId);
  assert.equal(device.count('login'), 2);
});

test('logout with an expired token refreshes first, then logs out', async () => {
  const first = freshDevice(server, 'logoutexp');
  await first.auth.login();
  expireStoredToken(server, first.device);
  const { device, auth } = restartApp(server, first.device);
  await auth.logout();
  assert.equal(device.requests('/auth/refresh').length, 1);
  assert.equal(device.requests('/auth/logout').length, 2);
  assert.equal(device.count('login'), 0);
});

test('logout of a session that already ended: logged out, without a login', async () => {
  const { device, auth } = freshDevice(server, 'logoutended');
  await auth.login();
  await loginOnAnotherDevice(server, device.user);
  await auth.logout({ all: true });
  assert.equal(device.count('login'), 1);
  assert.equal(device.storage.has('wxauth'), false);
});

test('logout({all: true}) ends the sessions on other devices too', async () => {
  const { device, auth } = freshDevice(server, 'logoutall');
  await auth.login();
  const phone = sim.newPhone();
  await auth.bindPhone(events.phoneCode(await sim.mintPhoneCode(server, device.user, phone)));
  // The same user by SMS on another device: a second session of the user.
  const other = freshDevice(server, 'logoutall-other');
  await other.auth.sendSmsCode(phone);
  await other.auth.smsLogin(phone, sim.lastSmsCode(server, phone));
  device.install();
  assert.equal((await auth.me()).sessions, 2);
  await auth.logout({ all: true });
  other.device.install();
  const ended = [];
  other.auth.on('sessionEnded', (e) => ended.push(e.code));
  await other.auth.me(); // its number's session ended: it logs in again (by wx.login)
  assert.deepEqual(ended, ['session_ended']);
});

test('deleteAccount deletes the user and forgets the tokens; the next login is a new user', async () => {
  const { device, auth } = freshDevice(server, 'delete');
  const before = await auth.me();
  const seen = [];
  auth.on('logout', (e) => seen.push(e));
  assert.deepEqual(await auth.deleteAccount(), { deleted: true });
  assert.deepEqual(seen, [{ deleted: true }]);
  assert.equal(device.storage.has('wxauth'), false);
  const result = await auth.login();
  assert.equal(result.isNewUser, true);
  assert.notEqual(result.userId, before.userId);
});

test('deleteAccount on an ended session rejects instead of deleting a new login', async () => {
  const { device, auth } = freshDevice(server, 'deleteended');
  await auth.login();
  await loginOnAnotherDevice(server, device.user);
  await assert.rejects(auth.deleteAccount(), (err) => {
    assert.equal(err.code, 'session_ended');
    return true;
  });
  assert.equal(device.count('login'), 1);
});
