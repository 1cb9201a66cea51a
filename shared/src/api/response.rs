use crate::usecases::sessions::SessionTokens;
use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;

/// The answer when an answer cannot be serialised. It always can: the answer
/// structs hold strings, numbers and booleans.
const UNSERIALIZABLE: &str = r#"{"error":{"code":"internal_error","message":"internal error; the request id is in the logs"}}"#;

/// `token`, `tokenType`, `expiresIn`, `refreshToken` and `refreshExpiresIn`,
/// as login, refresh and a profile fold hand a session's tokens out
/// (flattened into their answers).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BearerTokens<'a> {
    token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: &'a str,
    refresh_expires_in: u64,
}

impl<'a> From<&'a SessionTokens> for BearerTokens<'a> {
    fn from(tokens: &'a SessionTokens) -> Self {
        Self {
            token: &tokens.access.token,
            token_type: "Bearer",
            expires_in: tokens.access.expires_in,
            // The one place a refresh token leaves: the answer to its owner.
            refresh_token: tokens.refresh.expose(),
            refresh_expires_in: tokens.refresh_expires_in,
        }
    }
}

/// How long an answer may be kept by browsers and CDNs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// Answers about a user: never.
    NoStore,
    /// Public documents (JWKS): a few minutes.
    Public,
    /// Content-addressed objects (avatars): forever, their key changes with them.
    Immutable,
}

/// One HTTP answer: JSON, except for the few routes that answer a plain
/// text (WeChat's push verification) or an image (avatars).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub body: Bytes,
    pub content_type: &'static str,
    /// Extra headers beyond content type and cache control (e.g. `retry-after`).
    pub headers: Vec<(&'static str, String)>,
    pub caching: Caching,
}

/// JSON's content type, the usual one.
pub const JSON: &str = "application/json; charset=utf-8";

impl ApiResponse {
    pub fn json(status: StatusCode, body: impl Into<String>) -> Self {
        Self {
            status,
            body: Bytes::from(body.into()),
            content_type: JSON,
            headers: Vec::new(),
            caching: Caching::NoStore,
        }
    }

    /// A plain text answer (WeChat's push endpoint wants its `echostr` and
    /// `success` verbatim).
    pub fn text(status: StatusCode, body: impl Into<String>) -> Self {
        Self {
            content_type: "text/plain; charset=utf-8",
            ..Self::json(status, body)
        }
    }

    /// Bytes of a content type (an image).
    pub fn bytes(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        Self {
            status,
            body,
            content_type,
            headers: Vec::new(),
            caching: Caching::NoStore,
        }
    }

    /// Whether the body is text (JSON, plain text) rather than bytes.
    pub fn is_text(&self) -> bool {
        self.content_type.starts_with("application/json") || self.content_type.starts_with("text/")
    }

    /// `value` serialised as the JSON body.
    pub fn serialized(status: StatusCode, value: &impl Serialize) -> Self {
        match serde_json::to_string(value) {
            Ok(body) => Self::json(status, body),
            Err(error) => {
                tracing::error!(%error, "answer not serialisable");
                Self::json(StatusCode::INTERNAL_SERVER_ERROR, UNSERIALIZABLE)
            }
        }
    }

    /// Converts to an `http::Response` for the adapters.
    pub fn into_http(self) -> http::Response<Bytes> {
        let mut builder = http::Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, self.content_type)
            .header(
                http::header::CACHE_CONTROL,
                match self.caching {
                    Caching::NoStore => "no-store",
                    Caching::Public => "public, max-age=300",
                    Caching::Immutable => "public, max-age=31536000, immutable",
                },
            );
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        // Every header above is a valid static name and value: this cannot fail.
        builder.body(self.body).unwrap_or_default()
    }
}
