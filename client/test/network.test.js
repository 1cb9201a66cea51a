'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startServer } = require('./support/server');
const { freshDevice } = require('./support/harness');
const { startGateway } = require('./support/gateway');
const sim = require('./support/sim');

let server;
let closedUrl;
test.before(async () => {
  server = await startServer();
  closedUrl = await closedPortUrl();
});
test.after(() => server.stop());

/** A URL on a port nobody listens on: taken from the OS, then released. */
function closedPortUrl() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}

function isNetworkError(err) {
  assert.equal(err.name, 'WxauthError');
  assert.equal(err.code, 'network_error');
  assert.equal(err.status, 0);
  return true;
}

test('no answer at all is network_error, not an HTTP error', async () => {
  const { auth } = freshDevice({ url: closedUrl, wechat: server.wechat }, 'offline');
  await assert.rejects(auth.login(), isNetworkError);
});

test('an idempotent request is retried with backoff after a network failure', async () => {
  const { device, auth } = freshDevice(server, 'retryget');
  await auth.login();
  const started = Date.now();
  await assert.rejects(auth.request({ url: `${closedUrl}/auth/me`, method: 'GET' }), isNetworkError);
  assert.equal(device.requests('/auth/me').length, 3);
  assert.ok(Date.now() - started >= 1200, 'waits between the tries');
});

test('a POST is not retried after a network failure: it may have done its work', async () => {
  const { device, auth } = freshDevice(server, 'nopostretry');
  await auth.login();
  await assert.rejects(
    auth.request({ url: `${closedUrl}/auth/logout`, method: 'POST', data: {} }),
    isNetworkError,
  );
  assert.equal(device.requests('/auth/logout').length, 1);
});

test('a network failure does not cost the stored login', async () => {
  const { device, auth } = freshDevice(server, 'keeps');
  const before = await auth.me();
  await assert.rejects(auth.request({ url: `${closedUrl}/x`, method: 'POST' }), isNetworkError);
  const after = await auth.me();
  assert.equal(after.userId, before.userId);
  assert.equal(device.count('login'), 1);
});

test('an HTTP error answer keeps its code, status and Retry-After', async () => {
  const { auth } = freshDevice(server, 'httperr');
  const phone = '13912345678';
  await auth.sendSmsCode(phone);
  // a second code to one number within a minute: 429 with the seconds to wait
  await assert.rejects(auth.sendSmsCode(phone), (err) => {
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.status, 429);
    assert.ok(err.retryAfter > 0 && err.retryAfter <= 60, `retryAfter ${err.retryAfter}`);
    // The request's id, which its log lines carry: what to search for first.
    assert.match(err.requestId, /^[0-9a-f-]{36}$/);
    return true;
  });
});

test("API Gateway's own 429 (a route's throttling) is throttled, and reached no function", async () => {
  // POST /auth/sms/send with a burst of one and next to no refill, as a
  // team's SmsSendBurstLimit=1 would behave under a flood.
  const gateway = await startGateway(server, { 'POST /auth/sms/send': { rate: 0.001, burst: 1 } });
  try {
    const { auth } = freshDevice({ url: gateway.url, wechat: server.wechat }, 'throttled');
    const first = sim.newPhone();
    await auth.sendSmsCode(first);
    assert.match(sim.lastSmsCode(server, first), /^\d{6}$/);
    const second = sim.newPhone();
    await assert.rejects(auth.sendSmsCode(second), (err) => {
      assert.equal(err.name, 'WxauthError');
      assert.equal(err.code, 'throttled');
      assert.equal(err.status, 429);
      assert.equal(err.retryAfter, null);
      assert.equal(err.requestId, null, 'API Gateway answered, not wxauth');
      return true;
    });
    assert.equal(gateway.passed('POST /auth/sms/send'), 1);
    assert.throws(() => sim.lastSmsCode(server, second), /no SMS/);
  } finally {
    await gateway.stop();
  }
});
