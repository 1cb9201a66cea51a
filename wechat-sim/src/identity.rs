//! Simulated identities and secrets: openids, unionids, session keys, access
//! tokens and phone codes.
//!
//! Openids and unionids are derived deterministically from labels, so a test
//! can compute the id it expects (`openid_for(appid, "alice")`) without asking
//! the simulator, and the same label always means the same user across runs.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::random;

/// Length of a WeChat openid/unionid, e.g. `oGZUI0egBJY1zhBYw2KhdUfwVJJE`.
const ID_LEN: usize = 28;
/// Random bytes in an access token; 100 give 134 base64url characters.
const ACCESS_TOKEN_BYTES: usize = 100;
/// Prefix of simulated access tokens. Real ones start with a small number and
/// `_` too (e.g. `86_...`); nothing may rely on it.
const ACCESS_TOKEN_PREFIX: &str = "86_";

/// The openid WeChat would give user `user` in mini-program `appid`.
///
/// Like real openids it is 28 characters from the base64url alphabet starting
/// with `o`, and differs between apps for the same user:
/// `"o"` + the first 27 characters of base64url-nopad(sha256(`"openid|" + appid + "|" + user`)).
pub fn openid_for(appid: &str, user: &str) -> String {
    derived_id(&format!("openid|{appid}|{user}"))
}

/// The unionid of open-platform account `label`.
///
/// Unlike openids it does not depend on the app: a unionid is shared by all
/// apps bound to one open-platform account. Same scheme as [`openid_for`] over
/// `"unionid|" + label`.
pub fn unionid_for(label: &str) -> String {
    derived_id(&format!("unionid|{label}"))
}

/// The mainland mobile number (without country code) of simulated user
/// `user`, when a mint does not name one: `"138"` + the first 8 bytes of
/// sha256(`"phone|" + user`) as a big-endian number, modulo 10^8, in 8 digits.
/// Distinct users get distinct numbers (but for a 1 in 10^8 chance per pair),
/// so a walk-through repeated as another user binds another number.
pub fn phone_for(user: &str) -> String {
    let hash = digest(&SHA256, format!("phone|{user}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_ref()[..8]);
    format!("138{:08}", u64::from_be_bytes(first) % 100_000_000)
}

/// The original id (原始ID) of mini-program `appid`, as message pushes name
/// it in `ToUserName`: `"gh_"` + the first 12 hex digits of
/// sha256(`"original|" + appid`), shaped like WeChat's `gh_97417a04a28d`.
pub fn original_id_for(appid: &str) -> String {
    let hash = digest(&SHA256, format!("original|{appid}").as_bytes());
    let hex: String = hash.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("gh_{hex}")
}

/// `"o"` followed by the first 27 base64url characters of the SHA-256 of `input`.
fn derived_id(input: &str) -> String {
    let hash = digest(&SHA256, input.as_bytes());
    let encoded = URL_SAFE_NO_PAD.encode(hash.as_ref());
    let mut id = String::with_capacity(ID_LEN);
    id.push('o');
    id.push_str(&encoded[..ID_LEN - 1]);
    id
}

/// A fresh session key as WeChat hands them out: 16 random bytes in standard
/// base64 (24 characters, `==`-padded, may contain `+` and `/`).
pub(crate) fn new_session_key() -> String {
    STANDARD.encode(random::bytes::<16>())
}

/// A fresh access token shaped like WeChat's: `86_` and 134 base64url
/// characters (137 in all; WeChat asks for 512 characters of storage).
pub(crate) fn new_access_token() -> String {
    let random = URL_SAFE_NO_PAD.encode(random::bytes::<ACCESS_TOKEN_BYTES>());
    format!("{ACCESS_TOKEN_PREFIX}{random}")
}

/// A fresh phone code (`<button open-type="getPhoneNumber">`) shaped like
/// WeChat's: 32 random bytes as 64 lowercase hex digits.
pub(crate) fn new_phone_code() -> String {
    random::bytes::<32>()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_wechat_id(id: &str) -> bool {
        id.len() == ID_LEN
            && id.starts_with('o')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    #[test]
    fn openids_look_like_wechat_ones_and_are_deterministic() {
        let id = openid_for("wx1", "alice");
        assert!(is_wechat_id(&id), "{id}");
        assert_eq!(id, openid_for("wx1", "alice"));
        assert_ne!(id, openid_for("wx2", "alice"));
        assert_ne!(id, openid_for("wx1", "bob"));
    }

    #[test]
    fn openid_follows_the_documented_scheme() {
        let hash = digest(&SHA256, b"openid|wx1|alice");
        let expected = format!("o{}", &URL_SAFE_NO_PAD.encode(hash.as_ref())[..27]);
        assert_eq!(openid_for("wx1", "alice"), expected);
    }

    #[test]
    fn unionids_do_not_depend_on_the_app_and_differ_from_openids() {
        let id = unionid_for("alice");
        assert!(is_wechat_id(&id), "{id}");
        assert_eq!(id, unionid_for("alice"));
        assert_ne!(id, unionid_for("bob"));
        assert_ne!(id, openid_for("", "alice"));
    }

    #[test]
    fn original_ids_look_like_wechat_ones_and_differ_per_app() {
        let id = original_id_for("wx00000000000000a1");
        assert_eq!(id.len(), 15, "{id}");
        assert!(id.starts_with("gh_"), "{id}");
        assert!(
            id[3..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(id, original_id_for("wx00000000000000a1"));
        assert_ne!(id, original_id_for("wx00000000000000b2"));
    }

    #[test]
    fn session_keys_are_16_random_bytes_in_standard_base64() {
        let key = new_session_key();
        assert_eq!(key.len(), 24);
        assert_eq!(STANDARD.decode(&key).unwrap().len(), 16);
        assert_ne!(key, new_session_key());
    }

    #[test]
    fn access_tokens_look_like_wechat_ones() {
        let token = new_access_token();
        assert_eq!(token.len(), 137, "{token}");
        assert!(token.starts_with("86_"), "{token}");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{token}"
        );
        assert_ne!(token, new_access_token());
    }

    #[test]
    fn phone_codes_are_64_hex_digits() {
        let code = new_phone_code();
        assert_eq!(code.len(), 64, "{code}");
        assert!(
            code.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{code}"
        );
        assert_ne!(code, new_phone_code());
    }
}
