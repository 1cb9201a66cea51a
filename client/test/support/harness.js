'use strict';

// Per-test setup: a device (the wx stand-in, made global) and a client on it.
const { createWxauth } = require('../../src');
const { Device, newUser } = require('./wx');

/**
 * A new device for a new simulated user, with a client talking to `server`
 * (`url`) and WeChat at `server.wechat` (its simulator).
 */
function freshDevice(server, prefix, options = {}) {
  const device = new Device(newUser(prefix), server.wechat).install();
  const auth = createWxauth(Object.assign({ baseUrl: server.url }, options));
  return { device, auth };
}

/** The app is killed and opened again: storage stays, the client is new. */
function restartApp(server, device, options = {}) {
  const next = device.restart().install();
  const auth = createWxauth(Object.assign({ baseUrl: server.url }, options));
  return { device: next, auth };
}

module.exports = { freshDevice, restartApp };
