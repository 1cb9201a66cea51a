//! RSA public keys from PEM: the keys of a rotation overlap (`TOKEN_VERIFY_KEYS`),
//! as SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).

use super::der::{rsa_components, spki_rsa_key};
use super::keys::{KeyError, PublicJwk};

/// Every public key in `text` (PEM documents one after another). Empty text
/// gives no keys.
pub fn public_keys_from_pem(text: &str) -> Result<Vec<PublicJwk>, KeyError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let docs = pem::parse_many(text.trim()).map_err(|_| KeyError::NotPem)?;
    if docs.is_empty() {
        return Err(KeyError::NotPem);
    }
    docs.iter()
        .map(|doc| {
            let rsa_public_key = match doc.tag() {
                "PUBLIC KEY" => spki_rsa_key(doc.contents()),
                "RSA PUBLIC KEY" => Some(doc.contents()),
                other => return Err(KeyError::NotAPublicKey(other.to_owned())),
            }
            .ok_or_else(|| KeyError::Rejected("not an RSA public key".to_owned()))?;
            let (n, e) = rsa_components(rsa_public_key)
                .ok_or_else(|| KeyError::Rejected("malformed RSA public key".to_owned()))?;
            let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
            if !(2048..=8192).contains(&bits) {
                return Err(KeyError::Rejected(format!("{bits}-bit modulus")));
            }
            Ok(PublicJwk::from_components(n, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::SigningKey;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{KeyPair, RsaKeyPair};

    /// The SPKI and PKCS#1 public PEMs of a fresh key, and its JWK.
    fn public_pems() -> (String, String, PublicJwk) {
        let (key, private_pem) = SigningKey::generate().unwrap();
        let doc = pem::parse(private_pem).unwrap();
        let pair = RsaKeyPair::from_pkcs8(doc.contents()).unwrap();
        let spki = pair.public_key().as_der().unwrap();
        let spki_pem = pem::encode(&pem::Pem::new("PUBLIC KEY", spki.as_ref().to_vec()));
        let pkcs1 = spki_rsa_key(spki.as_ref()).unwrap().to_vec();
        let pkcs1_pem = pem::encode(&pem::Pem::new("RSA PUBLIC KEY", pkcs1));
        (spki_pem, pkcs1_pem, key.public().clone())
    }

    #[test]
    fn spki_and_pkcs1_give_the_signing_keys_jwk() {
        let (spki, pkcs1, jwk) = public_pems();
        assert_eq!(public_keys_from_pem(&spki).unwrap(), vec![jwk.clone()]);
        assert_eq!(public_keys_from_pem(&pkcs1).unwrap(), vec![jwk.clone()]);
        let both = public_keys_from_pem(&format!("{spki}\n{pkcs1}")).unwrap();
        assert_eq!(both, vec![jwk.clone(), jwk]);
        assert_eq!(public_keys_from_pem("  ").unwrap(), vec![]);
    }

    #[test]
    fn anything_else_is_refused() {
        let (_, private_pem) = SigningKey::generate().unwrap();
        assert!(matches!(
            public_keys_from_pem(&private_pem),
            Err(KeyError::NotAPublicKey(_))
        ));
        assert_eq!(public_keys_from_pem("not pem"), Err(KeyError::NotPem));
        let garbage = pem::encode(&pem::Pem::new("PUBLIC KEY", vec![0x30, 0x03, 0x02, 0x01]));
        assert!(matches!(
            public_keys_from_pem(&garbage),
            Err(KeyError::Rejected(_))
        ));
        // A 512-bit modulus is too weak.
        let small = [
            vec![0x30, 0x46, 0x02, 0x41, 0x00],
            vec![0xc1; 64],
            vec![0x02, 0x01, 0x03],
        ]
        .concat();
        let small = pem::encode(&pem::Pem::new("RSA PUBLIC KEY", small));
        assert!(
            matches!(public_keys_from_pem(&small), Err(KeyError::Rejected(m)) if m.contains("512"))
        );
    }
}
