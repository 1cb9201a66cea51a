'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { freshDevice, restartApp } = require('./support/harness');
const { Device, events, newUser } = require('./support/wx');
const { createWxauth } = require('../src');
const sim = require('./support/sim');

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

/** The wx calls a device made from call number `from` on, as 'login' or a request path. */
function callsSince(device, from) {
  return device.calls.slice(from).map((c) => (c.name === 'request' ? c.path : c.name));
}

function isStale(err) {
  assert.equal(err.code, 'session_key_stale');
  return true;
}

test('a user who refuses the phone button: user_denied, and nothing is called', async () => {
  const { device, auth } = freshDevice(server, 'deny');
  await assert.rejects(auth.bindPhone(events.phoneDenied()), (err) => {
    assert.equal(err.code, 'user_denied');
    return true;
  });
  assert.deepEqual(device.calls, []);
});

test('a phone code binds the number to the logged-in user', async () => {
  const { device, auth } = freshDevice(server, 'code');
  await auth.login();
  const phone = sim.newPhone();
  const code = await sim.mintPhoneCode(server, device.user, phone);
  const answer = await auth.bindPhone(events.phoneCode(code));
  assert.equal(answer.purePhoneNumber, phone);
  assert.equal(answer.phoneNumber, `+86${phone}`);
  assert.equal(device.count('login'), 1);
});

test('a phone code with no login stored: one login carries it (phoneCode)', async () => {
  const user = newUser('nostore');
  await sim.loginOnAnotherDevice(server, user); // WeChat knows the user; this phone has nothing stored
  const device = new Device(user, server.wechat).install();
  const auth = createWxauth({ baseUrl: server.url });
  const phone = sim.newPhone();
  const code = await sim.mintPhoneCode(server, user, phone);
  const result = await auth.bindPhone(events.phoneCode(code));
  assert.equal(result.phoneBound, true);
  assert.deepEqual(callsSince(device, 0), ['login', '/auth/login']);
  const me = await auth.me();
  assert.ok(me.identities.some((i) => i.kind === 'phone'));
});

test('encrypted phone data under a stored login: wx.checkSession first, no wx.login, bound', async () => {
  const first = freshDevice(server, 'legacy');
  await first.auth.login();
  const { device, auth } = restartApp(server, first.device);
  const phone = sim.newPhone();
  const data = await sim.mintPhoneData(server, device.user, phone);
  const answer = await auth.bindPhone(events.phoneEncrypted(data));
  assert.equal(answer.purePhoneNumber, phone);
  assert.deepEqual(callsSince(device, 0), ['checkSession', '/auth/phone']);
  // checked once per run, not before every call
  const again = await sim.mintPhoneData(server, device.user, phone);
  await auth.bindPhone(events.phoneEncrypted(again));
  assert.equal(device.count('checkSession'), 1);
});

test('wx.checkSession fails: the data is not sent; one login, and the caller asks again', async () => {
  const first = freshDevice(server, 'checkfail');
  await first.auth.login();
  const data = await sim.mintPhoneData(server, first.device.user, sim.newPhone());
  await sim.rotateSessionKeyBehindServer(server, first.device.user);
  const { device, auth } = restartApp(server, first.device);
  await assert.rejects(auth.bindPhone(events.phoneEncrypted(data)), isStale);
  assert.deepEqual(callsSince(device, 0), ['checkSession', 'login', '/auth/login']);
  // the new login's key encrypts the next tap's data
  const phone = sim.newPhone();
  const fresh = await sim.mintPhoneData(server, device.user, phone);
  assert.equal((await auth.bindPhone(events.phoneEncrypted(fresh))).purePhoneNumber, phone);
});

test('session_key_stale from the server: wx.login only after sending, then the caller asks again', async () => {
  const { device, auth } = freshDevice(server, 'stale');
  await auth.login();
  // Someone exchanged a wx.login code behind our server: WeChat's key moved on.
  await sim.rotateSessionKeyBehindServer(server, device.user);
  const data = await sim.mintPhoneData(server, device.user, sim.newPhone());
  const from = device.calls.length;
  await assert.rejects(auth.bindPhone(events.phoneEncrypted(data)), isStale);
  assert.deepEqual(callsSince(device, from), ['/auth/phone', 'login', '/auth/login']);
  const phone = sim.newPhone();
  const fresh = await sim.mintPhoneData(server, device.user, phone);
  assert.equal((await auth.bindPhone(events.phoneEncrypted(fresh))).purePhoneNumber, phone);
  assert.equal(device.count('login'), 2);
});

test('encrypted data when the session ended: login, and the dead payload is not sent again', async () => {
  const { device, auth } = freshDevice(server, 'endeddata');
  await auth.login();
  const data = await sim.mintPhoneData(server, device.user, sim.newPhone());
  await sim.loginOnAnotherDevice(server, device.user);
  const from = device.calls.length;
  await assert.rejects(auth.bindPhone(events.phoneEncrypted(data)), isStale);
  assert.deepEqual(callsSince(device, from), ['/auth/phone', 'login', '/auth/login']);
});

test("another user's number: phone_taken, and the login stays", async () => {
  const owner = freshDevice(server, 'owner');
  await owner.auth.login();
  const phone = sim.newPhone();
  await owner.auth.bindPhone(events.phoneCode(await sim.mintPhoneCode(server, owner.device.user, phone)));
  const { device, auth } = freshDevice(server, 'taker');
  await auth.login();
  const code = await sim.mintPhoneCode(server, device.user, phone);
  await assert.rejects(auth.bindPhone(events.phoneCode(code)), (err) => {
    assert.equal(err.code, 'phone_taken');
    assert.equal(err.status, 409);
    return true;
  });
  await auth.me();
  assert.equal(device.count('login'), 1);
});
