const { messageFor } = require('../../utils/messages');

// Your own route behind the wxauth authorizer (template.yaml's GET
// /example/me): the SDK sends the token and handles API Gateway's bare
// 401/403 (refresh once, then log in) like wxauth's own answers.
Page({
  data: { caller: null, message: '' },

  onLoad() {
    return this.load();
  },

  async load() {
    try {
      const res = await getApp().auth.request({ url: '/example/me', method: 'GET' });
      this.setData({ caller: res.data, message: '' });
    } catch (err) {
      this.setData({ caller: null, message: messageFor(err) });
    }
  },
});
