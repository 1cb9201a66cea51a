'use strict';

const { WxauthError, errorFromResponse, errorCodeOf } = require('./error');
const { singleFlight } = require('./single-flight');
const transport = require('./transport');
const wxp = require('./wx-promise');

// The answers that mean "this token will not do": refresh for an expired one
// (and for API Gateway's bare 401/403 in front of a team's own routes, which
// cannot say why), log in again for an ended or unusable one.
const REFRESH = 'refresh';
const LOGIN = 'login';

function recoveryFor(res) {
  const code = errorCodeOf(res);
  if (res.statusCode === 401 && code === 'token_expired') return REFRESH;
  if (res.statusCode === 401 && (code === 'session_ended' || code === 'unauthorized')) return LOGIN;
  if (!code && (res.statusCode === 401 || res.statusCode === 403)) return REFRESH;
  return null;
}

/** What a login answer tells the app; the tokens stay inside the SDK. */
function loginResult(answer) {
  const result = {
    registered: true,
    userId: answer.userId,
    isNewUser: answer.isNewUser,
    hasUnionId: answer.hasUnionId,
    hasPhone: answer.hasPhone,
  };
  if (answer.phoneBound !== undefined) result.phoneBound = answer.phoneBound;
  if (answer.phoneError !== undefined) result.phoneError = answer.phoneError;
  return result;
}

function staleData() {
  return new WxauthError(
    'session_key_stale',
    'the encrypted data belongs to a login that is no longer current: the SDK logged in again, ask the user again',
    409,
  );
}

/**
 * The login state machine: one login and one refresh in flight at a time,
 * and every authorized call retried at most once after one refresh or login.
 */
class Session {
  constructor({ baseUrl, appid, store, events }) {
    this.baseUrl = baseUrl;
    this.appid = appid;
    this.store = store;
    this.events = events;
    this.sessionChecked = false;
    // A plain login waits for a phone login in flight (and vice versa): two
    // logins at once would each replace the other's session.
    this.plainLogin = singleFlight(async () => {
      await this.loginSettled();
      return this.runLogin({});
    });
    this.refresh = singleFlight(() => this.runRefresh());
  }

  send(request) {
    return transport.send(this.baseUrl, request);
  }

  /**
   * wx.login, then POST /auth/login. Without extra fields concurrent callers
   * share one login; a login carrying a phone code waits for the one in
   * flight and then runs its own (the phone code must reach the server).
   */
  async login(extra) {
    if (!extra || Object.keys(extra).length === 0) return this.plainLogin();
    await this.loginSettled();
    return this.runLogin(extra);
  }

  loginSettled() {
    return this.loginInFlight ? this.loginInFlight.catch(() => undefined) : Promise.resolve();
  }

  async runLogin(extra) {
    const run = (async () => {
      const { code } = await wxp.login();
      const body = Object.assign({ code }, this.appid ? { appid: this.appid } : {}, extra);
      const res = await this.send({ url: '/auth/login', method: 'POST', data: body });
      if (res.statusCode !== 200) throw errorFromResponse(res);
      const answer = res.data;
      if (answer.registered === false) {
        // REGISTRATION=phone_required: no account yet. The ticket proves this
        // wx.login's openid to smsLogin/passwordLogin for 5 minutes.
        this.store.keepTicket(answer.loginTicket, answer.ticketExpiresIn);
        return { registered: false, ticketExpiresIn: answer.ticketExpiresIn };
      }
      this.acceptLogin(answer);
      return loginResult(answer);
    })();
    this.loginInFlight = run;
    try {
      return await run;
    } finally {
      if (this.loginInFlight === run) this.loginInFlight = null;
    }
  }

  /** Keeps a login answer's tokens and tells the app. */
  acceptLogin(answer) {
    this.store.save(answer, answer.userId);
    this.store.dropTicket();
    this.store.loggedInThisRun = true;
    this.sessionChecked = true;
    this.events.emit('login', loginResult(answer));
  }

  async runRefresh() {
    const refreshToken = this.store.refreshToken;
    if (!refreshToken) throw new WxauthError('session_ended', 'no refresh token stored', 401);
    const res = await this.send({ url: '/auth/refresh', method: 'POST', data: { refreshToken } });
    if (res.statusCode !== 200) throw errorFromResponse(res);
    this.store.save(res.data);
  }

  /** The stored access token, logging in first when there is none. */
  async token() {
    if (this.store.token) return this.store.token;
    if (this.store.loginTicket) throw notRegistered();
    const result = await this.login();
    if (!result.registered) throw notRegistered();
    return this.store.token;
  }

  /**
   * Runs `call(token)` (resolving to {statusCode, data, header}) with the
   * stored token; on a refused token it refreshes or logs in once, then calls
   * once more. The second answer is final, whatever it is: never a loop.
   *
   * `openData`: the call carries data encrypted with the session_key of the
   * device's last wx.login. A new login rotates that key, so after one the
   * call is not repeated: the caller must ask the user again.
   * `relogin: false`: a call that must not land on a new login's account
   * (deleting an account).
   */
  async authorized(call, { openData = false, relogin = true } = {}) {
    const used = await this.token();
    const first = await call(used);
    const recovery = recoveryFor(first);
    if (!recovery) return first;
    const loggedIn = await this.recover(used, recovery, errorCodeOf(first), relogin);
    if (loggedIn && openData) throw staleData();
    if (loggedIn === null) return first;
    return call(this.store.token);
  }

  /**
   * Gets a usable token after `used` was refused. Resolves true when that took
   * a new login, false when a refresh (or another caller's recovery) did,
   * null when the refusal is final (`relogin: false`).
   */
  async recover(used, recovery, code, relogin) {
    // Another request already replaced the refused token: use the new one.
    // Refreshing again would present a spent refresh token, which ends the
    // session; logging in again would end the one just made.
    if (this.store.token && this.store.token !== used) return false;
    if (recovery === REFRESH) {
      try {
        await this.refresh();
        return false;
      } catch (err) {
        if (err.code !== 'session_ended' && err.code !== 'unauthorized' && err.code !== 'bad_request') throw err;
        code = err.code;
      }
    }
    if (this.store.token && this.store.token !== used) return false;
    if (!relogin) return null;
    this.events.emit('sessionEnded', { code });
    const result = await this.login();
    if (!result.registered) throw notRegistered();
    return true;
  }

  /**
   * Before sending open data under a login read back from storage: WeChat's
   * wx.checkSession says whether the session_key that encrypted it is still
   * the one the server holds. If not, the data is dead: log in, ask again.
   * A login made in this run needs no check.
   */
  async ensureOpenDataSession() {
    if (!this.store.token) {
      await this.token();
      throw staleData();
    }
    if (this.store.loggedInThisRun || this.sessionChecked) return;
    if (await wxp.checkSession()) {
      this.sessionChecked = true;
      return;
    }
    this.events.emit('sessionEnded', { code: 'session_key_stale' });
    await this.login();
    throw staleData();
  }

  /** After a 409 session_key_stale answer: a fresh login for the next try. */
  async afterStaleData(res) {
    if (errorCodeOf(res) !== 'session_key_stale') return;
    await this.login();
    throw staleData();
  }
}

function notRegistered() {
  return new WxauthError(
    'not_registered',
    'this WeChat user has no account yet (REGISTRATION=phone_required): finish with bindPhone, smsLogin or passwordLogin',
    0,
  );
}

module.exports = { Session, recoveryFor };
