//! jsonwebtoken's aws-lc provider with one change: an RSA signing key is parsed
//! once per process, not inside every signature. jsonwebtoken hands a signer
//! only the key's bytes, and aws-lc's key setup is more than half the cost of
//! an RS256 signature; verification stays jsonwebtoken's own.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, aws_lc};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, EncodingKey};
use std::sync::{Arc, Mutex, OnceLock};

/// Parsed keys, by their DER: a process signs with one key (two during a
/// rotation), so a short list is enough.
static PARSED: Mutex<Vec<(Vec<u8>, Arc<RsaKeyPair>)>> = Mutex::new(Vec::new());
const MAX_PARSED: usize = 4;

struct Rs256(Arc<RsaKeyPair>);

impl signature::Signer<Vec<u8>> for Rs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut sig = vec![0; self.0.public_modulus_len()];
        self.0
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(signature::Error::from_source)?;
        Ok(sig)
    }
}

impl JwtSigner for Rs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

fn parsed(der: &[u8]) -> Result<Arc<RsaKeyPair>> {
    let mut cache = PARSED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, pair)) = cache.iter().find(|(known, _)| known == der) {
        return Ok(pair.clone());
    }
    let pair =
        Arc::new(RsaKeyPair::from_der(der).map_err(|e| ErrorKind::InvalidRsaKey(e.to_string()))?);
    if cache.len() == MAX_PARSED {
        cache.remove(0);
    }
    cache.push((der.to_vec(), pair.clone()));
    Ok(pair)
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    match algorithm {
        Algorithm::RS256 => Ok(Box::new(Rs256(parsed(key.as_bytes())?))),
        other => (aws_lc::DEFAULT_PROVIDER.signer_factory)(other, key),
    }
}

/// Installs the provider for this process (once; later calls do nothing).
pub fn install() {
    static PROVIDER: OnceLock<CryptoProvider> = OnceLock::new();
    let provider = PROVIDER.get_or_init(|| CryptoProvider {
        signer_factory: signer,
        ..aws_lc::DEFAULT_PROVIDER.clone()
    });
    // Already installed (by an earlier issuer in this process): the same one.
    let _ = provider.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::SigningKey;

    #[test]
    fn the_cached_signer_signs_what_aws_lc_verifies() {
        install();
        let (key, _) = SigningKey::generate().unwrap();
        let message = b"header.claims";
        let sig =
            jsonwebtoken::crypto::sign(message, key.encoding_key(), Algorithm::RS256).unwrap();
        let again =
            jsonwebtoken::crypto::sign(message, key.encoding_key(), Algorithm::RS256).unwrap();
        // PKCS#1 v1.5 is deterministic: the parsed key is the same key.
        assert_eq!(sig, again);
        let decoding =
            jsonwebtoken::DecodingKey::from_rsa_components(&key.public().n, &key.public().e)
                .unwrap();
        assert!(jsonwebtoken::crypto::verify(&sig, message, &decoding, Algorithm::RS256).unwrap());
    }
}
