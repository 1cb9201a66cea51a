//! AES-128-CBC with PKCS#7 padding, as WeChat encrypts `encryptedData`.

use crate::domain::SessionKey;
use aws_lc_rs::cipher::{AES_128, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The ciphertext is empty or not a whole number of AES blocks.
    #[error("ciphertext is not a non-empty multiple of 16 bytes")]
    BadLength,
    /// The padding did not check out: in practice, the data was encrypted with
    /// another session_key (the client ran wx.login again and rotated it).
    #[error("padding check failed")]
    BadPadding,
}

/// Decrypts `encryptedData`. The key is the decoded session_key; CBC has no
/// integrity, so callers must still check what the plaintext claims.
pub fn decrypt_open_data(
    session_key: &SessionKey,
    iv: &[u8; 16],
    ciphertext: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(DecryptError::BadLength);
    }
    // A 16-byte key always makes a valid AES-128 key, so these cannot fail.
    let key = UnboundCipherKey::new(&AES_128, session_key.expose_bytes())
        .and_then(PaddedBlockDecryptingKey::cbc_pkcs7)
        .map_err(|_| DecryptError::BadPadding)?;
    let mut buffer = ciphertext.to_vec();
    let plaintext_len = key
        .decrypt(&mut buffer, DecryptionContext::Iv128((*iv).into()))
        .map_err(|_| DecryptError::BadPadding)?
        .len();
    buffer.truncate(plaintext_len);
    Ok(buffer)
}
