'use strict';

// REGISTRATION=phone_required: a new WeChat user gets a login ticket, not an
// account, until a number is proven (SMS, password + proof, or the phone button).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { freshDevice } = require('./support/harness');
const { events } = require('./support/wx');
const sim = require('./support/sim');

let server;
test.before(async () => {
  server = await startServer({ REGISTRATION: 'phone_required' });
});
test.after(() => server.stop());

/** A new WeChat user on a fresh device, past the login that answered a ticket. */
async function unregistered(prefix) {
  const setup = freshDevice(server, prefix);
  const result = await setup.auth.login();
  assert.equal(result.registered, false);
  assert.ok(result.ticketExpiresIn > 0);
  return setup;
}

function hasBothIdentities(me) {
  const kinds = me.identities.map((i) => i.kind).sort();
  assert.deepEqual(kinds, ['phone', 'wechat']);
  return true;
}

test('login() of a new user resolves {registered: false}; nothing is stored; no login event', async () => {
  const { device, auth } = freshDevice(server, 'ticket');
  const seen = [];
  auth.on('login', (e) => seen.push(e));
  const result = await auth.login();
  assert.deepEqual(Object.keys(result).sort(), ['registered', 'ticketExpiresIn']);
  assert.equal(device.storage.has('wxauth'), false);
  assert.deepEqual(seen, []);
});

test('requests before registering reject not_registered without another wx.login', async () => {
  const { device, auth } = await unregistered('early');
  await assert.rejects(auth.me(), (err) => {
    assert.equal(err.code, 'not_registered');
    return true;
  });
  assert.equal(device.count('login'), 1);
});

test('smsLogin redeems the kept ticket: the WeChat user and the number are one account', async () => {
  const { device, auth } = await unregistered('sms');
  const phone = sim.newPhone();
  await auth.sendSmsCode(phone);
  const result = await auth.smsLogin(phone, sim.lastSmsCode(server, phone));
  assert.equal(result.registered, true);
  assert.equal(result.isNewUser, true);
  assert.ok(hasBothIdentities(await auth.me()));
  assert.equal(device.count('login'), 1);
});

test('passwordLogin with an SMS proof redeems the ticket and sets the password', async () => {
  const { auth } = await unregistered('password');
  const phone = sim.newPhone();
  await auth.sendSmsCode(phone);
  const result = await auth.passwordLogin(phone, 'correct horse 42', { smsCode: sim.lastSmsCode(server, phone) });
  assert.equal(result.registered, true);
  assert.ok(hasBothIdentities(await auth.me()));
  // the password alone logs the number in from now on
  const again = await auth.passwordLogin(phone, 'correct horse 42');
  assert.equal(again.userId, result.userId);
});

test('bindPhone with the phone button registers the unregistered user in one login', async () => {
  const { device, auth } = await unregistered('button');
  const phone = sim.newPhone();
  const code = await sim.mintPhoneCode(server, device.user, phone);
  const result = await auth.bindPhone(events.phoneCode(code));
  assert.equal(result.registered, true);
  assert.equal(result.phoneBound, true);
  assert.ok(hasBothIdentities(await auth.me()));
  assert.equal(device.count('login'), 2);
});

test('a wrong SMS code keeps the ticket for another try', async () => {
  const { auth } = await unregistered('retry');
  const phone = sim.newPhone();
  await auth.sendSmsCode(phone);
  const right = sim.lastSmsCode(server, phone);
  const wrong = String((Number(right) + 1) % 1e6).padStart(6, '0');
  await assert.rejects(auth.smsLogin(phone, wrong), (err) => err.code === 'sms_code_invalid');
  const result = await auth.smsLogin(phone, right);
  assert.ok(hasBothIdentities(await auth.me()));
  assert.equal(result.registered, true);
});
