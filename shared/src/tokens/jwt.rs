//! Issuing and verifying RS256 JWTs.

use super::{Claims, PublicJwk, SigningKey, TokenSubject};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Clock skew tolerated on `exp` and `iat`, in seconds.
const LEEWAY_SECS: u64 = 30;

/// A signed token and its lifetime, as the login answer reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
}

/// Why a token was refused. All of them answer 401 `unauthorized`; the variant is
/// for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed")]
    Malformed,
    #[error("token algorithm is not RS256")]
    WrongAlgorithm,
    #[error("token key id is unknown")]
    UnknownKey,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token was issued in the future")]
    NotYetValid,
    #[error("token issuer is wrong")]
    WrongIssuer,
    #[error("token audience is wrong")]
    WrongAudience,
    #[error("token could not be signed")]
    Signing,
}

/// Signs tokens with the one current key.
#[derive(Debug)]
pub struct TokenIssuer {
    key: SigningKey,
    /// base64url of the fixed header, computed once.
    header: String,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenIssuer {
    pub fn new(key: SigningKey, issuer: String, audience: String, ttl_secs: u64) -> Self {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": key.public().kid});
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        Self {
            key,
            header,
            issuer,
            audience,
            ttl_secs,
        }
    }

    pub fn public_key(&self) -> &PublicJwk {
        self.key.public()
    }

    pub fn issue(&self, subject: &TokenSubject, now: u64) -> Result<IssuedToken, TokenError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.user_id.as_str().to_owned(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            appid: subject.appid.as_str().to_owned(),
            openid: subject.openid.as_str().to_owned(),
        };
        let payload = serde_json::to_vec(&claims).map_err(|_| TokenError::Signing)?;
        let mut token = String::with_capacity(self.header.len() + payload.len() * 2 + 360);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = self.key.sign(token.as_bytes()).ok_or(TokenError::Signing)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(IssuedToken {
            token,
            expires_in: self.ttl_secs,
        })
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// A verification key, parsed once: aws-lc keeps the key and its Montgomery
/// context, which building the key from its components on every request would
/// recompute (about 2.7 µs of each request, `docs/benchmarks.md`).
#[derive(Clone)]
struct VerifyingKey {
    kid: String,
    key: ParsedPublicKey,
}

/// Verifies tokens: the algorithm is pinned to RS256, the key is chosen by `kid`
/// among the configured ones, and `iss`, `aud`, `exp` must match.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Vec<VerifyingKey>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field(
                "kids",
                &self.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl TokenVerifier {
    /// A key whose components do not form an RSA public key is left out: no
    /// token could verify under it anyway (they get `UnknownKey`).
    pub fn new(keys: Vec<PublicJwk>, issuer: String, audience: String) -> Self {
        let keys = keys
            .iter()
            .filter_map(|jwk| {
                let components = RsaPublicKeyComponents {
                    n: &jwk.modulus,
                    e: &jwk.exponent,
                };
                let key = components
                    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                    .ok()?;
                Some(VerifyingKey {
                    kid: jwk.kid.clone(),
                    key,
                })
            })
            .collect();
        Self {
            keys,
            issuer,
            audience,
        }
    }

    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| TokenError::Malformed)
        };
        let header: Header =
            serde_json::from_slice(&decode(header)?).map_err(|_| TokenError::Malformed)?;
        if header.alg != "RS256" {
            return Err(TokenError::WrongAlgorithm);
        }
        let key = header
            .kid
            .and_then(|kid| self.keys.iter().find(|k| k.kid == kid))
            .ok_or(TokenError::UnknownKey)?;
        let signing_input_len = token.len() - signature.len() - 1;
        key.key
            .verify_sig(&token.as_bytes()[..signing_input_len], &decode(signature)?)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: Claims =
            serde_json::from_slice(&decode(payload)?).map_err(|_| TokenError::Malformed)?;
        if claims.iss != self.issuer {
            return Err(TokenError::WrongIssuer);
        }
        if claims.aud != self.audience {
            return Err(TokenError::WrongAudience);
        }
        if claims.exp + LEEWAY_SECS <= now {
            return Err(TokenError::Expired);
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppId, OpenId, UserId};
    use crate::tokens::KeyError;
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
            3600,
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
            appid: AppId::parse("wx1").unwrap(),
            openid: OpenId::parse("o1").unwrap(),
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
        let issued = issuer.issue(&subject(), 1_000).unwrap();
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
    fn pkcs1_and_pkcs8_give_the_same_key() {
        // A 2048-bit PKCS#8 key is SEQUENCE { version, algorithm (15 bytes),
        // OCTET STRING (04 82 len len) { the PKCS#1 RSAPrivateKey } }.
        let pkcs8 = pem::parse(key_pem()).unwrap();
        let der = pkcs8.contents();
        assert_eq!(&der[22..24], &[0x04, 0x82]);
        let pkcs1 = pem::encode(&pem::Pem::new("RSA PRIVATE KEY", der[26..].to_vec()));
        let from_pkcs1 = SigningKey::from_pem(&pkcs1).unwrap();
        assert_eq!(
            from_pkcs1.public().kid,
            SigningKey::from_pem(key_pem()).unwrap().public().kid
        );
        let a = SigningKey::from_pem(key_pem()).unwrap();
        assert_eq!(a.public().kid.len(), 43);
        assert!(matches!(
            SigningKey::from_pem("nope"),
            Err(KeyError::NotPem)
        ));
        let cert = pem::encode(&pem::Pem::new("CERTIFICATE", vec![1, 2, 3]));
        assert!(matches!(
            SigningKey::from_pem(&cert),
            Err(KeyError::WrongPemTag(_))
        ));
        let junk = pem::encode(&pem::Pem::new("PRIVATE KEY", vec![1, 2, 3]));
        assert!(matches!(
            SigningKey::from_pem(&junk),
            Err(KeyError::Rejected(_))
        ));
    }

    #[test]
    fn refusals() {
        let issuer = issuer();
        let verifier = verifier(&issuer);
        let token = issuer.issue(&subject(), 1_000).unwrap().token;
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
            3600,
        );
        let foreign = stranger.issue(&subject(), 1_000).unwrap().token;
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
}
