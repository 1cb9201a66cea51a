// Typings of wxauth-miniprogram. The event and callback types are WeChat's own
// (WechatMiniprogram, from miniprogram-api-typings), so a page's handler can
// pass its event straight through.
/// <reference types="miniprogram-api-typings" />

export interface WxauthOptions {
  /** The API's base URL: the stack's ApiUrl or your own domain (in the request, uploadFile and downloadFile domain lists). */
  baseUrl: string;
  /** One of the deployment's WECHAT_APPID, when it serves several mini-programs. */
  appid?: string;
  /** wx storage key of the login; default 'wxauth'. */
  storageKey?: string;
}

/** wxauth's error codes (docs/api.md, "Errors") and the SDK's own. */
export type WxauthErrorCode =
  | 'bad_request' | 'unknown_appid' | 'invalid_code' | 'code_used' | 'phone_code_invalid'
  | 'invalid_phone' | 'ticket_invalid' | 'phone_unverified' | 'weak_password' | 'sms_code_invalid'
  | 'invalid_nickname' | 'bad_image' | 'watermark_mismatch' | 'watermark_expired' | 'openid_mismatch'
  | 'signature_mismatch' | 'bad_data' | 'unauthorized' | 'token_expired' | 'session_ended'
  | 'wrong_password' | 'password_not_set' | 'push_signature_invalid' | 'push_expired' | 'user_blocked'
  | 'not_found' | 'method_not_allowed' | 'session_key_stale' | 'phone_taken' | 'account_conflict'
  | 'phone_required' | 'content_check_unavailable' | 'payload_too_large' | 'content_rejected'
  | 'rate_limited' | 'too_many_attempts' | 'internal_error' | 'wechat_error' | 'sms_unavailable'
  | 'wechat_busy' | 'storage_unavailable' | 'wechat_timeout'
  // the SDK's own
  | 'network_error' | 'user_denied' | 'not_registered' | 'bad_environment'
  // API Gateway's own 429: a route's throttling limits (template.yaml), no wxauth code
  | 'throttled'
  // an answer without a wxauth code (e.g. API Gateway's, or your own route's): `http_<status>`
  | `http_${number}`;

export class WxauthError extends Error {
  readonly name: 'WxauthError';
  readonly code: WxauthErrorCode;
  /** HTTP status; 0 when no answer came (network_error, user_denied, not_registered). */
  readonly status: number;
  /** Seconds from the answer's Retry-After, or null. */
  readonly retryAfter: number | null;
  /** wxauth's id of the request, which its logs carry; null when wxauth did not answer. */
  readonly requestId: string | null;
  /** The answer's body, for a non-2xx answer. */
  readonly data?: unknown;
}

export type LoginResult =
  | {
      registered: true;
      userId: string;
      isNewUser: boolean;
      hasUnionId?: boolean;
      hasPhone?: boolean;
      /** With a phone code: whether the number was bound. */
      phoneBound?: boolean;
      /** Why it was not, when phoneBound is false. */
      phoneError?: WxauthErrorCode;
    }
  | {
      /** REGISTRATION=phone_required: no account yet; the SDK keeps the ticket. */
      registered: false;
      ticketExpiresIn: number;
    };

export interface NumberLoginResult {
  registered: true;
  userId: string;
  isNewUser: boolean;
}

export interface RequestOptions {
  /** A path under baseUrl ('/auth/me'), or an absolute URL. */
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';
  /** A GET's query; any other method's JSON body. */
  data?: string | Record<string, unknown> | unknown[];
  header?: Record<string, string>;
}

export interface Response<T = any> {
  statusCode: number;
  data: T;
  header: Record<string, string>;
}

export interface PhoneBound {
  userId: string;
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface ContentCheck {
  state: 'passed' | 'review' | 'unchecked' | 'off' | 'wechat';
  label?: number;
  at: number;
}

export interface Profile {
  nickName?: string;
  avatarUrl?: string;
  gender?: number;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
}

export interface ProfileAnswer {
  profile: Profile;
  contentChecks: { nickName?: ContentCheck; avatar?: ContentCheck };
}

export interface Avatar {
  state: 'pending' | 'active' | 'refused';
  url: string;
  label?: number;
}

export interface DecryptedProfile {
  userId: string;
  unionId?: string;
  profile: Profile;
}

export interface Me {
  userId: string;
  identities: Array<
    | { kind: 'wechat'; appid: string; openid: string }
    | { kind: 'phone'; phone: string }
  >;
  hasUnionId: boolean;
  hasPassword?: boolean;
  profile: Profile;
  contentChecks: { nickName?: ContentCheck; avatar?: ContentCheck };
  avatar?: Avatar;
  sessions: number;
  createdAt: number;
}

/** What wx.getUserProfile / wx.getUserInfo hand over (older clients). */
export type ProfileData =
  | (WechatMiniprogram.GeneralCallbackResult & Partial<WechatMiniprogram.GetUserProfileSuccessCallbackResult>)
  | { errMsg?: string; encryptedData: string; iv: string; rawData?: string; signature?: string };

/** The getPhoneNumber button's event, or its detail. */
export type PhoneEvent =
  | WechatMiniprogram.ButtonGetPhoneNumber
  | { detail: { errMsg: string; code?: string; encryptedData?: string; iv?: string } }
  | { errMsg: string; code?: string; encryptedData?: string; iv?: string };

export interface WxauthEvents {
  login: Extract<LoginResult, { registered: true }> | NumberLoginResult;
  logout: { all?: boolean; deleted?: boolean };
  sessionEnded: { code: WxauthErrorCode };
}

export interface Wxauth {
  login(): Promise<LoginResult>;
  request<T = any>(options: RequestOptions): Promise<Response<T>>;
  /** Resolves PhoneBound, or a LoginResult when no login was stored (the code then rides on the login). */
  bindPhone(event: PhoneEvent): Promise<PhoneBound | LoginResult>;
  setNickname(nickName: string): Promise<ProfileAnswer>;
  uploadAvatar(tempFilePath: string): Promise<{ avatar: Avatar }>;
  decryptProfile(res: ProfileData): Promise<DecryptedProfile>;
  sendSmsCode(phone: string, purpose?: 'login' | 'bind' | 'password'): Promise<{ sent: true; resendAfter: number }>;
  smsLogin(phone: string, code: string): Promise<NumberLoginResult>;
  passwordLogin(phone: string, password: string, proof?: { smsCode?: string; phoneCode?: string }): Promise<NumberLoginResult>;
  me(): Promise<Me>;
  logout(options?: { all?: boolean }): Promise<{ loggedOut: true }>;
  deleteAccount(): Promise<{ deleted: true }>;
  /** Returns a function that removes the listener. */
  on<E extends keyof WxauthEvents>(event: E, listener: (payload: WxauthEvents[E]) => void): () => void;
}

export function createWxauth(options: WxauthOptions): Wxauth;
