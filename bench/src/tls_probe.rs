//! `wxauth-tls-probe`: the one-time costs of a cold start's TLS and token
//! signing, each timed once in a fresh process (first use is what a cold
//! start pays; a loop never sees it), as CPU time of the probe's one thread.
//! Prints `{"piece": µs, ...}` as JSON, then `{"compiled_in_bytes": n}` on a
//! second line. Usage: `wxauth-tls-probe BUNDLE` (the PEM bundle of roots).
//!
//! Each piece is measured beside its alternative, so that a choice kept or
//! not kept in the functions has both sides measured in the same process:
//! - the roots: the clients' old loader (rustls-native-certs, PEM decoded in
//!   constant time; the functions used to run it twice), the functions' one
//!   read (`wxauth_shared::tls`), roots compiled in (webpki-roots);
//! - the RS256 signature: the first with a freshly parsed key, then the next;
//! - a TLS handshake with the functions' configuration against a loopback
//!   server, in full, then resumed from rustls' session cache.

use rustls::RootCertStore;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wxauth_bench::tls_front::TestCa;

/// CPU time of this thread, in µs.
fn thread_cpu_us() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as f64 * 1e6 + now.tv_nsec as f64 / 1e3
}

fn main() {
    let bundle = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: wxauth-tls-probe BUNDLE");
        std::process::exit(2);
    });
    match run(&bundle) {
        Ok(()) => {}
        Err(problem) => {
            eprintln!("wxauth-tls-probe: {problem}");
            std::process::exit(1);
        }
    }
}

fn run(bundle: &str) -> Result<(), String> {
    let mut timings = serde_json::Map::new();
    let mut time = |name: &str, started: f64| {
        timings.insert(
            name.to_owned(),
            serde_json::json!(thread_cpu_us() - started),
        );
    };
    // aws-lc's own start (CPU feature detection): paid by every function
    // before any of the pieces, not by one of them.
    aws_lc_rs::init();

    // SAFETY: single-threaded here; rustls-native-certs reads them. The
    // functions run with the bundle alone, as on Lambda.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", bundle);
        std::env::remove_var("SSL_CERT_DIR");
    }
    let started = thread_cpu_us();
    let loaded = rustls_native_certs::load_native_certs();
    let mut old = RootCertStore::empty();
    old.add_parsable_certificates(loaded.certs);
    time(
        "roots: the old loader, per client (rustls-native-certs)",
        started,
    );

    let started = thread_cpu_us();
    let ours = wxauth_shared::tls::trusted_roots(Some(bundle.into()))?;
    time(
        "roots: one read for every client (wxauth_shared::tls)",
        started,
    );
    if ours.len() != old.len() {
        return Err(format!(
            "the two loaders disagree: {} roots against {}",
            ours.len(),
            old.len()
        ));
    }

    let started = thread_cpu_us();
    let compiled = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    time("roots: compiled in (webpki-roots, not kept)", started);
    let compiled_in_bytes: usize = webpki_roots::TLS_SERVER_ROOTS
        .iter()
        .map(|a| {
            a.subject.len()
                + a.subject_public_key_info.len()
                + a.name_constraints.as_ref().map_or(0, |n| n.len())
        })
        .sum();
    drop(compiled);

    let key = wxauth_shared::tokens::SigningKey::from_pem(wxauth_tests::harness::signing_key_pem())
        .map_err(|e| e.to_string())?;
    let started = thread_cpu_us();
    key.sign(b"first").ok_or("signing failed")?;
    time("RS256: the first signature with the key", started);
    let started = thread_cpu_us();
    key.sign(b"second").ok_or("signing failed")?;
    time("RS256: the next signature", started);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (full, resumed) = runtime.block_on(handshakes())?;
    timings.insert("TLS handshake: full".to_owned(), serde_json::json!(full));
    timings.insert(
        "TLS handshake: resumed (rustls' session cache)".to_owned(),
        serde_json::json!(resumed),
    );
    println!("{}", serde_json::Value::Object(timings));
    println!(
        "{}",
        serde_json::json!({ "compiled_in_bytes": compiled_in_bytes })
    );
    Ok(())
}

/// The client's CPU for a full handshake and for a resumed one, against a
/// loopback server on its own thread (its CPU is not counted).
async fn handshakes() -> Result<(f64, f64), String> {
    let ca = TestCa::generate()?;
    let server = std::sync::mpsc::channel();
    let ca_server = ca.server_config();
    std::thread::spawn(move || serve(ca_server, server.0));
    let address = server.1.recv().map_err(|e| e.to_string())??;

    let mut roots = RootCertStore::empty();
    for cert in wxauth_shared::tls::certificates_in_pem(ca.ca_pem.as_bytes()) {
        roots.add(cert).map_err(|e| e.to_string())?;
    }
    let config = Arc::new(wxauth_shared::tls::config_trusting(roots)?);
    let connector = tokio_rustls::TlsConnector::from(config);
    let mut took = Vec::new();
    for _ in 0..2 {
        let tcp = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|e| e.to_string())?;
        let started = thread_cpu_us();
        let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        // One byte each way: TLS 1.3 tickets arrive after the handshake.
        tls.write_all(b"x").await.map_err(|e| e.to_string())?;
        let mut byte = [0u8; 1];
        tls.read_exact(&mut byte).await.map_err(|e| e.to_string())?;
        took.push(thread_cpu_us() - started);
        let resumed = tls.get_ref().1.handshake_kind();
        if took.len() == 2 && resumed != Some(rustls::HandshakeKind::Resumed) {
            return Err(format!("the second handshake was {resumed:?}, not resumed"));
        }
    }
    Ok((took[0], took[1]))
}

/// A TLS echo of one byte per connection, on its own runtime.
fn serve(
    config: Arc<rustls::ServerConfig>,
    ready: std::sync::mpsc::Sender<Result<std::net::SocketAddr, String>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => {
                let _ = ready.send(Err(e.to_string()));
                return;
            }
        };
        let _ = ready.send(listener.local_addr().map_err(|e| e.to_string()));
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        while let Ok((tcp, _)) = listener.accept().await {
            if let Ok(mut tls) = acceptor.accept(tcp).await {
                let mut byte = [0u8; 1];
                if tls.read_exact(&mut byte).await.is_ok() {
                    let _ = tls.write_all(&byte).await;
                    let _ = tls.flush().await;
                }
            }
        }
    });
}
