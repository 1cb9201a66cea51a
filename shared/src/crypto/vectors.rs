//! Known-answer tests with the vectors from WeChat's own documentation.

use super::*;
use crate::domain::SessionKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

fn vector(name: &str) -> Value {
    let text = match name {
        "userinfo" => include_str!("../../../tests/fixtures/wechat-vectors/userinfo-official.json"),
        "rawdata" => {
            include_str!("../../../tests/fixtures/wechat-vectors/rawdata-signature-official.json")
        }
        "session" => {
            include_str!("../../../tests/fixtures/wechat-vectors/session-signature-official.json")
        }
        "checksession" => {
            include_str!("../../../tests/fixtures/wechat-vectors/checksession-signature.json")
        }
        _ => unreachable!(),
    };
    serde_json::from_str(text).unwrap()
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap()
}

/// The official user-info vector's iv and ciphertext, decoded.
fn userinfo_iv_and_data(v: &Value) -> ([u8; 16], Vec<u8>) {
    let iv = STANDARD.decode(field(v, "iv")).unwrap().try_into().unwrap();
    (iv, STANDARD.decode(field(v, "encrypted_data")).unwrap())
}

#[test]
fn official_userinfo_decrypts_to_the_documented_plaintext() {
    let v = vector("userinfo");
    let key = SessionKey::parse(field(&v, "session_key")).unwrap();
    let (iv, data) = userinfo_iv_and_data(&v);
    let plain = decrypt_open_data(&key, &iv, &data).unwrap();
    assert_eq!(std::str::from_utf8(&plain).unwrap(), field(&v, "plaintext"));
}

#[test]
fn official_userinfo_with_another_key_fails_padding_or_json() {
    let v = vector("userinfo");
    let wrong = SessionKey::parse("HyVFkGl5F5OQWJZZaNzBBg==").unwrap();
    let (iv, data) = userinfo_iv_and_data(&v);
    match decrypt_open_data(&wrong, &iv, &data) {
        Err(DecryptError::BadPadding) => {}
        // One key in 256 decrypts to valid-looking padding; the JSON never parses.
        Ok(plain) => assert!(serde_json::from_slice::<Value>(&plain).is_err()),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn ciphertext_must_be_whole_blocks() {
    let key = SessionKey::parse("tiihtNczf5v6AKRyjwEUhQ==").unwrap();
    assert_eq!(
        decrypt_open_data(&key, &[0; 16], &[]),
        Err(DecryptError::BadLength)
    );
    assert_eq!(
        decrypt_open_data(&key, &[0; 16], &[0; 17]),
        Err(DecryptError::BadLength)
    );
}

#[test]
fn official_raw_data_signature() {
    let v = vector("rawdata");
    let key = SessionKey::parse(field(&v, "session_key")).unwrap();
    assert_eq!(
        raw_data_signature(field(&v, "raw_data"), &key),
        field(&v, "signature")
    );
    assert!(verify_raw_data_signature(
        field(&v, "raw_data"),
        &key,
        field(&v, "signature")
    ));
    assert!(verify_raw_data_signature(
        field(&v, "raw_data"),
        &key,
        &field(&v, "signature").to_ascii_uppercase()
    ));
    assert!(!verify_raw_data_signature(
        &format!("{} ", field(&v, "raw_data")),
        &key,
        field(&v, "signature")
    ));
}

#[test]
fn official_login_state_signature() {
    let v = vector("session");
    let key = SessionKey::parse(field(&v, "session_key")).unwrap();
    assert_eq!(
        login_state_signature(&key, field(&v, "message")),
        field(&v, "signature")
    );
}

#[test]
fn checksession_signature_signs_the_empty_message() {
    let v = vector("checksession");
    let key = SessionKey::parse(field(&v, "session_key")).unwrap();
    assert_eq!(field(&v, "message"), "");
    assert_eq!(login_state_signature(&key, ""), field(&v, "signature"));
}
