//! `wxauth-init-probe`: builds what a function builds at init, once each, in a
//! fresh process as Lambda would, and prints how long each piece took (µs, as
//! JSON). First-time costs (certificate stores, lazily initialised statics)
//! only show in a fresh process, which a criterion loop never is.

use std::time::Instant;
use wxauth_shared::config::{Config, ProcessEnv};
use wxauth_shared::setup;

fn main() {
    let mut timings = serde_json::Map::new();
    let mut time = |name: &str, build: &mut dyn FnMut() -> Result<(), String>| {
        let started = Instant::now();
        if let Err(problem) = build() {
            eprintln!("{name}: {problem}");
            std::process::exit(1);
        }
        let micros = started.elapsed().as_secs_f64() * 1e6;
        timings.insert(name.to_owned(), serde_json::json!(micros));
    };
    let mut config = None;
    time("configuration (environment variables)", &mut || {
        config = Some(Config::from_env(&ProcessEnv).map_err(|e| e.to_string())?);
        Ok(())
    });
    let config = config.expect("read above");
    time("token keys (RSA key from PEM, JWKS)", &mut || {
        setup::token_keys(&config)
            .map(drop)
            .map_err(|e| e.to_string())
    });
    time(
        "WeChat HTTP client (reqwest; reads the roots for every client)",
        &mut || {
            setup::wechat_client(&config)
                .map(drop)
                .map_err(|e| e.to_string())
        },
    );
    time(
        "DynamoDB client (SDK over reqwest, the same TLS)",
        &mut || {
            setup::dynamo_store(&config)
                .map(drop)
                .map_err(|e| e.to_string())
        },
    );
    println!("{}", serde_json::Value::Object(timings));
}
