'use strict';

// The example mini-program's pages (examples/miniprogram), driven as the
// engine would drive them, with the wx stand-in over the real local server,
// which also serves the 接口 page's route behind the authorizer's decision.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startServer } = require('./support/server');
const { launchApp } = require('./support/miniprogram');
const { Device, events, newUser } = require('./support/wx');
const { expireStoredToken } = require('./support/tokens');
const sim = require('./support/sim');

const IMAGES = path.resolve(__dirname, '../../tests/fixtures/images');

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

function launch(prefix) {
  const device = new Device(newUser(prefix), server.wechat).install();
  return Object.assign(launchApp(server.url), { device });
}

test('profile page: the phone button binds the number', async () => {
  const { device, open } = launch('page-phone');
  const page = await open('pages/profile/profile');
  await page.onNickname(events.nickname('小红')); // logs in on the way
  const phone = sim.newPhone();
  await page.onGetPhoneNumber(events.phoneCode(await sim.mintPhoneCode(server, device.user, phone)));
  assert.equal(page.data.phone, phone);
  assert.equal(page.data.message, '');
});

test('profile page: a refused phone button says so and calls nothing', async () => {
  const { device, open } = launch('page-deny');
  const page = await open('pages/profile/profile');
  await page.onGetPhoneNumber(events.phoneDenied());
  assert.equal(page.data.message, '已取消授权');
  assert.deepEqual(device.calls, []);
});

test('profile page: the chosen avatar is shown at once and uploaded', async () => {
  const { device, open } = launch('page-avatar');
  const page = await open('pages/profile/profile');
  const file = path.join(IMAGES, 'pixel.png');
  await page.onChooseAvatar(events.chooseAvatar(file));
  assert.equal(page.data.avatarUrl, file);
  assert.ok(['pending', 'active'].includes(page.data.avatarState), page.data.avatarState);
  assert.equal(device.count('uploadFile'), 1);
});

test('profile page: a nickname is stored; a risky one is refused with a message', async () => {
  const { open } = launch('page-nick');
  const page = await open('pages/profile/profile');
  await page.onNickname(events.nickname('小明'));
  assert.equal(page.data.nickName, '小明');
  await page.onNickname(events.nickname('赌博'));
  assert.equal(page.data.nickName, '小明');
  assert.equal(page.data.message, '内容未通过审核，请换一个');
});

test('account page: shows me, logs out, and the next show logs in again', async () => {
  const { device, open } = launch('page-account');
  const page = await open('pages/account/account');
  assert.ok(page.data.me.userId);
  const userId = page.data.me.userId;
  await page.onLogout({ currentTarget: { dataset: {} } });
  assert.equal(page.data.loggedOut, true);
  assert.equal(device.storage.has('wxauth'), false);
  await page.onShow();
  assert.equal(page.data.me.userId, userId);
  assert.equal(device.count('login'), 2);
});

test('account page: 注销 asks first; cancelled deletes nothing, confirmed deletes', async () => {
  const { device, open } = launch('page-delete');
  const page = await open('pages/account/account');
  device.confirmModals = false;
  await page.onDeleteAccount();
  assert.equal(device.requests('/auth/account').length, 0);
  assert.equal(page.data.deleted, false);
  device.confirmModals = true;
  await page.onDeleteAccount();
  assert.equal(page.data.deleted, true);
  assert.equal(device.requests('/auth/account').length, 1);
});

test('caller page: /example/me behind the authorizer answers the logged-in user', async () => {
  const { open } = launch('page-caller');
  const account = await open('pages/account/account');
  const page = await open('pages/caller/caller');
  assert.equal(page.data.caller.userId, account.data.me.userId);
  assert.equal(page.data.caller.appid, sim.SIM_APPID);
});

test("caller page: API Gateway's bare 403 for an expired token → one refresh, then the answer", async () => {
  const first = launch('page-caller-exp');
  await first.open('pages/caller/caller');
  expireStoredToken(server, first.device);
  const device = first.device.restart().install();
  const { open } = launchApp(server.url);
  const page = await open('pages/caller/caller');
  assert.ok(page.data.caller.userId);
  assert.equal(device.requests('/auth/refresh').length, 1);
  assert.equal(device.count('login'), 0);
});

test('caller page: a bare 403 after the session ended elsewhere → refresh fails → one login', async () => {
  const { device, open } = launch('page-caller-ended');
  const page = await open('pages/caller/caller');
  await sim.loginOnAnotherDevice(server, device.user);
  await page.load();
  assert.ok(page.data.caller.userId);
  assert.equal(device.requests('/auth/refresh').length, 1);
  assert.equal(device.count('login'), 2);
});
