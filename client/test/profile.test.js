'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startServer } = require('./support/server');
const { freshDevice, restartApp } = require('./support/harness');
const sim = require('./support/sim');
const { expireStoredToken } = require('./support/tokens');
const { events } = require('./support/wx');

const IMAGES = path.resolve(__dirname, '../../tests/fixtures/images');

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

/** Polls /auth/me until the avatar leaves `pending` (the simulator pushes its verdict). */
async function settledAvatar(auth) {
  for (let i = 0; i < 50; i += 1) {
    const me = await auth.me();
    if (me.avatar && me.avatar.state !== 'pending') return me;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the avatar stayed pending');
}

test('setNickname stores a nickname WeChat passed', async () => {
  const { auth } = freshDevice(server, 'nick');
  const answer = await auth.setNickname(' 小 明 ');
  assert.equal(answer.profile.nickName, '小 明');
  assert.equal(answer.contentChecks.nickName.state, 'passed');
});

test('setNickname of a risky nickname: content_rejected, 422', async () => {
  const { auth } = freshDevice(server, 'risky');
  await assert.rejects(auth.setNickname('违规昵称'), (err) => {
    assert.equal(err.code, 'content_rejected');
    assert.equal(err.status, 422);
    return true;
  });
});

test('uploadAvatar sends the chosen file with wx.uploadFile; WeChat passes it later', async () => {
  const { device, auth } = freshDevice(server, 'avatar');
  const answer = await auth.uploadAvatar(path.join(IMAGES, 'pixel.png'));
  assert.ok(['pending', 'active'].includes(answer.avatar.state));
  assert.match(answer.avatar.url, /\/avatars\/.+\.png$/);
  assert.equal(device.count('uploadFile'), 1);
  const me = await settledAvatar(auth);
  assert.equal(me.avatar.state, 'active');
  assert.equal(me.profile.avatarUrl, answer.avatar.url);
});

test('uploadAvatar of a file that is not an image: bad_image', async () => {
  const { auth } = freshDevice(server, 'notimage');
  await assert.rejects(auth.uploadAvatar(path.join(IMAGES, 'fake.png')), (err) => {
    assert.equal(err.code, 'bad_image');
    assert.equal(err.status, 400);
    return true;
  });
});

test('uploadAvatar with an expired token refreshes and uploads once more', async () => {
  const first = freshDevice(server, 'avatarexp');
  await first.auth.login();
  expireStoredToken(server, first.device);
  const { device, auth } = restartApp(server, first.device);
  const answer = await auth.uploadAvatar(path.join(IMAGES, 'pixel.jpg'));
  assert.ok(answer.avatar.url);
  assert.equal(device.count('uploadFile'), 2);
  assert.equal(device.requests('/auth/refresh').length, 1);
});

test('decryptProfile stores the profile of wx.getUserProfile, no tokens in the answer', async () => {
  const { device, auth } = freshDevice(server, 'profile');
  await auth.login();
  const res = await sim.mintProfile(server, device.user, { nickName: 'Alice', unionid: `u-${device.user}` });
  const answer = await auth.decryptProfile(res);
  assert.equal(answer.profile.nickName, 'Alice');
  assert.equal(answer.token, undefined);
  assert.equal(device.count('checkSession'), 0, 'a login of this run needs no check');
});

test('decryptProfile after the user declined: user_denied, nothing called', async () => {
  const { device, auth } = freshDevice(server, 'profiledeny');
  await assert.rejects(auth.decryptProfile({ errMsg: 'getUserProfile:fail auth deny' }), (err) => {
    assert.equal(err.code, 'user_denied');
    return true;
  });
  assert.deepEqual(device.calls, []);
});

test('decryptProfile folding into the unionId owner keeps the new session', async () => {
  const union = `acme-${Date.now()}`;
  // The owner: the same WeChat user known through another route, holding a number.
  const owner = freshDevice(server, 'ownerapp');
  await owner.auth.login();
  await owner.auth.decryptProfile(await sim.mintProfile(server, owner.device.user, { unionid: union }));
  await owner.auth.bindPhone(
    events.phoneCode(await sim.mintPhoneCode(server, owner.device.user, sim.newPhone())),
  );
  // A second, empty user whose data names the same unionId is folded into the owner.
  const { device, auth } = freshDevice(server, 'folded');
  await auth.login();
  const answer = await auth.decryptProfile(await sim.mintProfile(server, device.user, { unionid: union }));
  const ownerMe = await owner.auth.me();
  assert.equal(answer.userId, ownerMe.userId);
  const me = await auth.me();
  assert.equal(me.userId, ownerMe.userId);
  assert.equal(device.count('login'), 1, 'the fold answer carried the new session: no login needed');
});
