//! What a stack derives from its signing key at deploy time for the functions
//! that must not hold it: the public keys that verify tokens, and the key SMS
//! codes are hashed under. The `token-keys` custom resource computes them;
//! the verifiers get them as `TOKEN_VERIFY_KEYS` and `SMS_CODE_KEY`.

use super::keys::{KeyError, SigningKey};
use super::public_pem::public_keys_from_pem;
use crate::config::{Secret, pem_setting};
use crate::sms::CodeHasher;

#[derive(Debug)]
pub struct DerivedKeys {
    /// The signing key's public key (SPKI PEM), then the rotation's public
    /// keys as given: every key a token may be verified with.
    pub public_keys_pem: String,
    /// The signing key's `kid`: a new one tells a rotation happened.
    pub kid: String,
    /// `SMS_CODE_KEY`: the same bytes the signers derive themselves.
    pub sms_code_key: Secret,
}

/// Why the keys could not be derived; never quotes the key.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error("TokenSigningKey is not a usable RSA private key: {0}")]
    SigningKey(KeyError),
    #[error("TokenVerifyKeys holds no usable RSA public keys: {0}")]
    VerifyKeys(KeyError),
}

impl DerivedKeys {
    /// From the template's parameters as they are pasted (trimmed, literal
    /// `\n` as newlines: as the functions read them).
    pub fn derive(signing_key: &str, verify_keys: &str) -> Result<Self, DeriveError> {
        let signing_pem = pem_setting(signing_key);
        let key = SigningKey::from_pem(&signing_pem).map_err(DeriveError::SigningKey)?;
        let verify_pem = pem_setting(verify_keys);
        public_keys_from_pem(&verify_pem).map_err(DeriveError::VerifyKeys)?;
        let mut public_keys_pem = key.public_pem();
        if !verify_pem.is_empty() {
            public_keys_pem.push_str(&verify_pem);
            public_keys_pem.push('\n');
        }
        let code_key = CodeHasher::key_from_signing_key(&signing_pem);
        Ok(Self {
            public_keys_pem,
            kid: key.public().kid.clone(),
            sms_code_key: Secret::new(CodeHasher::encode_key(&code_key)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppId, Identity, OpenId, SessionId, UserId};
    use crate::tokens::{TokenIssuer, TokenSubject, TokenVerifier};

    #[test]
    fn the_public_keys_verify_what_the_signing_key_signs_and_keep_the_rotations() {
        let (key, pem) = SigningKey::generate().unwrap();
        let (old, _) = SigningKey::generate().unwrap();
        // As pasted into the console: one line, literal \n, a trailing space.
        let pasted = format!("{} ", pem.trim().replace('\n', "\\n"));
        let derived = DerivedKeys::derive(&pasted, &old.public_pem()).unwrap();
        assert_eq!(derived.kid, key.public().kid);

        let keys = public_keys_from_pem(&derived.public_keys_pem).unwrap();
        let kids: Vec<_> = keys.iter().map(|k| k.kid.clone()).collect();
        assert_eq!(kids, [key.public().kid.clone(), old.public().kid.clone()]);
        assert!(!derived.public_keys_pem.contains("PRIVATE"));

        let issuer = TokenIssuer::new(key, "iss".into(), "aud".into());
        let verifier = TokenVerifier::new(keys, "iss".into(), "aud".into());
        let subject = TokenSubject {
            user_id: UserId::parse("u-1").unwrap(),
            identity: Identity::wechat(
                &AppId::parse("wx1").unwrap(),
                &OpenId::parse("o1").unwrap(),
            ),
            session_id: SessionId::parse("s1").unwrap(),
        };
        let token = issuer.issue(&subject, 1_000, 2_000).unwrap();
        assert!(verifier.verify(&token.token, 1_500).is_ok());
    }

    #[test]
    fn the_sms_code_key_is_the_one_the_signers_derive() {
        let (_, pem) = SigningKey::generate().unwrap();
        // Pasted as one line, as a console parameter is.
        let pasted = pem.trim().replace("\r\n", "\\n").replace('\n', "\\n");
        let derived = DerivedKeys::derive(&pasted, "").unwrap();
        // What a signer reads from TOKEN_SIGNING_KEY and derives itself.
        let env: std::collections::HashMap<String, String> =
            [("TOKEN_SIGNING_KEY".to_owned(), pasted)].into();
        let config = crate::config::Config::from_env(&env).unwrap();
        let signer_pem = config.tokens.signing_key.get().unwrap().expose().to_owned();
        assert_eq!(
            CodeHasher::decode_key(derived.sms_code_key.expose()),
            Some(CodeHasher::key_from_signing_key(&signer_pem))
        );
    }

    #[test]
    fn bad_keys_are_refused_without_quoting_them() {
        let error = DerivedKeys::derive(
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----",
            "",
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("TokenSigningKey is not a usable RSA private key")
        );
        assert!(!error.to_string().contains("c2VjcmV0"));
        let (_, pem) = SigningKey::generate().unwrap();
        let error = DerivedKeys::derive(&pem, "not a key").unwrap_err();
        assert!(matches!(error, DeriveError::VerifyKeys(_)), "{error}");
    }
}
