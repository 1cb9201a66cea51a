//! Shared by each function's `tests/startup.rs`: the function refuses to start on
//! a missing or malformed setting, and says which one, before it ever polls for
//! a request.

// Each function's test uses one of the checks below.
#![allow(dead_code)]

use std::process::Command;

fn start(binary: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(binary);
    command.env_clear();
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run the function binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

pub fn settings_are_named_at_start_up(binary: &str) {
    let (ok, text) = start(binary, &[]);
    assert!(!ok);
    assert!(text.contains("TOKEN_SIGNING_KEY is not set"), "{text}");
    assert!(
        text.contains("\"level\":\"ERROR\""),
        "logged as structured JSON: {text}"
    );

    let bad_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
    let (ok, text) = start(binary, &[("TOKEN_SIGNING_KEY", bad_key)]);
    assert!(!ok);
    assert!(
        text.contains("TOKEN_SIGNING_KEY is not a usable RSA private key"),
        "{text}"
    );
}

/// A function that verifies tokens but signs none starts from public keys
/// alone, and refuses to start without them even when handed the signing key
/// (which it must not need).
pub fn verifier_settings_are_named_at_start_up(binary: &str) {
    let (ok, text) = start(binary, &[]);
    assert!(!ok);
    assert!(text.contains("TOKEN_VERIFY_KEYS is not set"), "{text}");
    assert!(
        text.contains("\"level\":\"ERROR\""),
        "logged as structured JSON: {text}"
    );

    let private_only = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
    let (ok, text) = start(binary, &[("TOKEN_SIGNING_KEY", private_only)]);
    assert!(!ok);
    assert!(text.contains("TOKEN_VERIFY_KEYS is not set"), "{text}");

    let bad_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
    let (ok, text) = start(binary, &[("TOKEN_VERIFY_KEYS", bad_key)]);
    assert!(!ok);
    assert!(
        text.contains("TOKEN_VERIFY_KEYS holds no usable RSA public keys"),
        "{text}"
    );
}

/// A public key, for a verifier to get past its keys (public keys are no secret).
const PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA00EISoK55tJtotUP22DT
z9PjUVwAcNuvBi+S4dVq429uwvRqxI5Q3SEBEEpGntOhHetexxtYCN1P/+ZhkZvr
NKLqS3aiIBviPFgD/n8ifOGA+45glP567eH465E4MmQDx2VjcdrkfUSGQ1hNorZi
Xet9igTjuvWlDfTaK9nJuwdrLX+7wyMqDUZ992y0+LhLASUfs3w5jeA0/2AgRDxe
S1om7QaJCuwk3NTENCkFWLS4KfUjagofP7MngJzfU7/4B9q8BRkfc77EjZwhWYPj
RynIRiC5NTPwYv/mvoKJMAJ+IHf+YXDEHcTnDXVg8WGO63w4qfJAjQFuzmyHgY05
qQIDAQAB
-----END PUBLIC KEY-----";

/// A verifier with its keys and table set stops at a bundle of roots
/// (`SSL_CERT_FILE`) it cannot use, naming it, rather than failing every
/// DynamoDB call later.
pub fn a_bad_root_bundle_is_named_at_start_up(binary: &str) {
    let env = |roots: &'static str| {
        [
            ("TOKEN_VERIFY_KEYS", PUBLIC_KEY),
            ("TABLE_NAME", "users"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("SSL_CERT_FILE", roots),
        ]
    };
    let (ok, text) = start(binary, &env("/nonexistent/roots.pem"));
    assert!(!ok);
    assert!(
        text.contains("SSL_CERT_FILE (/nonexistent/roots.pem): cannot be read"),
        "{text}"
    );
    let (ok, text) = start(
        binary,
        &env(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")),
    );
    assert!(!ok);
    assert!(text.contains("holds no usable certificate"), "{text}");
}
