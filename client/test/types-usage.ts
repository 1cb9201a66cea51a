// Compiled with `tsc --noEmit` (never run): code a mini-program team writes
// against the typings. A change to the surface that breaks it fails the tests.
import { createWxauth, WxauthError, LoginResult, Me } from '..';

const auth = createWxauth({ baseUrl: 'https://api.example.com', appid: 'wx5e1a0d0c0de0b0b0', storageKey: 'wxauth' });
createWxauth({ baseUrl: 'https://api.example.com' });

async function pages(
  phoneEvent: WechatMiniprogram.ButtonGetPhoneNumber,
  profile: WechatMiniprogram.GetUserProfileSuccessCallbackResult,
): Promise<void> {
  const result: LoginResult = await auth.login();
  if (result.registered) {
    const id: string = result.userId;
    const isNew: boolean = result.isNewUser;
    void id;
    void isNew;
  } else {
    const seconds: number = result.ticketExpiresIn;
    void seconds;
  }

  const res = await auth.request<{ userId: string }>({ url: '/example/me', method: 'GET', header: { 'x-trace': '1' } });
  const status: number = res.statusCode;
  const userId: string = res.data.userId;
  void status;
  void userId;

  await auth.bindPhone(phoneEvent);
  const answer = await auth.setNickname('小明');
  const state: 'passed' | 'review' | 'unchecked' | 'off' | 'wechat' | undefined = answer.contentChecks.nickName?.state;
  void state;
  const { avatar } = await auth.uploadAvatar('wxfile://tmp_avatar.png');
  const url: string = avatar.url;
  void url;
  await auth.decryptProfile(profile);
  await auth.sendSmsCode('13800138000');
  await auth.sendSmsCode('13800138000', 'bind');
  await auth.smsLogin('13800138000', '123456');
  await auth.passwordLogin('13800138000', 'correct horse 42');
  await auth.passwordLogin('13800138000', 'correct horse 42', { smsCode: '123456' });
  const me: Me = await auth.me();
  me.identities.forEach((identity) => (identity.kind === 'phone' ? identity.phone : identity.openid));
  await auth.logout();
  await auth.logout({ all: true });
  const deleted: { deleted: true } = await auth.deleteAccount();
  void deleted;

  const off = auth.on('sessionEnded', (e) => console.log(e.code));
  off();
  auth.on('login', (e) => console.log(e.userId));
  auth.on('logout', (e) => console.log(e.all, e.deleted));

  try {
    await auth.me();
  } catch (err) {
    if (err instanceof WxauthError) {
      const code: string = err.code;
      const retryAfter: number | null = err.retryAfter;
      const httpStatus: number = err.status;
      void code;
      void retryAfter;
      void httpStatus;
    }
  }
}

// @ts-expect-error baseUrl is required
createWxauth({});
// @ts-expect-error the events are fixed
auth.on('expired', () => undefined);

void pages;
