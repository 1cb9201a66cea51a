//! RSA signing keys: parsed from PEM once, generated for local runs, and
//! described as JWKs.

use super::der::pkcs8_rsa_key;
use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::EncodingKey;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM document")]
    NotPem,
    #[error("PEM holds a {0:?}, expected \"PRIVATE KEY\" (PKCS#8) or \"RSA PRIVATE KEY\" (PKCS#1)")]
    WrongPemTag(String),
    #[error("PEM holds a {0:?}, expected \"PUBLIC KEY\" or \"RSA PUBLIC KEY\"")]
    NotAPublicKey(String),
    #[error("not a usable RSA private key (2048 to 8192 bits): {0}")]
    Rejected(String),
    #[error("could not generate a key")]
    Generate,
}

/// A public key as published in the JWKS, with its raw components for verifying.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// RFC 7638 thumbprint: stable for a key, different for every other key.
    pub kid: String,
    /// Modulus and exponent, base64url without padding, as JWKs carry them.
    pub n: String,
    pub e: String,
    pub(crate) modulus: Vec<u8>,
    pub(crate) exponent: Vec<u8>,
}

impl fmt::Debug for PublicJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicJwk")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl PublicJwk {
    pub(crate) fn from_components(modulus: &[u8], exponent: &[u8]) -> Self {
        let n = URL_SAFE_NO_PAD.encode(modulus);
        let e = URL_SAFE_NO_PAD.encode(exponent);
        // RFC 7638: members in lexicographic order, no white space.
        let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()));
        Self {
            kid,
            n,
            e,
            modulus: modulus.to_vec(),
            exponent: exponent.to_vec(),
        }
    }
}

/// The private key tokens are signed with. `Debug` shows only its kid.
pub struct SigningKey {
    /// The key as aws-lc parsed and checked it: its public half, raw signatures.
    pair: RsaKeyPair,
    /// The same key as jsonwebtoken takes it (PKCS#1 DER), for signing tokens.
    encoding: EncodingKey,
    public: PublicJwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses an RSA private key PEM, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let doc = pem::parse(text.trim()).map_err(|_| KeyError::NotPem)?;
        match doc.tag() {
            "PRIVATE KEY" => Self::from_pkcs8(doc.contents()),
            "RSA PRIVATE KEY" => {
                let pair = RsaKeyPair::from_der(doc.contents())
                    .map_err(|e| KeyError::Rejected(e.to_string()))?;
                Ok(Self::from_pair(pair, doc.contents()))
            }
            other => Err(KeyError::WrongPemTag(other.to_owned())),
        }
    }

    /// A fresh 2048-bit key, and its PKCS#8 PEM to keep it.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
        let der = pair.as_der().map_err(|_| KeyError::Generate)?;
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
        let pkcs1 = pkcs8_rsa_key(der.as_ref()).ok_or(KeyError::Generate)?;
        Ok((Self::from_pair(pair, pkcs1), pem))
    }

    /// A PKCS#8 key: aws-lc checks it, and jsonwebtoken gets the PKCS#1 key
    /// inside (its aws-lc backend reads only that shape).
    fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let pair = RsaKeyPair::from_pkcs8(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        let pkcs1 = pkcs8_rsa_key(der)
            .ok_or_else(|| KeyError::Rejected("not an RSA PKCS#8 document".to_owned()))?;
        Ok(Self::from_pair(pair, pkcs1))
    }

    /// `pkcs1` is the DER of the key `pair` was parsed from.
    fn from_pair(pair: RsaKeyPair, pkcs1: &[u8]) -> Self {
        let public = pair.public_key();
        let public = PublicJwk::from_components(
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        );
        Self {
            pair,
            encoding: EncodingKey::from_rsa_der(pkcs1),
            public,
        }
    }

    pub fn public(&self) -> &PublicJwk {
        &self.public
    }

    /// The key as jsonwebtoken signs with it.
    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    /// The public key as a SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), as
    /// `openssl rsa -pubout` prints it: what `TOKEN_VERIFY_KEYS` takes.
    pub fn public_pem(&self) -> String {
        let der = self
            .pair
            .public_key()
            .as_der()
            .map(|der| der.as_ref().to_vec())
            .unwrap_or_default();
        pem::encode(&pem::Pem::new("PUBLIC KEY", der))
    }

    /// A bare RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256) of `message`
    /// with the parsed key: the RSA cost alone, as the benchmark reports it
    /// (tokens are signed by [`TokenIssuer`](super::TokenIssuer)). Fails only
    /// on a wrongly sized buffer, which `public_modulus_len` rules out; still
    /// reported, not panicked.
    pub fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                message,
                &mut signature,
            )
            .ok()?;
        Some(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn key_pem() -> &'static str {
        static PEM: OnceLock<String> = OnceLock::new();
        PEM.get_or_init(|| SigningKey::generate().unwrap().1)
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
    fn jsonwebtoken_gets_the_pkcs1_key_whatever_the_pem() {
        let pkcs8 = pem::parse(key_pem()).unwrap();
        let pkcs1_der = &pkcs8.contents()[26..];
        let pkcs1 = pem::encode(&pem::Pem::new("RSA PRIVATE KEY", pkcs1_der.to_vec()));
        for pem in [key_pem(), pkcs1.as_str()] {
            let key = SigningKey::from_pem(pem).unwrap();
            assert_eq!(key.encoding_key().as_bytes(), pkcs1_der);
        }
        let (generated, generated_pem) = SigningKey::generate().unwrap();
        let generated_pkcs8 = pem::parse(generated_pem).unwrap();
        assert_eq!(
            generated.encoding_key().as_bytes(),
            &generated_pkcs8.contents()[26..]
        );
    }
}
