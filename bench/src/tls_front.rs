//! TLS on loopback, as the functions meet it on Lambda: a test CA made by the
//! bench, a server certificate for 127.0.0.1 signed by it, and fronts that
//! take TLS connections and pass the bytes on to a plain local server (the
//! DynamoDB proxy, the WeChat simulator). The functions trust the CA through
//! `SSL_CERT_FILE`, which names a bundle of the machine's public roots (a
//! full public bundle, as on Lambda) plus the test CA, so loading the roots
//! costs what it costs there.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// Debian's bundle of the public roots (Lambda's images have theirs at
/// `/etc/pki/tls/certs/ca-bundle.crt`, the same roots).
pub const PUBLIC_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The test CA and the server configuration its certificate signs.
pub struct TestCa {
    /// The CA's certificate, PEM.
    pub ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl TestCa {
    /// A fresh CA (ECDSA P-256) and a certificate for `127.0.0.1` and
    /// `localhost` signed by it.
    pub fn generate() -> Result<Self, String> {
        let e = |e: rcgen::Error| e.to_string();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "wxauth bench test CA");
        let ca_key = KeyPair::generate().map_err(e)?;
        let ca_cert = ca_params.self_signed(&ca_key).map_err(e)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).map_err(e)?;
        leaf.subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let leaf_key = KeyPair::generate().map_err(e)?;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(e)?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    CertificateDer::from(leaf_cert.der().to_vec()),
                    CertificateDer::from(ca_cert.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .map_err(|e| e.to_string())?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            server: Arc::new(server),
        })
    }

    /// The server side's configuration (its certificate signed by the CA).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server.clone()
    }

    /// Writes the public bundle plus this CA to `dir/roots.pem` and returns
    /// its path, for `SSL_CERT_FILE`.
    pub fn write_roots(&self, dir: &Path) -> Result<PathBuf, String> {
        let public = std::fs::read_to_string(PUBLIC_BUNDLE)
            .map_err(|e| format!("{PUBLIC_BUNDLE}: {e} (the public roots the functions load)"))?;
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let path = dir.join("roots.pem");
        std::fs::write(&path, format!("{public}\n{}", self.ca_pem)).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// A front on a free loopback port passing each TLS connection on to
    /// `upstream` (`127.0.0.1:port`); it stops with the runtime.
    pub async fn front(&self, upstream: SocketAddr) -> Result<SocketAddr, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| e.to_string())?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let acceptor = TlsAcceptor::from(self.server.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = pass_on(acceptor, stream, upstream).await;
                });
            }
        });
        Ok(address)
    }
}

async fn pass_on(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    upstream: SocketAddr,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut tls = tokio::time::timeout(Duration::from_secs(30), acceptor.accept(stream))
        .await
        .map_err(|_| std::io::Error::other("TLS handshake timed out"))??;
    let mut plain = TcpStream::connect(upstream).await?;
    plain.set_nodelay(true)?;
    tokio::io::copy_bidirectional(&mut tls, &mut plain).await?;
    Ok(())
}

/// `host:port` of a URL such as `http://127.0.0.1:8000`.
pub fn socket_of(url: &str) -> Result<SocketAddr, String> {
    let rest = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    rest.trim_end_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .parse()
        .map_err(|e| format!("{url}: not host:port ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A client that trusts only the test CA reaches the upstream through
    /// the front; one that trusts only the public roots is refused.
    #[tokio::test]
    async fn a_client_trusting_the_test_ca_gets_through_and_no_other() {
        let ca = TestCa::generate().unwrap();
        let echo = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let upstream = echo.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0; 5];
                    if s.read_exact(&mut buf).await.is_ok() {
                        let _ = s.write_all(&buf).await;
                    }
                });
            }
        });
        let front = ca.front(upstream).await.unwrap();

        let connect = |roots: rustls::RootCertStore| async move {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
            let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
            let tcp = TcpStream::connect(front).await.unwrap();
            let name = rustls::pki_types::ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
            let mut tls = connector.connect(name, tcp).await?;
            tls.write_all(b"hello").await?;
            let mut back = [0; 5];
            tls.read_exact(&mut back).await?;
            Ok::<_, std::io::Error>(back)
        };
        let mut ours = rustls::RootCertStore::empty();
        let der = pem_der(&ca.ca_pem);
        ours.add(CertificateDer::from(der)).unwrap();
        assert_eq!(&connect(ours).await.unwrap(), b"hello");
        let public = rustls::RootCertStore::empty();
        assert!(connect(public).await.is_err(), "an untrusted CA is refused");
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        use base64::Engine;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }
}
