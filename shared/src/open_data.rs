//! Encrypted open data as the mini-program sends it (`encryptedData`, `iv`,
//! `rawData`, `signature`): parsing at the edge, then decryption and every check
//! on what the plaintext claims. CBC has no integrity, so nothing in the
//! plaintext is trusted beyond these checks; identity always comes from the
//! session (code2Session), never from decrypted data.

use crate::crypto::{decrypt_open_data, verify_raw_data_signature};
use crate::domain::{AppId, OpenId, SessionKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// A field that is not strict standard base64 of the expected size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct FieldError {
    pub field: &'static str,
    pub problem: &'static str,
}

/// Strict standard base64 (padding required), except for one known mangling:
/// a client that URL-encoded the body without escaping turns `+` into a space,
/// and no valid base64 text contains a space, so spaces are read back as `+`.
pub fn decode_base64_field(field: &'static str, text: &str) -> Result<Vec<u8>, FieldError> {
    let text = text.trim_matches(['\n', '\r']);
    let repaired;
    let text = if text.contains(' ') {
        repaired = text.replace(' ', "+");
        repaired.as_str()
    } else {
        text
    };
    STANDARD.decode(text).map_err(|_| FieldError {
        field,
        problem: "is not valid base64",
    })
}

/// `encryptedData` and `iv`, decoded and size-checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedOpenData {
    pub ciphertext: Vec<u8>,
    pub iv: [u8; 16],
}

impl EncryptedOpenData {
    pub fn parse(encrypted_data: &str, iv: &str) -> Result<Self, FieldError> {
        let ciphertext = decode_base64_field("encryptedData", encrypted_data)?;
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
            return Err(FieldError {
                field: "encryptedData",
                problem: "must decode to a non-empty multiple of 16 bytes",
            });
        }
        let iv = decode_base64_field("iv", iv)?
            .try_into()
            .map_err(|_| FieldError {
                field: "iv",
                problem: "must decode to 16 bytes",
            })?;
        Ok(Self { ciphertext, iv })
    }
}

/// Why decrypted open data was refused. Each maps to one API error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenDataError {
    /// Padding, UTF-8 or JSON failed: the data was made with another session_key.
    #[error("the data was encrypted with another session_key")]
    SessionKeyStale,
    /// The data does not decrypt although WeChat confirmed (`checksession`)
    /// that the session's key is current: forged, truncated, or from another
    /// session. Only the use cases tell this apart from [`Self::SessionKeyStale`].
    #[error("the data does not decrypt with the session's current session_key")]
    BadData,
    #[error("watermark.appid is not this app's appid")]
    WatermarkMismatch,
    #[error("watermark.timestamp is too old")]
    WatermarkExpired,
    #[error("the payload's openId is not the session's")]
    OpenIdMismatch,
    #[error("rawData signature does not match")]
    SignatureMismatch,
}

/// What the checks need to know about the session and the time.
pub struct Expectations<'a> {
    pub appid: &'a AppId,
    pub openid: &'a OpenId,
    /// Unix seconds.
    pub now: u64,
    /// 0 turns the freshness check off (replaying old vectors).
    pub max_age_secs: u64,
}

/// Decrypts and checks open data; answers the payload's JSON object.
pub fn open(
    session_key: &SessionKey,
    data: &EncryptedOpenData,
    raw_data: Option<(&str, &str)>,
    expect: &Expectations<'_>,
) -> Result<Map<String, Value>, OpenDataError> {
    let plaintext = decrypt_open_data(session_key, &data.iv, &data.ciphertext)
        .map_err(|_| OpenDataError::SessionKeyStale)?;
    let payload = match serde_json::from_slice::<Value>(&plaintext) {
        Ok(Value::Object(payload)) => payload,
        _ => return Err(OpenDataError::SessionKeyStale),
    };
    let watermark = payload
        .get("watermark")
        .ok_or(OpenDataError::WatermarkMismatch)?;
    if watermark.get("appid").and_then(Value::as_str) != Some(expect.appid.as_str()) {
        return Err(OpenDataError::WatermarkMismatch);
    }
    if expect.max_age_secs > 0 {
        let timestamp = watermark
            .get("timestamp")
            .and_then(Value::as_u64)
            .ok_or(OpenDataError::WatermarkExpired)?;
        if timestamp.saturating_add(expect.max_age_secs) < expect.now {
            return Err(OpenDataError::WatermarkExpired);
        }
    }
    if payload
        .get("openId")
        .is_some_and(|openid| openid.as_str() != Some(expect.openid.as_str()))
    {
        return Err(OpenDataError::OpenIdMismatch);
    }
    if raw_data
        .is_some_and(|(raw, signature)| !verify_raw_data_signature(raw, session_key, signature))
    {
        return Err(OpenDataError::SignatureMismatch);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = include_str!("../../tests/fixtures/wechat-vectors/userinfo-official.json");
    const RAW_VECTOR: &str =
        include_str!("../../tests/fixtures/wechat-vectors/rawdata-signature-official.json");

    fn vector() -> Value {
        serde_json::from_str(VECTOR).unwrap()
    }

    fn parts() -> (SessionKey, EncryptedOpenData, AppId, OpenId) {
        let v = vector();
        let key = SessionKey::parse(v["session_key"].as_str().unwrap()).unwrap();
        let data = EncryptedOpenData::parse(
            v["encrypted_data"].as_str().unwrap(),
            v["iv"].as_str().unwrap(),
        )
        .unwrap();
        let appid = AppId::parse(v["appid"].as_str().unwrap()).unwrap();
        (
            key,
            data,
            appid,
            OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").unwrap(),
        )
    }

    fn expect<'a>(appid: &'a AppId, openid: &'a OpenId, max_age_secs: u64) -> Expectations<'a> {
        Expectations {
            appid,
            openid,
            now: 1_477_314_187 + 100,
            max_age_secs,
        }
    }

    #[test]
    fn the_official_vector_opens() {
        let (key, data, appid, openid) = parts();
        let payload = open(&key, &data, None, &expect(&appid, &openid, 0)).unwrap();
        assert_eq!(payload["nickName"], "Band");
        assert_eq!(payload["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
        assert!(
            open(&key, &data, None, &expect(&appid, &openid, 600)).is_ok(),
            "100 s old is fresh"
        );
        let mut late = expect(&appid, &openid, 600);
        late.now += 600;
        assert_eq!(
            open(&key, &data, None, &late),
            Err(OpenDataError::WatermarkExpired)
        );
    }

    #[test]
    fn checks_refuse_what_does_not_match() {
        let (key, data, appid, openid) = parts();
        let other_app = AppId::parse("wx0000000000000000").unwrap();
        assert_eq!(
            open(&key, &data, None, &expect(&other_app, &openid, 0)),
            Err(OpenDataError::WatermarkMismatch)
        );
        let other_user = OpenId::parse("oSomeoneElse").unwrap();
        assert_eq!(
            open(&key, &data, None, &expect(&appid, &other_user, 0)),
            Err(OpenDataError::OpenIdMismatch)
        );
        let rotated = SessionKey::parse("HyVFkGl5F5OQWJZZaNzBBg==").unwrap();
        assert_eq!(
            open(&rotated, &data, None, &expect(&appid, &openid, 0)),
            Err(OpenDataError::SessionKeyStale)
        );
    }

    #[test]
    fn flipping_iv_bits_rewrites_the_openid_and_is_refused() {
        let (key, mut data, appid, openid) = parts();
        // Byte 12 of the first plaintext block is inside the openId value.
        data.iv[12] ^= 0x01;
        assert_eq!(
            open(&key, &data, None, &expect(&appid, &openid, 0)),
            Err(OpenDataError::OpenIdMismatch)
        );
    }

    #[test]
    fn raw_data_signature_is_checked() {
        let raw: Value = serde_json::from_str(RAW_VECTOR).unwrap();
        let key = SessionKey::parse(raw["session_key"].as_str().unwrap()).unwrap();
        let (raw_data, signature) = (
            raw["raw_data"].as_str().unwrap(),
            raw["signature"].as_str().unwrap(),
        );
        assert!(verify_raw_data_signature(raw_data, &key, signature));
        let (vector_key, data, appid, openid) = parts();
        // The official rawData belongs to another session_key than the userinfo vector.
        assert_eq!(
            open(
                &vector_key,
                &data,
                Some((raw_data, signature)),
                &expect(&appid, &openid, 0)
            ),
            Err(OpenDataError::SignatureMismatch)
        );
    }

    #[test]
    fn base64_fields_are_strict_but_forgive_spaces_for_plus() {
        let v = vector();
        let data = v["encrypted_data"].as_str().unwrap();
        assert!(data.contains('+'));
        let mangled = data.replace('+', " ");
        let iv = v["iv"].as_str().unwrap();
        assert_eq!(
            EncryptedOpenData::parse(&mangled, iv),
            EncryptedOpenData::parse(data, iv)
        );
        let bad = |d: &str, i: &str| EncryptedOpenData::parse(d, i).unwrap_err();
        assert_eq!(
            bad("AAAA", iv).field,
            "encryptedData",
            "3 bytes is not whole blocks"
        );
        assert_eq!(bad("", iv).field, "encryptedData");
        assert_eq!(bad("%%%", iv).field, "encryptedData");
        assert_eq!(bad(data, "AAAA").field, "iv");
        assert_eq!(
            bad(data, iv.trim_end_matches('=')).field,
            "iv",
            "padding is required"
        );
        assert_eq!(
            bad(&data.replace('+', "-"), iv).field,
            "encryptedData",
            "url-safe alphabet is refused"
        );
    }
}
