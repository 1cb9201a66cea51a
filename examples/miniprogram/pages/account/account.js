const { messageFor } = require('../../utils/messages');

// "My account": what wxauth holds (GET /auth/me), logging out, 注销.
Page({
  data: { me: null, loggedOut: false, deleted: false, message: '' },

  onShow() {
    return this.load();
  },

  async load() {
    try {
      const me = await getApp().auth.me();
      this.setData({ me, loggedOut: false, message: '' });
    } catch (err) {
      this.setData({ message: messageFor(err) });
    }
  },

  async onLogout(e) {
    const all = !!(e && e.currentTarget && e.currentTarget.dataset.all);
    try {
      await getApp().auth.logout({ all });
      this.setData({ me: null, loggedOut: true, message: '' });
    } catch (err) {
      this.setData({ message: messageFor(err) });
    }
  },

  onDeleteAccount() {
    // Deleting cannot be undone: WeChat's review asks apps to confirm it.
    return new Promise((resolve) => {
      wx.showModal({
        title: '注销账号',
        content: '账号及其手机号、资料将被永久删除（所有关联小程序）。确定注销？',
        confirmText: '注销',
        success: async ({ confirm }) => {
          if (confirm) await this.deleteAccount();
          resolve();
        },
        fail: () => resolve(),
      });
    });
  },

  async deleteAccount() {
    try {
      await getApp().auth.deleteAccount();
      this.setData({ me: null, deleted: true, message: '' });
    } catch (err) {
      this.setData({ message: messageFor(err) });
    }
  },
});
