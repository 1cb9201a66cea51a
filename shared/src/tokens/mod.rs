//! Our own tokens: RS256 JWTs with a `kid`, and the JWKS that publishes their keys.
//!
//! Tokens are encoded, signed and verified by jsonwebtoken on its aws-lc-rs
//! backend (the crypto library of the rest of the crate: TLS, WeChat's open
//! data). The private key is checked and its public half described once at
//! start-up; the `kid`, `exp` and `iat` checks are ours. jsonwebtoken takes
//! keys as bytes and parses them inside every call: for signing, our provider
//! (`provider.rs`) keeps the key parsed instead (about 350 µs of CPU per
//! issued token); a verification still parses its public key, about 3 µs.

mod claims;
mod der;
mod derived;
mod error;
mod issuer;
mod jwks;
mod keys;
mod provider;
mod public_pem;
mod refresh;
mod verifier;

pub use claims::{ACCESS, Caller, Claims, TokenSubject};
pub use derived::{DeriveError, DerivedKeys};
pub use error::TokenError;
pub use issuer::{IssuedToken, TokenIssuer};
pub use jwks::Jwks;
pub use keys::{KeyError, PublicJwk, SigningKey};
pub use public_pem::public_keys_from_pem;
pub use refresh::RefreshToken;
pub use verifier::TokenVerifier;

/// The token of an `Authorization: Bearer <token>` header value, if it is one.
/// Our routes and the authorizer read the header the same way.
pub fn bearer_token(header: &str) -> Option<&str> {
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}
