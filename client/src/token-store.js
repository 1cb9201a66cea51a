'use strict';

const wxp = require('./wx-promise');

/**
 * The login the SDK holds: access and refresh token (in wx storage, so they
 * survive an app restart), whether this run logged in itself (a login read
 * back from storage may hold a session_key WeChat has since rotated), and the
 * login ticket of a user not yet registered (memory only: it lives 5 minutes).
 */
class TokenStore {
  constructor(storageKey) {
    this.key = storageKey;
    const saved = wxp.storage.get(storageKey);
    this.saved = saved && saved.token && saved.refreshToken ? saved : null;
    this.loggedInThisRun = false;
    this.ticket = null;
  }

  get token() {
    return this.saved ? this.saved.token : null;
  }

  get refreshToken() {
    return this.saved ? this.saved.refreshToken : null;
  }

  get userId() {
    return this.saved ? this.saved.userId : null;
  }

  /** Keeps the tokens of a login or refresh answer: only the newest work. */
  save(answer, userId) {
    this.saved = {
      token: answer.token,
      refreshToken: answer.refreshToken,
      userId: userId || this.userId,
    };
    wxp.storage.set(this.key, this.saved);
  }

  keepTicket(loginTicket, expiresInSecs) {
    this.ticket = { value: loginTicket, until: Date.now() + expiresInSecs * 1000 };
  }

  /** The unexpired login ticket, or null. */
  get loginTicket() {
    return this.ticket && this.ticket.until > Date.now() ? this.ticket.value : null;
  }

  dropTicket() {
    this.ticket = null;
  }

  clear() {
    this.saved = null;
    this.ticket = null;
    this.loggedInThisRun = false;
    wxp.storage.remove(this.key);
  }
}

module.exports = { TokenStore };
