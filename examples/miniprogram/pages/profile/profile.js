const { messageFor } = require('../../utils/messages');

// The profile page: the phone button, the avatar button, the nickname input.
Page({
  data: { phone: '', avatarUrl: '', avatarState: '', nickName: '', message: '' },

  async onGetPhoneNumber(e) {
    try {
      const answer = await getApp().auth.bindPhone(e);
      this.setData({ phone: answer.purePhoneNumber || '已绑定', message: '' });
    } catch (err) {
      // session_key_stale: the SDK logged in again; the user taps once more.
      this.setData({ message: messageFor(err) });
    }
  },

  async onChooseAvatar(e) {
    const { avatarUrl } = e.detail;
    // Shown at once from the temporary file; WeChat's check answers later.
    this.setData({ avatarUrl, avatarState: 'uploading', message: '' });
    try {
      const { avatar } = await getApp().auth.uploadAvatar(avatarUrl);
      this.setData({ avatarState: avatar.state });
    } catch (err) {
      this.setData({ avatarState: 'failed', message: messageFor(err) });
    }
  },

  async onNickname(e) {
    try {
      const { profile } = await getApp().auth.setNickname(e.detail.value);
      this.setData({ nickName: profile.nickName, message: '' });
    } catch (err) {
      this.setData({ message: messageFor(err) });
    }
  },
});
