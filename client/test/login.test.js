'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { freshDevice, restartApp } = require('./support/harness');

let server;
test.before(async () => {
  server = await startServer();
});
test.after(() => server.stop());

test('request logs in first when no token is stored', async () => {
  const { device, auth } = freshDevice(server, 'first');
  const res = await auth.request({ url: '/auth/me' });
  assert.equal(res.statusCode, 200);
  assert.ok(res.data.userId);
  assert.equal(device.count('login'), 1);
  assert.deepEqual(
    device.calls.filter((c) => c.name === 'request').map((c) => c.path),
    ['/auth/login', '/auth/me'],
  );
});

test('ten requests at once trigger one wx.login and one /auth/login', async () => {
  const { device, auth } = freshDevice(server, 'storm');
  const answers = await Promise.all(Array.from({ length: 10 }, () => auth.me()));
  assert.equal(new Set(answers.map((a) => a.userId)).size, 1);
  assert.equal(device.count('login'), 1);
  assert.equal(device.requests('/auth/login').length, 1);
  assert.equal(device.requests('/auth/me').length, 10);
});

test('a stored token survives an app restart: no new login', async () => {
  const first = freshDevice(server, 'restart');
  const before = await first.auth.me();
  const { device, auth } = restartApp(server, first.device);
  const after = await auth.me();
  assert.equal(after.userId, before.userId);
  assert.equal(device.count('login'), 0);
  assert.equal(device.requests('/auth/me').length, 1);
});

test('login() resolves what the app may know, never the tokens, and emits login', async () => {
  const { auth } = freshDevice(server, 'explicit');
  const seen = [];
  auth.on('login', (info) => seen.push(info));
  const result = await auth.login();
  assert.equal(result.registered, true);
  assert.equal(result.isNewUser, true);
  assert.equal(result.hasPhone, false);
  assert.equal(result.token, undefined);
  assert.equal(result.refreshToken, undefined);
  assert.deepEqual(seen, [result]);
});

test('concurrent login() calls share one login', async () => {
  const { device, auth } = freshDevice(server, 'twice');
  const [a, b] = await Promise.all([auth.login(), auth.login()]);
  assert.equal(a.userId, b.userId);
  assert.equal(device.count('login'), 1);
});

test('wx.checkSession is not called before ordinary requests', async () => {
  const first = freshDevice(server, 'nocheck');
  await first.auth.me();
  const { device, auth } = restartApp(server, first.device);
  await auth.me();
  await auth.setNickname('小明');
  assert.equal(first.device.count('checkSession') + device.count('checkSession'), 0);
});
