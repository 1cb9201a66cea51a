const { createWxauth } = require('wxauth-miniprogram');
const config = require('./config');

App({
  onLaunch() {
    // One client for the whole app: pages share its login, and its single
    // login and refresh in flight. Pages never log in themselves: the first
    // request does it.
    this.auth = createWxauth({ baseUrl: config.baseUrl });
    this.auth.on('sessionEnded', () => {
      // Logged in elsewhere, or logged out everywhere: the SDK logs in again
      // by itself; a real app might tell the user.
      console.info('wxauth: the session ended, logging in again');
    });
  },
});
