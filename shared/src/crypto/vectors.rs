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
        "push" => include_str!("../../../tests/fixtures/wechat-vectors/message-push-official.json"),
        "crypt" => include_str!("../../../tests/fixtures/wechat-vectors/message-crypt-sample.json"),
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

/// The 16 "random" bytes of a push vector: WeChat's example uses ASCII text.
fn random16(text: &str) -> [u8; 16] {
    text.as_bytes().try_into().unwrap()
}

#[test]
fn push_get_verification_signature() {
    let v = vector("push");
    let get = &v["verify_get"];
    let computed = message::signature(
        field(&v, "token"),
        field(get, "timestamp"),
        field(get, "nonce"),
    );
    assert_eq!(computed, field(get, "signature"));
    assert!(message::signature_matches(
        field(get, "signature"),
        &computed
    ));
    // Another nonce signs differently.
    assert!(!message::signature_matches(
        field(get, "signature"),
        &message::signature(field(&v, "token"), field(get, "timestamp"), "1514711493")
    ));
}

#[test]
fn push_plain_post_signature() {
    let v = vector("push");
    let post = &v["plain_post"];
    assert_eq!(
        message::signature(
            field(&v, "token"),
            field(post, "timestamp"),
            field(post, "nonce")
        ),
        field(post, "signature")
    );
}

#[test]
fn push_secure_post_signs_and_decrypts() {
    let v = vector("push");
    let post = &v["secure_post"];
    let token = field(&v, "token");
    let (timestamp, nonce) = (field(post, "timestamp"), field(post, "nonce"));
    let encrypt = field(&post["body"], "Encrypt");
    assert_eq!(
        message::signature(token, timestamp, nonce),
        field(post, "signature")
    );
    assert_eq!(
        message::msg_signature(token, timestamp, nonce, encrypt),
        field(post, "msg_signature")
    );
    let key = message::PushKey::parse(field(&v, "encoding_aes_key")).unwrap();
    let opened = message::decrypt(&key, encrypt).unwrap();
    assert_eq!(opened.message, field(post, "decrypted_msg"));
    assert_eq!(opened.appid, field(&v, "appid"));
    // The random prefix is the documented one: sealing again with it gives
    // WeChat's ciphertext back, byte for byte.
    let random = random16(field(post, "decrypted_random_hex_text"));
    assert_eq!(
        message::encrypt(&key, random, &opened.message, &opened.appid),
        encrypt
    );
}

#[test]
fn push_encrypted_reply_is_reproduced() {
    let v = vector("push");
    let reply = &v["encrypted_reply"];
    let key = message::PushKey::parse(field(&v, "encoding_aes_key")).unwrap();
    let encrypt = message::encrypt(
        &key,
        random16(field(reply, "random")),
        field(reply, "msg"),
        field(&v, "appid"),
    );
    assert_eq!(encrypt, field(reply, "encrypt"));
    assert_eq!(
        message::msg_signature(
            field(&v, "token"),
            field(reply, "timestamp"),
            field(reply, "nonce"),
            &encrypt
        ),
        field(reply, "msg_signature")
    );
}

#[test]
fn push_xml_sample_signs_and_decrypts() {
    let v = vector("crypt");
    let encrypt = field(&v, "encrypt");
    assert_eq!(
        message::msg_signature(
            field(&v, "token"),
            field(&v, "timestamp"),
            field(&v, "nonce"),
            encrypt
        ),
        field(&v, "msg_signature")
    );
    let key = message::PushKey::parse(field(&v, "encoding_aes_key")).unwrap();
    let opened = message::decrypt(&key, encrypt).unwrap();
    assert_eq!(opened.message, field(&v, "decrypted_msg"));
    assert_eq!(opened.appid, field(&v, "appid"));
}

#[test]
fn push_tampered_or_foreign_ciphertexts_fail() {
    let v = vector("push");
    let key = message::PushKey::parse(field(&v, "encoding_aes_key")).unwrap();
    let encrypt = field(&v["secure_post"]["body"], "Encrypt");
    let mut bytes = STANDARD.decode(encrypt).unwrap();
    // A flipped bit in the last block garbles the padding.
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    assert_eq!(
        message::decrypt(&key, &STANDARD.encode(&bytes)),
        Err(message::MessageCryptError::BadPadding)
    );
    // A flipped bit in the first block garbles the random bytes and, through
    // CBC, flips the same bit of the length (the second block's byte 2): the
    // length now claims 16 KiB more than there is.
    let mut bytes = STANDARD.decode(encrypt).unwrap();
    bytes[2] ^= 0x40;
    assert_eq!(
        message::decrypt(&key, &STANDARD.encode(&bytes)),
        Err(message::MessageCryptError::Truncated)
    );
    // The XML sample's key does not open the JSON example.
    let wrong = message::PushKey::parse(field(&vector("crypt"), "encoding_aes_key")).unwrap();
    assert!(message::decrypt(&wrong, encrypt).is_err());
    // Cut to a block: too short for anything but garbage.
    assert!(
        message::decrypt(
            &key,
            &STANDARD.encode(&STANDARD.decode(encrypt).unwrap()[..16])
        )
        .is_err()
    );
}
