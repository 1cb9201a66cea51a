//! The TLS of every outbound connection (DynamoDB, WeChat, the SMS
//! providers, S3): one rustls configuration per process, its trusted roots
//! read and parsed once, shared by every HTTP client.
//!
//! The roots are the PEM bundle named by `SSL_CERT_FILE` when it is set (a
//! private CA, the tests, the bench); otherwise the system's bundle file
//! (Lambda's Amazon Linux 2023 keeps its roots in
//! `/etc/pki/tls/certs/ca-bundle.crt`). A bundle is ~140 public certificates
//! in ~220 KB of base64. Parsing it cost a 128 MB cold start more than its
//! TLS handshakes: rustls' PEM reader decodes base64 in constant time, as a
//! private key needs, and each of the two clients (the DynamoDB SDK's and
//! reqwest's) read the bundle again. Roots are public: a plain base64 decoder
//! and one read serve both (docs/benchmarks.md, "Cold start over TLS: what was tried").

pub use crate::config::SSL_CERT_FILE;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where systems keep their bundle of public roots, in the order tried when
/// `SSL_CERT_FILE` is unset: Amazon Linux and Fedora/RHEL, Debian/Ubuntu and
/// Alpine, macOS and the BSDs.
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/cert.pem",
];

/// The process's TLS client configuration, built on first use and shared.
/// An error names `SSL_CERT_FILE` and the file; it is the same on every call.
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = trusted_roots(std::env::var_os(SSL_CERT_FILE).map(PathBuf::from))?;
            config_trusting(roots).map(Arc::new)
        })
        .clone()
}

/// A client configuration (aws-lc, TLS 1.2 and 1.3) trusting `roots`.
pub fn config_trusting(roots: RootCertStore) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The roots in `named` (the value of `SSL_CERT_FILE`), or the system's.
/// A named file must be readable and hold certificates: a typo would
/// otherwise surface as every HTTPS call failing. No system bundle (a
/// machine without one, running the simulator only) leaves the store empty,
/// with a warning.
pub fn trusted_roots(named: Option<PathBuf>) -> Result<RootCertStore, String> {
    let path = match named {
        Some(path) => path,
        None => match SYSTEM_BUNDLES.iter().map(Path::new).find(|p| p.is_file()) {
            Some(path) => path.to_owned(),
            None => {
                tracing::warn!(
                    tried = ?SYSTEM_BUNDLES,
                    "no bundle of root certificates: set {SSL_CERT_FILE}; HTTPS calls will fail"
                );
                return Ok(RootCertStore::empty());
            }
        },
    };
    let problem = |what: String| format!("{SSL_CERT_FILE} ({}): {what}", path.display());
    let pem = std::fs::read(&path).map_err(|e| problem(format!("cannot be read: {e}")))?;
    let mut roots = RootCertStore::empty();
    let (added, _unusable) = roots.add_parsable_certificates(certificates_in_pem(&pem));
    if added == 0 {
        return Err(problem("holds no usable certificate".to_owned()));
    }
    Ok(roots)
}

/// The certificates of a PEM bundle, in order. Blocks that are not
/// `CERTIFICATE`s (keys, `TRUSTED CERTIFICATE`s) and blocks that do not
/// decode are skipped; text between blocks (comments) is ignored.
pub fn certificates_in_pem(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    use base64::Engine as _;
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut certificates = Vec::new();
    let mut base64_text = Vec::new();
    let mut rest = pem;
    while let Some(start) = memchr::memmem::find(rest, BEGIN) {
        rest = &rest[start + BEGIN.len()..];
        let Some(end) = memchr::memmem::find(rest, END) else {
            break;
        };
        base64_text.clear();
        base64_text.extend(
            rest[..end]
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace()),
        );
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&base64_text) {
            certificates.push(CertificateDer::from(der));
        }
        rest = &rest[end + END.len()..];
    }
    certificates
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;

    /// The machine's public bundle, where the tests run on Debian or Amazon Linux.
    fn system_bundle() -> Option<Vec<u8>> {
        SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read(p).ok())
    }

    #[test]
    fn the_bundle_parses_to_the_certificates_rustls_reads() {
        let Some(pem) = system_bundle() else {
            panic!("no system bundle of roots in {SYSTEM_BUNDLES:?}: install ca-certificates");
        };
        let ours = certificates_in_pem(&pem);
        let rustls: Vec<_> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .expect("the system bundle is valid PEM");
        assert!(ours.len() > 100, "{} certificates", ours.len());
        assert_eq!(ours, rustls);
    }

    #[test]
    fn comments_other_blocks_and_broken_blocks_are_skipped() {
        let pem = system_bundle().expect("a system bundle");
        let first = &certificates_in_pem(&pem)[0];
        let block = rustls::pki_types::pem::PemObject::pem_slice_iter(&pem)
            .next()
            .map(|c: Result<CertificateDer, _>| c.unwrap());
        assert_eq!(block.as_ref(), Some(first));
        let text = std::str::from_utf8(&pem).unwrap();
        let start = text.find("-----BEGIN CERTIFICATE-----").unwrap();
        let end = text.find("-----END CERTIFICATE-----").unwrap() + 25;
        let one = &text[start..end];
        let mixed = format!(
            "# Issuer: a comment\r\n{one}\r\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
             -----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n{one}\n-----BEGIN CERTIFICATE-----\nMIIB"
        );
        let found = certificates_in_pem(mixed.as_bytes());
        assert_eq!(found, vec![first.clone(), first.clone()]);
    }

    #[test]
    fn a_named_file_must_exist_and_hold_certificates() {
        let missing = trusted_roots(Some("/nonexistent/roots.pem".into())).unwrap_err();
        assert!(missing.starts_with("SSL_CERT_FILE (/nonexistent/roots.pem): cannot be read"));
        let dir = std::env::temp_dir().join(format!("wxauth-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();
        let refused = trusted_roots(Some(empty.clone())).unwrap_err();
        assert!(
            refused.ends_with("holds no usable certificate"),
            "{refused}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unset_means_the_systems_bundle() {
        let roots = trusted_roots(None).unwrap();
        assert!(roots.len() > 100, "{} roots", roots.len());
        assert!(config_trusting(roots).is_ok());
    }
}
