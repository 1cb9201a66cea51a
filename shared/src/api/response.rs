use http::StatusCode;

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
