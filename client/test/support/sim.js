'use strict';

// What the WeChat side hands a mini-program, minted by the local server's
// simulator (/wechat-sim), and the other actors of a test: another device of
// the same user, and code that exchanged a login code behind our server's back.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { askWeChat } = require('./wx');

// The local server's simulated app (dev-server/src/main.rs) when
// WECHAT_APPID is not set.
const SIM_APPID = 'wx5e1a0d0c0de0b0b0';
const SIM_SECRET = 'simulated-app-secret';

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

/** A getPhoneNumber code for `user` (who must have logged in) and a number. */
async function mintPhoneCode(server, user, phoneNumber) {
  const { code } = await postJson(`${server.url}/wechat-sim/sim/mint/phone-code`, { user, phoneNumber });
  return code;
}

/** The legacy phone button's data, encrypted with `user`'s current session_key. */
function mintPhoneData(server, user, phoneNumber) {
  return postJson(`${server.url}/wechat-sim/sim/mint/phone-data`, { user, phoneNumber });
}

/** wx.getUserProfile's answer for `user`'s current session_key. */
async function mintProfile(server, user, fields = {}) {
  const data = await postJson(`${server.url}/wechat-sim/sim/mint/profile`, Object.assign({ user }, fields));
  return Object.assign({ errMsg: 'getUserProfile:ok', userInfo: {} }, data);
}

/** A login code for `user`, as wx.login on some phone gets one from WeChat. */
async function mintLoginCode(server, user) {
  const { code } = await askWeChat(server.wechat, '/sim/mint/login-code', { user });
  return code;
}

/** The same WeChat user logs in on another phone: our session there ends. */
async function loginOnAnotherDevice(server, user) {
  return postJson(`${server.url}/auth/login`, { code: await mintLoginCode(server, user) });
}

/**
 * A wx.login whose code someone exchanged with WeChat directly (not through
 * our server): WeChat rotates the session_key, the server still holds the
 * old one, and data encrypted from now on does not decrypt with it.
 */
async function rotateSessionKeyBehindServer(server, user) {
  const query = new URLSearchParams({
    appid: SIM_APPID,
    secret: SIM_SECRET,
    js_code: await mintLoginCode(server, user),
    grant_type: 'authorization_code',
  });
  const response = await fetch(`${server.wechat}/sns/jscode2session?${query}`);
  const answer = JSON.parse(await response.text());
  if (!answer.session_key) throw new Error(`jscode2session: ${JSON.stringify(answer)}`);
}

/** The last SMS code the local server's outbox sent to `phone` (11 digits). */
function lastSmsCode(server, phone) {
  const lines = fs.readFileSync(path.join(server.dataDir, 'sms-outbox.jsonl'), 'utf8').trim().split('\n');
  for (const line of lines.reverse()) {
    const message = JSON.parse(line);
    if (message.phone.replace(/\D/g, '').endsWith(phone)) return message.code;
  }
  throw new Error(`no SMS to ${phone} in the outbox`);
}

/** A fresh mainland mobile number: tests never share numbers. */
function newPhone() {
  return `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;
}

module.exports = {
  SIM_APPID,
  mintLoginCode,
  mintPhoneCode,
  mintPhoneData,
  mintProfile,
  loginOnAnotherDevice,
  rotateSessionKeyBehindServer,
  lastSmsCode,
  newPhone,
};
