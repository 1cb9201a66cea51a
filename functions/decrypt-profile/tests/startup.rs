//! The function refuses to start on a missing or malformed setting, and says
//! which one, before it ever polls for a request.

use std::process::Command;

fn start(env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_decrypt-profile"));
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

#[test]
fn missing_and_malformed_settings_are_named_at_start_up() {
    let (ok, text) = start(&[]);
    assert!(!ok);
    assert!(text.contains("TOKEN_SIGNING_KEY is not set"), "{text}");
    assert!(
        text.contains("\"level\":\"ERROR\""),
        "logged as structured JSON: {text}"
    );

    let (ok, text) = start(&[(
        "TOKEN_SIGNING_KEY",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    )]);
    assert!(!ok);
    assert!(
        text.contains("TOKEN_SIGNING_KEY is not a usable RSA private key"),
        "{text}"
    );
}
