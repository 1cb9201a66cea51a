//! Every environment variable wxauth reads, with its default and range. The
//! README's "Configuration" table describes the same list for operators; the
//! section modules read them, nothing else names them.

use std::ops::RangeInclusive;

// WeChat: the apps served and how they are reached.

/// The mini-programs' AppIDs: one, or several separated by commas (the first
/// is the default for requests naming none). Required by login,
/// decrypt-profile and bind-phone.
pub const WECHAT_APPID: &str = "WECHAT_APPID";
/// Secret. Their AppSecrets, in the same order, separated by commas. Required
/// by login and bind-phone; the local server runs the simulator without it.
pub const WECHAT_SECRET: &str = "WECHAT_SECRET";
/// WeChat's API base URL (`http://` or `https://`, a trailing `/` dropped).
pub const WECHAT_API_BASE: &str = "WECHAT_API_BASE";
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";
/// How long one WeChat call may wait for an answer, in milliseconds.
pub const WECHAT_TIMEOUT_MS: &str = "WECHAT_TIMEOUT_MS";
pub const DEFAULT_WECHAT_TIMEOUT_MS: u64 = 5_000;
pub const WECHAT_TIMEOUT_MS_RANGE: RangeInclusive<u64> = 100..=10_000;

// Decrypted open data (decrypt-profile, bind-phone).

/// How old a watermark may be, in seconds; `0` turns the check off.
pub const WATERMARK_MAX_AGE_SECS: &str = "WATERMARK_MAX_AGE_SECS";
pub const DEFAULT_WATERMARK_MAX_AGE_SECS: u64 = 600;
pub const WATERMARK_MAX_AGE_SECS_RANGE: RangeInclusive<u64> = 0..=86_400;

// WeChat's content security checks of what users type (decrypt-profile, for
// `PUT /auth/profile/nickname`).

/// `strict` (the default: without WeChat's verdict nothing is stored),
/// `lenient` (without a verdict it is stored, marked `unchecked`) or `off`
/// (never checked, stored marked `off`: tests and closed betas).
pub const CONTENT_CHECK: &str = "CONTENT_CHECK";
pub const DEFAULT_CONTENT_CHECK: &str = "strict";
/// What WeChat's `review` verdict does: `accept` (the default: stored, marked
/// `review` with WeChat's label) or `reject` (refused like `risky`).
pub const CONTENT_CHECK_REVIEW: &str = "CONTENT_CHECK_REVIEW";
pub const DEFAULT_CONTENT_CHECK_REVIEW: &str = "accept";
/// Seconds after an avatar upload from which a pending avatar is decided as
/// though WeChat gave no verdict (refused under `strict`, shown unchecked
/// under `lenient`). WeChat documents its verdict within 30 minutes.
pub const AVATAR_CHECK_TIMEOUT_SECS: &str = "AVATAR_CHECK_TIMEOUT_SECS";
pub const DEFAULT_AVATAR_CHECK_TIMEOUT_SECS: u64 = 1_800;
pub const AVATAR_CHECK_TIMEOUT_SECS_RANGE: RangeInclusive<u64> = 60..=86_400;
/// Where the avatars' URLs start (a CDN in front of the bucket, e.g. the
/// template's CloudFront distribution), without a trailing `/`. Unset: the
/// API's own domain, as a request reached it (`GET /avatars/…`).
pub const AVATAR_BASE_URL: &str = "AVATAR_BASE_URL";

// WeChat's message push (消息推送), as set in the mini-program admin: the
// avatar function, which takes WeChat's verdicts on avatars.

/// The Token (3 to 32 letters and digits).
pub const WECHAT_PUSH_TOKEN: &str = "WECHAT_PUSH_TOKEN";
/// The EncodingAESKey (43 characters): safe mode decrypts with it.
pub const WECHAT_PUSH_AES_KEY: &str = "WECHAT_PUSH_AES_KEY";

// SMS verification codes: who sends them. Only the binaries that send codes
// read these; with `tencent` or `aws`, that provider's settings are required.

/// `outbox` (the local server's file of messages, never a real SMS),
/// `tencent` (Tencent Cloud SMS), `aws` (AWS End User Messaging SMS) or
/// `tencent+aws` (+86 numbers by Tencent, every other number by AWS).
pub const SMS_PROVIDER: &str = "SMS_PROVIDER";
pub const DEFAULT_SMS_PROVIDER: &str = "outbox";
/// Tencent Cloud SMS: the API key's SecretId. Required with `tencent`.
pub const TENCENT_SMS_SECRET_ID: &str = "TENCENT_SMS_SECRET_ID";
/// Secret. The API key's SecretKey. Required with `tencent`.
pub const TENCENT_SMS_SECRET_KEY: &str = "TENCENT_SMS_SECRET_KEY";
/// The SMS application's SdkAppId (digits, `1400…`). Required with `tencent`.
pub const TENCENT_SMS_SDK_APP_ID: &str = "TENCENT_SMS_SDK_APP_ID";
/// The approved signature's text (签名), without brackets. Required with
/// `tencent`.
pub const TENCENT_SMS_SIGN_NAME: &str = "TENCENT_SMS_SIGN_NAME";
/// The approved template's id (digits); the template takes the code as its
/// one parameter. Required with `tencent`.
pub const TENCENT_SMS_TEMPLATE_ID: &str = "TENCENT_SMS_TEMPLATE_ID";
/// The API region (`X-TC-Region`): `ap-guangzhou`, `ap-beijing` or
/// `ap-nanjing`.
pub const TENCENT_SMS_REGION: &str = "TENCENT_SMS_REGION";
pub const DEFAULT_TENCENT_SMS_REGION: &str = "ap-guangzhou";
/// The API's base URL (`https://` or `http://`, no path, a trailing `/`
/// dropped): the tests point it at their stand-in.
pub const TENCENT_SMS_ENDPOINT: &str = "TENCENT_SMS_ENDPOINT";
pub const DEFAULT_TENCENT_SMS_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
/// How long one `SendSms` call may wait for an answer, in milliseconds.
pub const TENCENT_SMS_TIMEOUT_MS: &str = "TENCENT_SMS_TIMEOUT_MS";
pub const DEFAULT_TENCENT_SMS_TIMEOUT_MS: u64 = 5_000;
pub const TENCENT_SMS_TIMEOUT_MS_RANGE: RangeInclusive<u64> = 100..=10_000;
/// AWS End User Messaging SMS: the region it is called in (not an AWS China
/// region: the service does not run there). Unset: the function's own
/// `AWS_REGION`.
pub const AWS_SMS_REGION: &str = "AWS_SMS_REGION";
/// The API's base URL (`https://` or `http://`, no path, a trailing `/`
/// dropped): the tests point it at their stand-in.
pub const AWS_SMS_ENDPOINT: &str = "AWS_SMS_ENDPOINT";
/// The default endpoint, `{region}` replaced by the region.
pub const DEFAULT_AWS_SMS_ENDPOINT: &str = "https://sms-voice.{region}.amazonaws.com";
/// The phone number, sender ID, pool (id or ARN) the messages come from.
/// Unset: AWS picks one of the account's for each destination.
pub const AWS_SMS_ORIGINATION_IDENTITY: &str = "AWS_SMS_ORIGINATION_IDENTITY";
/// The configuration set (name or ARN) the messages are sent with. Unset:
/// none.
pub const AWS_SMS_CONFIGURATION_SET: &str = "AWS_SMS_CONFIGURATION_SET";
/// The message text, with `{code}` exactly once where the code goes.
pub const AWS_SMS_MESSAGE: &str = "AWS_SMS_MESSAGE";
pub const DEFAULT_AWS_SMS_MESSAGE: &str =
    "Your verification code is {code}. It expires in 5 minutes. Do not share it.";
/// How long one `SendTextMessage` call may wait for an answer, in
/// milliseconds.
pub const AWS_SMS_TIMEOUT_MS: &str = "AWS_SMS_TIMEOUT_MS";
pub const DEFAULT_AWS_SMS_TIMEOUT_MS: u64 = 5_000;
pub const AWS_SMS_TIMEOUT_MS_RANGE: RangeInclusive<u64> = 100..=10_000;
/// An access key of an account in a global region, for a stack in an AWS
/// China region (whose credentials cannot call the global regions). Both or
/// neither; unset: the function's own credentials (`AWS_ACCESS_KEY_ID`, ...).
pub const AWS_SMS_ACCESS_KEY_ID: &str = "AWS_SMS_ACCESS_KEY_ID";
/// Secret. That access key's secret.
pub const AWS_SMS_SECRET_ACCESS_KEY: &str = "AWS_SMS_SECRET_ACCESS_KEY";

// Our own tokens (every binary).

/// Who may become a new user by WeChat login alone: `open` (anyone, the
/// default) or `phone_required` (only with a number: the phone button's code,
/// or an SMS or password login redeeming the login ticket).
pub const REGISTRATION: &str = "REGISTRATION";

/// `iss` of our tokens.
pub const TOKEN_ISSUER: &str = "TOKEN_ISSUER";
pub const DEFAULT_TOKEN_ISSUER: &str = "wxauth";
/// `aud` of our tokens.
pub const TOKEN_AUDIENCE: &str = "TOKEN_AUDIENCE";
pub const DEFAULT_TOKEN_AUDIENCE: &str = "wxauth-miniprogram";
/// Access token lifetime in seconds, a minute to a day (refresh tokens renew
/// them).
pub const ACCESS_TOKEN_TTL_SECS: &str = "ACCESS_TOKEN_TTL_SECS";
/// Its name before refresh tokens existed, still read when the new one is unset.
pub const TOKEN_TTL_SECS: &str = "TOKEN_TTL_SECS";
pub const DEFAULT_ACCESS_TOKEN_TTL_SECS: u64 = 900;
pub const ACCESS_TOKEN_TTL_SECS_RANGE: RangeInclusive<u64> = 60..=86_400;
/// A session ends this long after its last refresh (sliding), an hour to a year.
pub const REFRESH_TOKEN_TTL_SECS: &str = "REFRESH_TOKEN_TTL_SECS";
pub const DEFAULT_REFRESH_TOKEN_TTL_SECS: u64 = 30 * 86_400;
pub const REFRESH_TOKEN_TTL_SECS_RANGE: RangeInclusive<u64> = 3_600..=365 * 86_400;
/// ... and at the latest this long after its login (absolute), an hour to two
/// years.
pub const SESSION_MAX_LIFETIME_SECS: &str = "SESSION_MAX_LIFETIME_SECS";
pub const DEFAULT_SESSION_MAX_LIFETIME_SECS: u64 = 180 * 86_400;
pub const SESSION_MAX_LIFETIME_SECS_RANGE: RangeInclusive<u64> = 3_600..=730 * 86_400;
/// Seconds during which the refresh token a rotation replaced still rotates
/// (a client retrying a lost answer); 0 turns it off; at most a minute.
pub const REFRESH_REUSE_GRACE_SECS: &str = "REFRESH_REUSE_GRACE_SECS";
pub const DEFAULT_REFRESH_REUSE_GRACE_SECS: u64 = 10;
pub const REFRESH_REUSE_GRACE_SECS_RANGE: RangeInclusive<u64> = 0..=60;
/// Secret. The RSA private key, PEM (PKCS#8 or PKCS#1); literal `\n` are read
/// as newlines. Required; the local server generates one when unset.
pub const TOKEN_SIGNING_KEY: &str = "TOKEN_SIGNING_KEY";
/// Public keys (PEM) also accepted and published, for the overlap of a key
/// rotation; literal `\n` are read as newlines. Empty by default.
pub const TOKEN_VERIFY_KEYS: &str = "TOKEN_VERIFY_KEYS";
/// Secret. The key SMS codes are hashed under, base64url of 32 bytes: the
/// template derives it from the signing key at deploy time (the `token-keys`
/// custom resource) for the functions that check codes. Unset: derived from
/// `TOKEN_SIGNING_KEY` (the local server).
pub const SMS_CODE_KEY: &str = "SMS_CODE_KEY";

// DynamoDB (the Lambda functions; the local server uses its data directory).

/// The table. Required by the Lambda functions.
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The region; Lambda sets it. Required by the Lambda functions.
pub const AWS_REGION: &str = "AWS_REGION";
/// Read when `AWS_REGION` is unset.
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// The execution role's credentials; Lambda sets them. The key id is required.
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Secret. Required.
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Secret. Set by Lambda for a role's temporary credentials; unset otherwise.
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// Points the functions at another DynamoDB (the tests' emulator). Unset: the
/// region's endpoint.
pub const AWS_ENDPOINT_URL_DYNAMODB: &str = "AWS_ENDPOINT_URL_DYNAMODB";
/// Read when `AWS_ENDPOINT_URL_DYNAMODB` (or, for avatars, `AWS_ENDPOINT_URL_S3`)
/// is unset.
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

// Avatars (the functions that store them; the local server uses its data
// directory).

/// The S3 bucket avatars are stored in. Required by the functions that store
/// avatars.
pub const AVATAR_BUCKET: &str = "AVATAR_BUCKET";
/// Points the avatar store at another S3 (the tests' emulator), addressed by
/// path. Unset: the region's endpoint.
pub const AWS_ENDPOINT_URL_S3: &str = "AWS_ENDPOINT_URL_S3";

// TLS: read by `tls::client_config`, once per process, when the first
// outbound client is built.

/// A PEM bundle of the root certificates every HTTPS call trusts. Unset: the
/// system's bundle file (`tls::SYSTEM_BUNDLES`).
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

// Logs: read by `logging::init`, before the configuration, so that a bad
// setting is logged.

/// `error`, `warn`, `info`, `debug` or `trace` for wxauth's own logs.
pub const LOG_LEVEL: &str = "LOG_LEVEL";
pub const DEFAULT_LOG_LEVEL: &str = "info";
/// An expert override of the whole filter. Unset by default.
pub const RUST_LOG: &str = "RUST_LOG";
