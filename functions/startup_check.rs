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
