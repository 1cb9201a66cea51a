//! RSA signing keys: parsed from PEM once, generated for local runs, and
//! described as JWKs.

use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    pair: RsaKeyPair,
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
        let pair = match doc.tag() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(doc.contents()),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(doc.contents()),
            other => return Err(KeyError::WrongPemTag(other.to_owned())),
        }
        .map_err(|e| KeyError::Rejected(e.to_string()))?;
        Ok(Self::from_pair(pair))
    }

    /// A fresh 2048-bit key, and its PKCS#8 PEM to keep it.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
        let der = pair.as_der().map_err(|_| KeyError::Generate)?;
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
        Ok((Self::from_pair(pair), pem))
    }

    fn from_pair(pair: RsaKeyPair) -> Self {
        let public = pair.public_key();
        let public = PublicJwk::from_components(
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        );
        Self { pair, public }
    }

    pub fn public(&self) -> &PublicJwk {
        &self.public
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

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256). Fails only on a wrongly sized
    /// buffer, which `public_modulus_len` rules out; still reported, not panicked.
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
