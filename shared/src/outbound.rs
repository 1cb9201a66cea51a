//! What every call to another service over HTTPS (WeChat, the SMS provider)
//! shares: an answer body read up to a bound, and a transport failure told
//! with its causes but without the URL (URLs may carry secrets).

/// The HTTP client of one outbound service, built once at start-up: it owns
/// the connection pool. Connections open within 2 s and idle ones close after
/// 50 s, before the servers' own keep-alive ends (WeChat's and the SMS
/// providers' are about a minute), so a reused connection is not a dead one.
/// TLS is the process's one configuration ([`crate::tls`]). An error is told
/// in words, naming `SSL_CERT_FILE` when the roots are the problem.
pub(crate) fn client() -> Result<reqwest::Client, String> {
    let tls = crate::tls::client_config()?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls::ClientConfig::clone(&tls))
        .connect_timeout(std::time::Duration::from_secs(2))
        .pool_idle_timeout(std::time::Duration::from_secs(50))
        .user_agent(concat!("wxauth/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(describe)
}

/// Why an answer's body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge,
    Transport(String),
}

/// The body of `response`, refused past `max_bytes`.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    max_bytes: usize,
) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::Transport(describe(e)))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport failure without its URL, with its causes: reqwest's own text
/// leaves out "connection refused" and the like.
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
