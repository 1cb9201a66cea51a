use crate::usecases::sessions::SessionTokens;
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

/// One HTTP answer: always JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub body: String,
    /// Extra headers beyond content type and cache control (e.g. `retry-after`).
    pub headers: Vec<(&'static str, String)>,
    /// Public documents (JWKS) may be cached; answers about a user never.
    pub cacheable: bool,
}

impl ApiResponse {
    pub fn json(status: StatusCode, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            headers: Vec::new(),
            cacheable: false,
        }
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
    pub fn into_http(self) -> http::Response<String> {
        let mut builder = http::Response::builder()
            .status(self.status)
            .header(
                http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .header(
                http::header::CACHE_CONTROL,
                if self.cacheable {
                    "public, max-age=300"
                } else {
                    "no-store"
                },
            );
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        // Every header above is a valid static name and value: this cannot fail.
        builder.body(self.body).unwrap_or_default()
    }
}
