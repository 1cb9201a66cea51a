'use strict';

const { WxauthError } = require('./error');

// The wx.* calls the SDK makes, as promises. Only wx.* is used: the
// mini-program engine has neither Node's nor the browser's APIs. `wx` is
// looked up at call time so that tests (and the engine) can provide it late.
function wxApi() {
  // eslint-disable-next-line no-undef
  if (typeof wx === 'undefined') throw new WxauthError('bad_environment', 'wx is not defined: not a mini-program');
  // eslint-disable-next-line no-undef
  return wx;
}

function call(name, options) {
  return new Promise((resolve, reject) => {
    wxApi()[name](Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

/** wx.login → { code }. */
function login() {
  return call('login', {}).catch((err) => {
    throw new WxauthError('network_error', `wx.login failed: ${err && err.errMsg}`);
  });
}

/** wx.checkSession → true while WeChat still holds the session_key of this device's last wx.login. */
function checkSession() {
  return call('checkSession', {}).then(() => true, () => false);
}

/**
 * wx.request: resolves for any HTTP status ({statusCode, data, header}),
 * rejects only when no answer came (network, DNS, TLS, timeout, domain list).
 */
function request(options) {
  return call('request', options).catch((err) => {
    throw new WxauthError('network_error', `wx.request failed: ${err && err.errMsg}`);
  });
}

/** wx.uploadFile: like request, but `data` is the answer's text. */
function uploadFile(options) {
  return call('uploadFile', options).catch((err) => {
    throw new WxauthError('network_error', `wx.uploadFile failed: ${err && err.errMsg}`);
  });
}

const storage = {
  get(key) {
    try {
      return wxApi().getStorageSync(key) || null;
    } catch (_) {
      return null; // unreadable storage is no stored login: log in again
    }
  },
  set(key, value) {
    wxApi().setStorageSync(key, value);
  },
  remove(key) {
    wxApi().removeStorageSync(key);
  },
};

module.exports = { login, checkSession, request, uploadFile, storage };
