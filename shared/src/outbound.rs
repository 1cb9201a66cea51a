//! What every call to another service over HTTPS (WeChat, the SMS provider)
//! shares: an answer body read up to a bound, and a transport failure told
//! with its causes but without the URL (URLs may carry secrets).

/// What every outbound client starts from (WeChat, the SMS providers, S3,
/// DynamoDB): the process's one TLS configuration ([`crate::tls`]),
/// connections opening within `connect_timeout`, idle ones closed after 50 s,
/// before the servers' own keep-alive ends (WeChat's and the SMS providers'
/// are about a minute; DynamoDB's longer), so a reused connection is not a
/// dead one. An error is told in words, naming `SSL_CERT_FILE` when the
/// roots are the problem.
pub(crate) fn builder(
    connect_timeout: std::time::Duration,
) -> Result<reqwest::ClientBuilder, String> {
    let tls = crate::tls::client_config()?;
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(rustls::ClientConfig::clone(&tls))
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(std::time::Duration::from_secs(50)))
}

/// The HTTP client of one outbound service, built once at start-up: it owns
/// the connection pool; connections open within 2 s.
pub(crate) fn client() -> Result<reqwest::Client, String> {
    builder(std::time::Duration::from_secs(2))?
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
