//! A minimal DER reader for the RSA key shapes `openssl` writes: the public
//! key inside a SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`), the private key
//! inside a PKCS#8 document (`BEGIN PRIVATE KEY`), and the modulus and
//! exponent of a PKCS#1 RSAPublicKey (`BEGIN RSA PUBLIC KEY`).

/// `rsaEncryption`, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;

/// One DER element: its tag, its contents and what follows it.
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn expect(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, contents, rest) = element(der)?;
    (found == tag).then_some((contents, rest))
}

/// The contents of an AlgorithmIdentifier naming `rsaEncryption`, and what
/// follows it.
fn rsa_algorithm(der: &[u8]) -> Option<&[u8]> {
    let (algorithm, rest) = expect(der, SEQUENCE)?;
    let (oid, _) = expect(algorithm, OID)?;
    (oid == RSA_ENCRYPTION_OID).then_some(rest)
}

/// The PKCS#1 RSAPublicKey inside a SubjectPublicKeyInfo.
pub(super) fn spki_rsa_key(der: &[u8]) -> Option<&[u8]> {
    let (spki, _) = expect(der, SEQUENCE)?;
    let (bits, _) = expect(rsa_algorithm(spki)?, BIT_STRING)?;
    // The first byte counts unused bits: 0 for a DER-encoded key.
    bits.strip_prefix(&[0])
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (RFC 5208:
/// version, algorithm, then the key as an OCTET STRING).
pub(super) fn pkcs8_rsa_key(der: &[u8]) -> Option<&[u8]> {
    let (info, _) = expect(der, SEQUENCE)?;
    let (_version, rest) = expect(info, INTEGER)?;
    let (key, _) = expect(rsa_algorithm(rest)?, OCTET_STRING)?;
    Some(key)
}

/// Modulus and exponent of a PKCS#1 RSAPublicKey, without leading zeros.
pub(super) fn rsa_components(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (key, _) = expect(der, SEQUENCE)?;
    let (n, rest) = expect(key, INTEGER)?;
    let (e, _) = expect(rest, INTEGER)?;
    let trim = |int: &[u8]| -> usize { int.iter().take_while(|&&b| b == 0).count() };
    let (n, e) = (&n[trim(n)..], &e[trim(e)..]);
    (!n.is_empty() && !e.is_empty()).then_some((n, e))
}
