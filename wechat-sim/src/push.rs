//! Message push (消息推送) as WeChat sends it in secure mode (安全模式): the
//! simulator's own implementation of WeChat's `WXBizMsgCrypt` scheme, written
//! apart from the backend's (the simulator does not depend on it), so that a
//! test where both agree checks two readings of WeChat's documentation.
//!
//! A push is `POST <url>?signature=&timestamp=&nonce=&openid=&encrypt_type=aes&msg_signature=`
//! with the JSON body `{"ToUserName","Encrypt"}`, where
//! - `Encrypt` = base64(AES-256-CBC(key, iv = key[0..16], PKCS#7 padding to a
//!   32-byte block, of 16 random bytes ‖ 4-byte big-endian length ‖ message ‖
//!   appid)), key = base64(EncodingAESKey + "=");
//! - `signature` = hex sha1 of the sorted `[token, timestamp, nonce]` joined;
//! - `msg_signature` = hex sha1 of the sorted `[token, timestamp, nonce, Encrypt]`.

use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;

use crate::{clock, random};

/// Environment variables read by [`PushTarget::from_env`].
pub const PUSH_URL_VAR: &str = "WECHAT_SIM_PUSH_URL";
pub const PUSH_TOKEN_VAR: &str = "WECHAT_SIM_PUSH_TOKEN";
pub const PUSH_AES_KEY_VAR: &str = "WECHAT_SIM_PUSH_AES_KEY";

/// Base64 that ignores the spare low bits of a 43-character key, as WeChat's
/// SDKs do (the official sample key `…ABCDEFG` sets them).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Where and how an app's message pushes go: what a developer enters in the
/// mini-program admin (开发管理 → 消息推送), secure mode, JSON format.
#[derive(Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// The full push URL, e.g. `http://127.0.0.1:3000/wechat/push`.
    pub url: String,
    /// The Token (3 to 32 characters in the admin; not checked here).
    pub token: String,
    /// The 43-character EncodingAESKey.
    pub encoding_aes_key: String,
}

impl PushTarget {
    /// The target from [`PUSH_URL_VAR`], [`PUSH_TOKEN_VAR`] and
    /// [`PUSH_AES_KEY_VAR`] as `lookup` finds them: `Ok(None)` when the URL is
    /// unset, an error naming the variable when the token is missing or the
    /// key is not a valid EncodingAESKey. For a host (e.g. the dev server)
    /// that passes its configuration on to [`Simulator::set_push_target`](crate::Simulator::set_push_target).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let Some(url) = lookup(PUSH_URL_VAR).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let token = lookup(PUSH_TOKEN_VAR)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("{PUSH_URL_VAR} is set but {PUSH_TOKEN_VAR} is not"))?;
        let encoding_aes_key = lookup(PUSH_AES_KEY_VAR).unwrap_or_default();
        if aes_key(&encoding_aes_key).is_none() {
            return Err(format!(
                "{PUSH_AES_KEY_VAR} must be a 43-character EncodingAESKey"
            ));
        }
        Ok(Some(Self {
            url,
            token,
            encoding_aes_key,
        }))
    }

    /// [`from_lookup`](Self::from_lookup) over the process environment.
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

impl std::fmt::Debug for PushTarget {
    /// The token and key are secrets of the app: left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushTarget")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The AES-256 key behind an EncodingAESKey, if it is one (43 characters of
/// base64 for 32 bytes).
pub(crate) fn aes_key(encoding_aes_key: &str) -> Option<[u8; 32]> {
    if encoding_aes_key.len() != 43 {
        return None;
    }
    LENIENT
        .decode(format!("{encoding_aes_key}="))
        .ok()?
        .try_into()
        .ok()
}

/// Lowercase hex sha1 of `parts` sorted and concatenated.
pub(crate) fn sorted_sha1(parts: &[&str]) -> String {
    let mut parts = parts.to_vec();
    parts.sort_unstable();
    digest(&SHA1_FOR_LEGACY_USE_ONLY, parts.concat().as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Encrypt` for `message` from `appid`, with the 16 `random` bytes in front.
pub(crate) fn seal(key: &[u8; 32], random: [u8; 16], message: &str, appid: &str) -> String {
    let length = u32::try_from(message.len()).expect("simulated messages are small");
    let mut plain = random.to_vec();
    plain.extend_from_slice(&length.to_be_bytes());
    plain.extend_from_slice(message.as_bytes());
    plain.extend_from_slice(appid.as_bytes());
    // PKCS#7 to WeChat's 32-byte block: 1 to 32 bytes, each the count.
    let pad = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    let cipher = UnboundCipherKey::new(&AES_256, key)
        .and_then(EncryptingKey::cbc)
        .expect("a 32-byte key is an AES-256 key");
    cipher
        .less_safe_encrypt(&mut plain, EncryptionContext::Iv128(iv.into()))
        .expect("whole blocks encrypt");
    STANDARD.encode(plain)
}

/// A push ready to send: the full URL and the body.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub(crate) url: String,
    pub(crate) body: String,
}

/// The secure-mode body, members in WeChat's order.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "ToUserName")]
    to_user_name: &'a str,
    #[serde(rename = "Encrypt")]
    encrypt: &'a str,
}

/// Seals `message` (the event JSON) from `appid` for user `openid` to
/// `target`, with a fresh timestamp, nonce and random prefix. `None` if the
/// target's key is not an EncodingAESKey (checked when it is set).
pub(crate) fn envelope(
    target: &PushTarget,
    appid: &str,
    original_id: &str,
    openid: &str,
    message: &str,
) -> Option<Envelope> {
    let key = aes_key(&target.encoding_aes_key)?;
    // WeChat's random prefix is 16 printable characters (`a8eedb185eb2fecf`).
    let random: [u8; 16] = hex16(random::bytes::<8>());
    let encrypt = seal(&key, random, message, appid);
    let timestamp = clock::unix_now().to_string();
    let nonce = random::u32().to_string();
    let signature = sorted_sha1(&[&target.token, &timestamp, &nonce]);
    let msg_signature = sorted_sha1(&[&target.token, &timestamp, &nonce, &encrypt]);
    let query = [
        ("signature", signature.as_str()),
        ("timestamp", &timestamp),
        ("nonce", &nonce),
        ("openid", openid),
        ("encrypt_type", "aes"),
        ("msg_signature", &msg_signature),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={}", query_escape(value)))
    .collect::<Vec<_>>()
    .join("&");
    let separator = if target.url.contains('?') { '&' } else { '?' };
    let body = serde_json::to_string(&Body {
        to_user_name: original_id,
        encrypt: &encrypt,
    })
    .expect("strings serialise");
    Some(Envelope {
        url: format!("{}{separator}{query}", target.url),
        body,
    })
}

/// 8 bytes as 16 lowercase hex characters.
fn hex16(bytes: [u8; 8]) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// Percent-encodes all but unreserved characters (openids may hold `-`/`_`,
/// which stay; nothing else here needs more, but be safe).
fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vector(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_official_reply_and_push_are_reproduced() {
        let v = vector(include_str!(
            "../../tests/fixtures/wechat-vectors/message-push-official.json"
        ));
        let s = |v: &Value, name: &str| v[name].as_str().unwrap().to_owned();
        let key = aes_key(&s(&v, "encoding_aes_key")).unwrap();
        let reply = &v["encrypted_reply"];
        let random: [u8; 16] = s(reply, "random").as_bytes().try_into().unwrap();
        let encrypt = seal(&key, random, &s(reply, "msg"), &s(&v, "appid"));
        assert_eq!(encrypt, s(reply, "encrypt"));
        assert_eq!(
            sorted_sha1(&[
                &s(&v, "token"),
                &s(reply, "timestamp"),
                &s(reply, "nonce"),
                &encrypt
            ]),
            s(reply, "msg_signature")
        );
        let post = &v["secure_post"];
        let random: [u8; 16] = s(post, "decrypted_random_hex_text")
            .as_bytes()
            .try_into()
            .unwrap();
        assert_eq!(
            seal(&key, random, &s(post, "decrypted_msg"), &s(&v, "appid")),
            s(&post["body"], "Encrypt")
        );
        assert_eq!(
            sorted_sha1(&[&s(&v, "token"), &s(post, "timestamp"), &s(post, "nonce")]),
            s(post, "signature")
        );
    }

    #[test]
    fn keys_with_spare_bits_set_are_accepted() {
        let v = vector(include_str!(
            "../../tests/fixtures/wechat-vectors/message-crypt-sample.json"
        ));
        assert!(aes_key(v["encoding_aes_key"].as_str().unwrap()).is_some());
        assert!(aes_key(&"A".repeat(42)).is_none());
        assert!(aes_key(&format!("{}!", "A".repeat(42))).is_none());
    }

    #[test]
    fn the_envelope_carries_the_documented_query_and_body() {
        let target = PushTarget {
            url: "http://127.0.0.1:9/push".into(),
            token: "AAAAA".into(),
            encoding_aes_key: "A".repeat(43),
        };
        let sealed = envelope(&target, "wxapp", "gh_1", "o-user_1", "{}").unwrap();
        let (base, query) = sealed.url.split_once('?').unwrap();
        assert_eq!(base, "http://127.0.0.1:9/push");
        let names: Vec<&str> = query
            .split('&')
            .map(|pair| pair.split_once('=').unwrap().0)
            .collect();
        assert_eq!(
            names,
            [
                "signature",
                "timestamp",
                "nonce",
                "openid",
                "encrypt_type",
                "msg_signature"
            ]
        );
        assert!(query.contains("openid=o-user_1&encrypt_type=aes&"));
        let body: Value = serde_json::from_str(&sealed.body).unwrap();
        assert_eq!(body["ToUserName"], "gh_1");
        assert!(
            sealed
                .body
                .starts_with(r#"{"ToUserName":"gh_1","Encrypt":""#)
        );
    }

    #[test]
    fn the_target_comes_from_the_environment() {
        let env = |url: &'static str, token: &'static str, key: String| {
            move |name: &str| match name {
                PUSH_URL_VAR => Some(url.to_owned()),
                PUSH_TOKEN_VAR => Some(token.to_owned()),
                PUSH_AES_KEY_VAR => Some(key.clone()),
                _ => None,
            }
        };
        assert_eq!(PushTarget::from_lookup(|_| None), Ok(None));
        let target = PushTarget::from_lookup(env("http://h/p", "tok", "A".repeat(43)))
            .unwrap()
            .unwrap();
        assert_eq!(target.url, "http://h/p");
        assert_eq!(target.token, "tok");
        assert!(!format!("{target:?}").contains("tok"));
        assert!(PushTarget::from_lookup(env("http://h/p", "", "A".repeat(43))).is_err());
        assert!(PushTarget::from_lookup(env("http://h/p", "tok", "short".into())).is_err());
    }
}
