'use strict';

// A stand-in for the mini-program's `wx` that does real HTTP (Node's fetch)
// to the local server, the way the WeChat client would. It records every call
// so that tests can count logins and requests and see their order.
//
// What the WeChat client gets from WeChat comes from the local server's
// simulator (mounted at /wechat-sim): wx.login's code from
// /sim/mint/login-code, wx.checkSession's answer from /sim/check-session,
// which asks whether the login of this device's latest code is still the
// user's current one (a later login of the same user anywhere, or a reset of
// their session_key, ends it).
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

/** POST `body` to the simulator's control route `route`; its JSON answer. */
async function askWeChat(wechat, route, body) {
  const response = await fetch(`${wechat}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${route}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

class Device {
  /**
   * `user`: the simulated WeChat user (the name in the login code);
   * `wechat`: the simulator's base URL (a server's `wechat`).
   */
  constructor(user, wechat, storage = new Map()) {
    if (typeof wechat !== 'string') throw new TypeError('Device: the simulator URL (server.wechat) is required');
    this.user = user;
    this.wechat = wechat;
    this.storage = storage;
    this.calls = [];
    this.lastLogin = null; // the code of this device's latest wx.login
    this.confirmModals = true; // what the user taps in wx.showModal
    this.wx = this.makeWx();
  }

  /** The same phone after an app restart: storage kept, nothing else. */
  restart() {
    const next = new Device(this.user, this.wechat, this.storage);
    next.lastLogin = this.lastLogin; // WeChat's session outlives the app process
    return next;
  }

  /** Makes this device's wx the global one, as the mini-program engine does. */
  install() {
    global.wx = this.wx;
    return this;
  }

  count(name, filter = () => true) {
    return this.calls.filter((c) => c.name === name && filter(c)).length;
  }

  requests(pathname) {
    return this.calls.filter((c) => (c.name === 'request' || c.name === 'uploadFile') && c.path === pathname);
  }

  makeWx() {
    const device = this;
    const later = (fn) => setTimeout(fn, 0); // wx callbacks are never synchronous
    return {
      login({ success, fail }) {
        device.calls.push({ name: 'login' });
        askWeChat(device.wechat, '/sim/mint/login-code', { user: device.user }).then(
          ({ code }) => {
            device.lastLogin = code;
            success({ code, errMsg: 'login:ok' });
          },
          (err) => fail({ errMsg: `login:fail ${err.message}` }),
        );
      },
      checkSession({ success, fail }) {
        device.calls.push({ name: 'checkSession' });
        const code = device.lastLogin;
        const valid = code === null
          ? Promise.resolve(false) // no wx.login on this device: no login state
          : askWeChat(device.wechat, '/sim/check-session', { code }).then((answer) => answer.valid);
        valid.then(
          (current) => (current ? success({ errMsg: 'checkSession:ok' }) : fail({ errMsg: 'checkSession:fail session time out' })),
          (err) => fail({ errMsg: `checkSession:fail ${err.message}` }),
        );
      },
      request(options) {
        device.calls.push({ name: 'request', method: options.method || 'GET', path: pathOf(options.url) });
        doRequest(options).then(options.success, options.fail);
      },
      uploadFile(options) {
        device.calls.push({ name: 'uploadFile', method: 'POST', path: pathOf(options.url) });
        doUpload(options).then(options.success, options.fail);
      },
      showModal(options) {
        device.calls.push({ name: 'showModal', title: options.title });
        later(() => options.success({ confirm: device.confirmModals, cancel: !device.confirmModals, errMsg: 'showModal:ok' }));
      },
      getStorageSync(key) {
        // wx answers '' for a key never set
        return device.storage.has(key) ? structuredClone(device.storage.get(key)) : '';
      },
      setStorageSync(key, value) {
        device.storage.set(key, structuredClone(value));
      },
      removeStorageSync(key) {
        device.storage.delete(key);
      },
    };
  }
}

function pathOf(url) {
  try {
    return new URL(url).pathname;
  } catch (_) {
    return url;
  }
}

function headersOf(response) {
  const header = {};
  response.headers.forEach((value, key) => {
    header[key] = value;
  });
  return header;
}

/** wx.request: any HTTP status is a success; only a failed exchange is `fail`. */
async function doRequest({ url, method = 'GET', data, header = {}, dataType = 'json' }) {
  const verb = method.toUpperCase();
  const headers = Object.assign({ 'content-type': 'application/json' }, header);
  let target = url;
  let body;
  if (data !== undefined && data !== null) {
    if (verb === 'GET' && typeof data === 'object') {
      const query = new URLSearchParams(data).toString();
      if (query) target += (target.includes('?') ? '&' : '?') + query;
    } else if (verb !== 'GET') {
      body = typeof data === 'string' ? data : JSON.stringify(data);
    }
  }
  let response;
  try {
    response = await fetch(target, { method: verb, headers, body });
  } catch (err) {
    throw { errMsg: `request:fail ${err.cause ? err.cause.code || err.cause.message : err.message}` };
  }
  const text = await response.text();
  let parsed = text;
  if (dataType === 'json') {
    try {
      parsed = JSON.parse(text);
    } catch (_) {
      // wx.request hands over the text when it is not JSON
    }
  }
  return { statusCode: response.status, data: parsed, header: headersOf(response), errMsg: 'request:ok' };
}

/** wx.uploadFile: a multipart POST with the file in part `name`; data is the answer's text. */
async function doUpload({ url, filePath, name, header = {}, formData = {} }) {
  const form = new FormData();
  for (const [key, value] of Object.entries(formData)) form.append(key, String(value));
  let bytes;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (err) {
    throw { errMsg: `uploadFile:fail file not found ${filePath}` };
  }
  form.append(name, new Blob([bytes]), path.basename(filePath));
  let response;
  try {
    response = await fetch(url, { method: 'POST', headers: header, body: form });
  } catch (err) {
    throw { errMsg: `uploadFile:fail ${err.cause ? err.cause.code || err.cause.message : err.message}` };
  }
  return { statusCode: response.status, data: await response.text(), header: headersOf(response), errMsg: 'uploadFile:ok' };
}

// Events as WeChat's buttons deliver them to a page's handler.
const events = {
  /** <button open-type="getPhoneNumber">, the current way: a code. */
  phoneCode(code) {
    return { type: 'getphonenumber', detail: { errMsg: 'getPhoneNumber:ok', code } };
  },
  /** The same button on older base libraries: data encrypted with the session_key. */
  phoneEncrypted({ encryptedData, iv }) {
    return { type: 'getphonenumber', detail: { errMsg: 'getPhoneNumber:ok', encryptedData, iv } };
  },
  /** The user tapped "不允许". */
  phoneDenied() {
    return { type: 'getphonenumber', detail: { errMsg: 'getPhoneNumber:fail user deny' } };
  },
  /** <button open-type="chooseAvatar">: a temporary file of the chosen image. */
  chooseAvatar(avatarUrl) {
    return { type: 'chooseavatar', detail: { avatarUrl } };
  },
  /** <input type="nickname"> bind:change / bind:blur. */
  nickname(value) {
    return { type: 'change', detail: { value } };
  },
};

/** A fresh simulated user name: tests never share users. */
function newUser(prefix = 'user') {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

module.exports = { Device, askWeChat, events, newUser };
