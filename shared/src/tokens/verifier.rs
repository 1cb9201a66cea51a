//! Verifying RS256 tokens, through jsonwebtoken: the key is chosen by `kid`
//! among the configured ones, then jsonwebtoken checks the signature, `iss` and
//! `aud` with RS256 pinned; `exp` and `iat` are checked here against the
//! caller's clock, which jsonwebtoken cannot be given.

use super::{Claims, PublicJwk, TokenError};
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Clock skew tolerated on `exp` and `iat`, in seconds.
const LEEWAY_SECS: u64 = 30;

/// The header members read before the signature is checked.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// A verification key and its `kid`.
#[derive(Clone)]
struct VerifyingKey {
    kid: String,
    key: DecodingKey,
}

/// Verifies tokens: the algorithm is pinned to RS256, the key is chosen by `kid`
/// among the configured ones, and `iss`, `aud`, `exp` must match.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Vec<VerifyingKey>,
    /// RS256 only; `iss` and `aud` required and checked; `exp` required.
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field(
                "kids",
                &self.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .field("issuer", &self.validation.iss)
            .field("audience", &self.validation.aud)
            .finish()
    }
}

impl TokenVerifier {
    /// A key whose components do not form an RSA public key is left out: no
    /// token could verify under it anyway (they get `UnknownKey`).
    pub fn new(keys: Vec<PublicJwk>, issuer: String, audience: String) -> Self {
        let keys = keys
            .iter()
            .filter(|jwk| {
                RsaPublicKeyComponents {
                    n: &jwk.modulus,
                    e: &jwk.exponent,
                }
                .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                .is_ok()
            })
            .map(|jwk| VerifyingKey {
                kid: jwk.kid.clone(),
                key: DecodingKey::from_rsa_raw_components(&jwk.modulus, &jwk.exponent),
            })
            .collect();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // jsonwebtoken compares `exp` and `nbf` with the system clock; ours
        // comes from the caller (tests and the authorizer pass their own).
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self { keys, validation }
    }

    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(_), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        // Read here rather than by jsonwebtoken so that any other `alg`, `none`
        // included (which jsonwebtoken's header type cannot even hold), is
        // refused as such, and so that `kid` picks the key.
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| TokenError::Malformed)?;
        let header: Header = serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        if header.alg != "RS256" {
            return Err(TokenError::WrongAlgorithm);
        }
        let key = header
            .kid
            .and_then(|kid| self.keys.iter().find(|k| k.kid == kid))
            .ok_or(TokenError::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &self.validation)
            .map_err(|e| refusal(e.kind()))?
            .claims;
        if claims.exp + LEEWAY_SECS <= now {
            return Err(TokenError::Expired);
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

/// Our name for jsonwebtoken's reason.
fn refusal(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => TokenError::WrongAlgorithm,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        _ => TokenError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppId, Identity, OpenId, SessionId, UserId};
    use crate::tokens::{SigningKey, TokenIssuer, TokenSubject};
    use std::sync::OnceLock;

    fn key_pem() -> &'static str {
        static PEM: OnceLock<String> = OnceLock::new();
        PEM.get_or_init(|| SigningKey::generate().unwrap().1)
    }

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(
            SigningKey::from_pem(key_pem()).unwrap(),
            "iss".into(),
            "aud".into(),
        )
    }

    fn verifier(issuer: &TokenIssuer) -> TokenVerifier {
        TokenVerifier::new(
            vec![issuer.public_key().clone()],
            "iss".into(),
            "aud".into(),
        )
    }

    fn subject() -> TokenSubject {
        TokenSubject {
            user_id: UserId::parse("u-1").unwrap(),
            identity: Identity::wechat(
                &AppId::parse("wx1").unwrap(),
                &OpenId::parse("o1").unwrap(),
            ),
            session_id: SessionId::parse("s1").unwrap(),
        }
    }

    fn forge(header: &str, claims: &str, signature: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims),
            signature
        )
    }

    #[test]
    fn round_trip() {
        let issuer = issuer();
        let issued = issuer.issue(&subject(), 1_000, 4_600).unwrap();
        assert_eq!(issued.expires_in, 3600);
        let claims = verifier(&issuer).verify(&issued.token, 1_100).unwrap();
        assert_eq!(claims.sub, "u-1");
        assert_eq!((claims.iat, claims.exp), (1_000, 4_600));
        assert_eq!(claims.subject().unwrap(), subject());
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(issued.token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], issuer.public_key().kid.as_str());
    }

    #[test]
    fn refusals() {
        let issuer = issuer();
        let verifier = verifier(&issuer);
        let token = issuer.issue(&subject(), 1_000, 4_600).unwrap().token;
        assert_eq!(
            verifier.verify(&token, 1_000 + 3600 + 31),
            Err(TokenError::Expired)
        );
        assert_eq!(verifier.verify(&token, 900), Err(TokenError::NotYetValid));
        let other = TokenVerifier::new(
            vec![issuer.public_key().clone()],
            "other".into(),
            "aud".into(),
        );
        assert_eq!(other.verify(&token, 1_000), Err(TokenError::WrongIssuer));
        let other = TokenVerifier::new(
            vec![issuer.public_key().clone()],
            "iss".into(),
            "other".into(),
        );
        assert_eq!(other.verify(&token, 1_000), Err(TokenError::WrongAudience));
        let stranger = TokenIssuer::new(
            SigningKey::generate().unwrap().0,
            "iss".into(),
            "aud".into(),
        );
        let foreign = stranger.issue(&subject(), 1_000, 4_600).unwrap().token;
        assert_eq!(
            verifier.verify(&foreign, 1_000),
            Err(TokenError::UnknownKey)
        );

        // A changed payload under the original signature.
        let parts: Vec<_> = token.split('.').collect();
        let claims = r#"{"iss":"iss","aud":"aud","sub":"admin","iat":1000,"exp":9999999999,"jti":"x","appid":"wx1","openid":"o1"}"#;
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims),
            parts[2]
        );
        assert_eq!(
            verifier.verify(&tampered, 1_000),
            Err(TokenError::BadSignature)
        );

        // alg confusion: "none" and HS256 with the public key as secret.
        let kid = &issuer.public_key().kid;
        for alg in ["none", "HS256", "RS512"] {
            let forged = forge(&format!(r#"{{"alg":"{alg}","kid":"{kid}"}}"#), claims, "");
            assert_eq!(
                verifier.verify(&forged, 1_000),
                Err(TokenError::WrongAlgorithm),
                "{alg}"
            );
        }
        for junk in ["", "a.b", "a.b.c.d", "!!.!!.!!", &"a".repeat(9000)] {
            assert_eq!(
                verifier.verify(junk, 1_000),
                Err(TokenError::Malformed),
                "{junk:?}"
            );
        }
    }

    /// A real HS256 token keyed with our public key (the classic confusion) is
    /// refused by the header check, and by jsonwebtoken's pinned validation on
    /// its own too.
    #[test]
    fn hs256_keyed_with_the_public_key_is_refused_twice() {
        let issuer = issuer();
        let verifier = verifier(&issuer);
        let key = SigningKey::from_pem(key_pem()).unwrap();
        let secret = key.public_pem();
        let header = jsonwebtoken::Header {
            kid: Some(key.public().kid.clone()),
            ..jsonwebtoken::Header::new(Algorithm::HS256)
        };
        let claims = Claims {
            iss: "iss".into(),
            aud: "aud".into(),
            sub: "admin".into(),
            iat: 1_000,
            exp: 9_999_999_999,
            jti: "x".into(),
            typ: "access".into(),
            sid: "s1".into(),
            appid: Some("wx1".into()),
            openid: Some("o1".into()),
            phone: None,
        };
        let forged = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(
            verifier.verify(&forged, 1_000),
            Err(TokenError::WrongAlgorithm)
        );
        for secret_key in [
            DecodingKey::from_secret(secret.as_bytes()).unwrap(),
            verifier.keys[0].key.clone(),
        ] {
            let error = jsonwebtoken::decode::<Claims>(&forged, &secret_key, &verifier.validation)
                .unwrap_err();
            assert_eq!(refusal(error.kind()), TokenError::WrongAlgorithm);
        }
    }

    /// jsonwebtoken signs and verifies with aws-lc-rs, the crate's one crypto
    /// library: its `aws_lc_rs` backend, or ours on top of it, which verifies
    /// with the very same function.
    #[test]
    fn jsonwebtoken_runs_on_aws_lc() {
        let provider = jsonwebtoken::crypto::CryptoProvider::try_get_default()
            .expect("exactly one jsonwebtoken crypto backend");
        let aws_lc = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
        assert!(std::ptr::fn_addr_eq(
            provider.verifier_factory,
            aws_lc.verifier_factory
        ));
    }
}
