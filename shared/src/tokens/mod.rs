//! Our own tokens: RS256 JWTs with a `kid`, and the JWKS that publishes their keys.
//!
//! Signing and verification are written against aws-lc-rs directly so the RSA key
//! is parsed once at start-up, not on every request.

mod claims;
mod jwks;
mod jwt;
mod keys;
mod public_pem;

pub use claims::{Caller, Claims, TokenSubject};
pub use jwks::Jwks;
pub use jwt::{IssuedToken, TokenError, TokenIssuer, TokenVerifier};
pub use keys::{KeyError, PublicJwk, SigningKey};
pub use public_pem::public_keys_from_pem;

/// The token of an `Authorization: Bearer <token>` header value, if it is one.
/// Our routes and the authorizer read the header the same way.
pub fn bearer_token(header: &str) -> Option<&str> {
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}
