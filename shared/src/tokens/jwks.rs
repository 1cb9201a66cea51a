use super::PublicJwk;
use serde_json::json;

/// The JSON Web Key Set served at `/.well-known/jwks.json`. Rendered once at
/// start-up: it only changes with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwks {
    body: String,
}

impl Jwks {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a PublicJwk>) -> Self {
        let keys: Vec<_> = keys
            .into_iter()
            .map(|k| json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid, "n": k.n, "e": k.e}))
            .collect();
        Self {
            body: json!({ "keys": keys }).to_string(),
        }
    }

    pub fn body(&self) -> &str {
        &self.body
    }
}
