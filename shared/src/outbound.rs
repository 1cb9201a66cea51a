//! What every call to another service over HTTPS (WeChat, the SMS provider)
//! shares: an answer body read up to a bound, and a transport failure told
//! with its causes but without the URL (URLs may carry secrets).

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
