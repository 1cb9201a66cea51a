'use strict';

const { WxauthError, errorFromResponse, errorCodeOf } = require('./error');
const { Emitter } = require('./emitter');
const { Session } = require('./session');
const { TokenStore } = require('./token-store');
const transport = require('./transport');

const DEFAULT_STORAGE_KEY = 'wxauth';
// Credentials the SDK keeps to itself: pages never need them.
const TOKEN_FIELDS = ['token', 'tokenType', 'expiresIn', 'refreshToken', 'refreshExpiresIn'];

/** A button or API callback the user declined: its errMsg does not end in ":ok". */
function declined(detail) {
  return !detail || (typeof detail.errMsg === 'string' && !/:ok$/.test(detail.errMsg));
}

function ok(res) {
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  const err = errorFromResponse(res);
  err.data = res.data;
  throw err;
}

function createWxauth(options) {
  if (!options || typeof options.baseUrl !== 'string' || !options.baseUrl) {
    throw new TypeError('createWxauth: baseUrl is required');
  }
  const store = new TokenStore(options.storageKey || DEFAULT_STORAGE_KEY);
  const events = new Emitter(['login', 'logout', 'sessionEnded']);
  const session = new Session({ baseUrl: options.baseUrl, appid: options.appid, store, events });
  const send = (request) => session.send(request);
  const withToken = (request) => (token) => send(Object.assign({}, request, { token }));
  const call = async (request, flags) => ok(await session.authorized(withToken(request), flags)).data;

  /** Logs in with a number-proving answer (SMS or password), the ticket redeemed if held. */
  async function numberLogin(url, body) {
    const ticket = store.loginTicket;
    const data = Object.assign({}, body, ticket ? { loginTicket: ticket } : {}, options.appid ? { appid: options.appid } : {});
    const res = await send({ url, method: 'POST', data });
    if (errorCodeOf(res) === 'ticket_invalid') store.dropTicket();
    ok(res);
    session.acceptLogin(res.data);
    return { registered: true, userId: res.data.userId, isNewUser: res.data.isNewUser };
  }

  /** Sends open data (encrypted with the session_key) under the current login. */
  async function sendOpenData(url, body) {
    await session.ensureOpenDataSession();
    const res = await session.authorized(withToken({ url, method: 'POST', data: body }), { openData: true });
    await session.afterStaleData(res);
    return ok(res).data;
  }

  const auth = {
    login() {
      return session.login();
    },

    request({ url, method, data, header }) {
      return session
        .authorized(withToken({ url, method, data, header }))
        .then(ok)
        .then((res) => ({ statusCode: res.statusCode, data: res.data, header: res.header }));
    },

    async bindPhone(event) {
      const detail = event && event.detail !== undefined ? event.detail : event;
      if (declined(detail)) throw new WxauthError('user_denied', (detail && detail.errMsg) || 'no phone number given');
      if (detail.code) {
        // The phone code is checked against the openid, not the session_key:
        // a login before sending it is harmless. Without an account yet, one
        // login carries it (a new user is made holding the number).
        if (!store.token) {
          const result = await session.login({ phoneCode: detail.code });
          if (result.phoneBound === false) throw new WxauthError(result.phoneError, 'the number was not bound', 0);
          return result;
        }
        return call({ url: '/auth/phone', method: 'POST', data: { code: detail.code } });
      }
      if (detail.encryptedData && detail.iv) {
        return sendOpenData('/auth/phone', { encryptedData: detail.encryptedData, iv: detail.iv });
      }
      throw new WxauthError('bad_request', 'the event has neither detail.code nor encryptedData and iv');
    },

    setNickname(nickName) {
      return call({ url: '/auth/profile/nickname', method: 'PUT', data: { nickName } });
    },

    async uploadAvatar(tempFilePath) {
      const res = await session.authorized((token) =>
        transport.upload(options.baseUrl, { url: '/auth/profile/avatar', filePath: tempFilePath, name: 'file', token }),
      );
      return ok(res).data;
    },

    async decryptProfile(res) {
      if (declined(res)) throw new WxauthError('user_denied', (res && res.errMsg) || 'no profile given');
      const body = { encryptedData: res.encryptedData, iv: res.iv };
      if (res.rawData !== undefined && res.signature !== undefined) {
        body.rawData = res.rawData;
        body.signature = res.signature;
      }
      const answer = await sendOpenData('/auth/profile', body);
      // A fold into the unionId's owner started a new session: keep its tokens.
      if (answer.token && answer.refreshToken) store.save(answer, answer.userId);
      const result = {};
      for (const key of Object.keys(answer)) {
        if (TOKEN_FIELDS.indexOf(key) === -1) result[key] = answer[key];
      }
      return result;
    },

    async sendSmsCode(phone, purpose) {
      const res = await send({ url: '/auth/sms/send', method: 'POST', data: { phone, purpose: purpose || 'login' } });
      return ok(res).data;
    },

    smsLogin(phone, code) {
      return numberLogin('/auth/sms/login', { phone, code });
    },

    passwordLogin(phone, password, proof) {
      const extra = {};
      if (proof && proof.smsCode) extra.smsCode = proof.smsCode;
      if (proof && proof.phoneCode) extra.phoneCode = proof.phoneCode;
      return numberLogin('/auth/password/login', Object.assign({ phone, password }, extra));
    },

    me() {
      return call({ url: '/auth/me', method: 'GET' });
    },

    async logout({ all = false } = {}) {
      const token = store.token;
      if (token) {
        // Logging in only to log out makes no sense: an ended session is
        // already logged out. An expired token is refreshed first (the server
        // refuses it before anything else).
        let res = await send({ url: '/auth/logout', method: 'POST', data: { all: !!all }, token });
        if (errorCodeOf(res) === 'token_expired') {
          await session.refresh();
          res = await send({ url: '/auth/logout', method: 'POST', data: { all: !!all }, token: store.token });
        }
        const code = errorCodeOf(res);
        if (code !== 'session_ended' && code !== 'unauthorized') ok(res);
      }
      store.clear();
      events.emit('logout', { all: !!all });
      return { loggedOut: true };
    },

    async deleteAccount() {
      // No new login on a refused token: it would make a new user and delete that.
      const answer = await call(
        // Not repeated after a lost answer either: the first may have deleted it.
        { url: '/auth/account', method: 'DELETE', data: { confirm: 'DELETE' }, noRetry: true },
        { relogin: false },
      );
      store.clear();
      events.emit('logout', { deleted: true });
      return answer;
    },

    on(name, listener) {
      return events.on(name, listener);
    },
  };
  return auth;
}

module.exports = { createWxauth, WxauthError };
