//! WeChat's message-push crypto (消息推送, the `WXBizMsgCrypt` scheme): the
//! signatures on the push URL's query and the secure-mode `Encrypt` field.
//!
//! - `signature` = hex sha1 of the sorted `[token, timestamp, nonce]`
//!   concatenated: the GET verification and every POST carry it.
//! - `msg_signature` = hex sha1 of the sorted `[token, timestamp, nonce,
//!   Encrypt]`: in secure mode only this one covers the body.
//! - `Encrypt` = base64(AES-256-CBC(key, iv = key[0..16], PKCS#7 padded to a
//!   32-byte block (not AES's 16), of 16 random bytes ‖ 4-byte big-endian
//!   length ‖ message ‖ appid)), where key = base64(EncodingAESKey + "=").
//!
//! CBC has no integrity: a caller checks `msg_signature` first, and the
//! `appid` after decrypting. Everything here is checked against WeChat's
//! vectors in `tests/fixtures/wechat-vectors/`.

use std::fmt;

use aws_lc_rs::cipher::{
    AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::digest;
use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};

use super::hex;

/// Standard base64 that ignores the unused low bits of the last character.
/// A 43-character EncodingAESKey carries 258 bits for 256: WeChat's own
/// samples (`…ABCDEFG`) set the two spare bits, and WeChat's SDKs (PHP, Java,
/// Python) decode it anyway, so a strict decoder would refuse real keys.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// WeChat pads to a 32-byte block, not to AES's 16.
const PAD_BLOCK: usize = 32;
/// 16 random bytes, then the 4-byte message length.
const HEADER_LEN: usize = 20;

/// Why a message-push key or `Encrypt` field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MessageCryptError {
    /// The EncodingAESKey is not 43 base64 characters for 32 bytes.
    #[error("EncodingAESKey is not 43 base64 characters decoding to 32 bytes")]
    BadKey,
    /// `Encrypt` is not standard base64.
    #[error("Encrypt is not base64")]
    BadBase64,
    /// The ciphertext is empty or not a whole number of AES blocks.
    #[error("ciphertext is not a non-empty multiple of 16 bytes")]
    BadLength,
    /// The 32-byte-block PKCS#7 padding does not check out: in practice
    /// another key, or a tampered ciphertext.
    #[error("padding check failed")]
    BadPadding,
    /// The plaintext is shorter than its header, or than the length it claims.
    #[error("plaintext is shorter than its header or its length field")]
    Truncated,
    /// The message or the appid is not UTF-8.
    #[error("message or appid is not UTF-8")]
    NotUtf8,
}

/// The AES-256 key behind an EncodingAESKey. Its `Debug` shows no key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct PushKey([u8; 32]);

impl PushKey {
    /// Parses the EncodingAESKey from the mini-program admin: exactly 43
    /// characters, which with a `=` appended are the base64 of 32 bytes.
    pub fn parse(encoding_aes_key: &str) -> Result<PushKey, MessageCryptError> {
        if encoding_aes_key.len() != 43 {
            return Err(MessageCryptError::BadKey);
        }
        let bytes = LENIENT
            .decode(format!("{encoding_aes_key}="))
            .map_err(|_| MessageCryptError::BadKey)?;
        bytes
            .try_into()
            .map(PushKey)
            .map_err(|_| MessageCryptError::BadKey)
    }

    /// WeChat's iv is the key's first 16 bytes.
    fn iv(&self) -> [u8; 16] {
        let mut iv = [0; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }

    fn cipher_key(&self) -> UnboundCipherKey {
        // A 32-byte key is always a valid AES-256 key.
        UnboundCipherKey::new(&AES_256, &self.0).expect("32 bytes make an AES-256 key")
    }
}

impl fmt::Debug for PushKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushKey(<redacted>)")
    }
}

/// A decrypted `Encrypt`: the pushed message (JSON or XML, as configured)
/// and the appid WeChat appended, which the caller must compare with its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    pub message: String,
    pub appid: String,
}

/// Lowercase hex sha1 of `parts` sorted (byte order) and concatenated.
fn sorted_sha1(mut parts: Vec<&str>) -> String {
    parts.sort_unstable();
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    for part in parts {
        ctx.update(part.as_bytes());
    }
    hex(ctx.finish().as_ref())
}

/// The `signature` query parameter: the GET verification (answer `echostr`
/// when it matches) and plain-mode POSTs.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1(vec![token, timestamp, nonce])
}

/// The `msg_signature` query parameter of a secure-mode POST, which also
/// covers the body's `Encrypt`; and of an encrypted reply.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sorted_sha1(vec![token, timestamp, nonce, encrypt])
}

/// Whether the signature from the query is `computed`, in constant time.
/// Upper-case hex is accepted.
pub fn signature_matches(expected_hex_from_query: &str, computed: &str) -> bool {
    let given = expected_hex_from_query.to_ascii_lowercase();
    #[allow(deprecated)] // the replacement is not in every aws-lc-rs release we accept
    let equal =
        aws_lc_rs::constant_time::verify_slices_are_equal(given.as_bytes(), computed.as_bytes());
    equal.is_ok()
}

/// Decrypts a secure-mode `Encrypt`. Every malformed input is an error,
/// never a panic: the body comes from whoever reaches the push URL.
pub fn decrypt(key: &PushKey, encrypt_b64: &str) -> Result<PushMessage, MessageCryptError> {
    let mut buffer = STANDARD
        .decode(encrypt_b64)
        .map_err(|_| MessageCryptError::BadBase64)?;
    if buffer.is_empty() || !buffer.len().is_multiple_of(16) {
        return Err(MessageCryptError::BadLength);
    }
    let cipher = DecryptingKey::cbc(key.cipher_key()).map_err(|_| MessageCryptError::BadKey)?;
    let plain_len = cipher
        .decrypt(&mut buffer, DecryptionContext::Iv128(key.iv().into()))
        .map_err(|_| MessageCryptError::BadLength)?
        .len();
    buffer.truncate(plain_len);
    let unpadded = unpad(&buffer)?;
    let header = unpadded
        .get(..HEADER_LEN)
        .ok_or(MessageCryptError::Truncated)?;
    let mut length = [0; 4];
    length.copy_from_slice(&header[16..]);
    let length =
        usize::try_from(u32::from_be_bytes(length)).map_err(|_| MessageCryptError::Truncated)?;
    let rest = &unpadded[HEADER_LEN..];
    if length > rest.len() {
        return Err(MessageCryptError::Truncated);
    }
    let (message, appid) = rest.split_at(length);
    let text =
        |bytes: &[u8]| String::from_utf8(bytes.to_vec()).map_err(|_| MessageCryptError::NotUtf8);
    Ok(PushMessage {
        message: text(message)?,
        appid: text(appid)?,
    })
}

/// Strips PKCS#7 padding to a 32-byte block: the last byte `n` is 1 to 32
/// and the last `n` bytes all equal `n`.
fn unpad(plain: &[u8]) -> Result<&[u8], MessageCryptError> {
    let pad = usize::from(*plain.last().ok_or(MessageCryptError::BadPadding)?);
    if !(1..=PAD_BLOCK).contains(&pad) || pad > plain.len() {
        return Err(MessageCryptError::BadPadding);
    }
    let (body, padding) = plain.split_at(plain.len() - pad);
    if padding.iter().any(|&b| usize::from(b) != pad) {
        return Err(MessageCryptError::BadPadding);
    }
    Ok(body)
}

/// Encrypts `message` for `appid` as WeChat does, with the caller's 16
/// `random` bytes (fresh random for a reply; fixed ones reproduce a vector).
/// The result is the `Encrypt` of a reply or of a simulated push.
pub fn encrypt(key: &PushKey, random: [u8; 16], message: &str, appid: &str) -> String {
    let length = u32::try_from(message.len()).expect("a pushed message is far below 4 GiB");
    let mut buffer = Vec::with_capacity(HEADER_LEN + message.len() + appid.len() + PAD_BLOCK);
    buffer.extend_from_slice(&random);
    buffer.extend_from_slice(&length.to_be_bytes());
    buffer.extend_from_slice(message.as_bytes());
    buffer.extend_from_slice(appid.as_bytes());
    let pad = PAD_BLOCK - buffer.len() % PAD_BLOCK;
    // 1..=32 always fits a byte.
    buffer.resize(buffer.len() + pad, pad as u8);
    let cipher = EncryptingKey::cbc(key.cipher_key()).expect("AES-256-CBC is available");
    cipher
        .less_safe_encrypt(&mut buffer, EncryptionContext::Iv128(key.iv().into()))
        .expect("a whole number of blocks encrypts");
    STANDARD.encode(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> PushKey {
        PushKey::parse("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap()
    }

    /// `plain` padded to 32 bytes and encrypted, without WeChat's header:
    /// reaches the header and length checks past a valid padding.
    fn seal_raw(key: &PushKey, plain: &[u8]) -> String {
        let mut buffer = plain.to_vec();
        let pad = PAD_BLOCK - buffer.len() % PAD_BLOCK;
        buffer.resize(buffer.len() + pad, pad as u8);
        EncryptingKey::cbc(key.cipher_key())
            .unwrap()
            .less_safe_encrypt(&mut buffer, EncryptionContext::Iv128(key.iv().into()))
            .unwrap();
        STANDARD.encode(buffer)
    }

    #[test]
    fn keys_must_be_43_characters_of_32_bytes() {
        assert!(PushKey::parse(&"A".repeat(43)).is_ok());
        for bad in [
            "",
            &"A".repeat(42),
            &"A".repeat(44),
            &"A".repeat(86),
            // 43 characters, but not base64.
            &format!("{}!", "A".repeat(42)),
            &format!("{}=", "A".repeat(42)),
        ] {
            assert_eq!(PushKey::parse(bad), Err(MessageCryptError::BadKey), "{bad}");
        }
        assert_eq!(format!("{:?}", key()), "PushKey(<redacted>)");
    }

    #[test]
    fn round_trip_with_every_padding_length() {
        for len in 0..70 {
            let message = "x".repeat(len);
            let sealed = encrypt(&key(), [7; 16], &message, "wx0123456789abcdef");
            assert_eq!(STANDARD.decode(&sealed).unwrap().len() % PAD_BLOCK, 0);
            let opened = decrypt(&key(), &sealed).unwrap();
            assert_eq!(opened.message, message);
            assert_eq!(opened.appid, "wx0123456789abcdef");
        }
    }

    #[test]
    fn signatures_compare_case_insensitively_and_exactly() {
        let computed = signature("t", "1", "n");
        assert!(signature_matches(&computed, &computed));
        assert!(signature_matches(&computed.to_ascii_uppercase(), &computed));
        assert!(!signature_matches(&computed[1..], &computed));
        assert!(!signature_matches("", &computed));
        assert!(!signature_matches(&signature("t", "2", "n"), &computed));
    }

    #[test]
    fn a_padding_of_zero_or_over_32_or_uneven_is_refused() {
        let k = key();
        // 32 bytes ending in 0, 33 (not possible with 32 bytes: use 64), mixed.
        let mut zero = [5u8; 32];
        zero[31] = 0;
        let mut over = [33u8; 64];
        over[0] = 1;
        let mut uneven = [3u8; 32];
        uneven[29] = 4;
        for raw in [&zero[..], &over[..], &uneven[..]] {
            let mut buffer = raw.to_vec();
            EncryptingKey::cbc(k.cipher_key())
                .unwrap()
                .less_safe_encrypt(&mut buffer, EncryptionContext::Iv128(k.iv().into()))
                .unwrap();
            assert_eq!(
                decrypt(&k, &STANDARD.encode(buffer)),
                Err(MessageCryptError::BadPadding)
            );
        }
    }

    #[test]
    fn short_or_lying_plaintexts_are_truncated() {
        let k = key();
        assert_eq!(
            decrypt(&k, &seal_raw(&k, &[1; 19])),
            Err(MessageCryptError::Truncated)
        );
        let mut lying = vec![0u8; 16];
        lying.extend_from_slice(&100u32.to_be_bytes());
        lying.extend_from_slice(b"short");
        assert_eq!(
            decrypt(&k, &seal_raw(&k, &lying)),
            Err(MessageCryptError::Truncated)
        );
        let mut max = vec![0u8; 16];
        max.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            decrypt(&k, &seal_raw(&k, &max)),
            Err(MessageCryptError::Truncated)
        );
        let mut not_utf8 = vec![0u8; 16];
        not_utf8.extend_from_slice(&1u32.to_be_bytes());
        not_utf8.extend_from_slice(&[0xff, b'w']);
        assert_eq!(
            decrypt(&k, &seal_raw(&k, &not_utf8)),
            Err(MessageCryptError::NotUtf8)
        );
    }

    #[test]
    fn bad_base64_and_lengths() {
        let k = key();
        assert_eq!(
            decrypt(&k, "not base64!"),
            Err(MessageCryptError::BadBase64)
        );
        assert_eq!(decrypt(&k, ""), Err(MessageCryptError::BadLength));
        assert_eq!(
            decrypt(&k, &STANDARD.encode([0u8; 17])),
            Err(MessageCryptError::BadLength)
        );
        assert_eq!(
            decrypt(&k, &STANDARD.encode([0u8; 15])),
            Err(MessageCryptError::BadLength)
        );
    }

    proptest! {
        #[test]
        fn decrypting_random_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
            let k = key();
            let _ = decrypt(&k, &STANDARD.encode(&bytes));
            let _ = decrypt(&k, &String::from_utf8_lossy(&bytes));
            // Past a valid padding, into the header and length checks.
            let _ = decrypt(&k, &seal_raw(&k, &bytes));
        }

        #[test]
        fn any_message_round_trips(message in ".{0,80}", appid in "[a-z0-9]{0,20}", random in any::<[u8; 16]>()) {
            let sealed = encrypt(&key(), random, &message, &appid);
            prop_assert_eq!(decrypt(&key(), &sealed), Ok(PushMessage { message, appid }));
        }
    }
}
