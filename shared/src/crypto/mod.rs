//! WeChat's cryptography: encrypted open data and the two signatures of the
//! client side, and the message-push crypto ([`message`]) of WeChat's calls to us.
//! Everything here is checked against the official vectors in
//! `tests/fixtures/wechat-vectors/`.

pub mod message;
mod open_data;
mod signatures;

pub use open_data::{DecryptError, decrypt_open_data};
pub(crate) use signatures::hex;
pub use signatures::{login_state_signature, raw_data_signature, verify_raw_data_signature};

#[cfg(test)]
mod vectors;
