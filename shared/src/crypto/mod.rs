//! WeChat's client-side cryptography: encrypted open data and the two signatures.
//! Everything here is checked against the official vectors in
//! `tests/fixtures/wechat-vectors/`.

mod open_data;
mod signatures;

pub use open_data::{DecryptError, decrypt_open_data};
pub(crate) use signatures::hex;
pub use signatures::{login_state_signature, raw_data_signature, verify_raw_data_signature};

#[cfg(test)]
mod vectors;
