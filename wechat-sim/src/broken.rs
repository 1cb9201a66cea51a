//! Broken answers (`body=` in a login code), to test how clients cope with a
//! WeChat (or a proxy in front of it) that answers something unusable.

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::random;
use crate::reply::respond;

/// nginx's built-in 502 page, byte for byte (nginx ends its lines with CRLF).
const NGINX_502: &str = "<html>\r\n\
<head><title>502 Bad Gateway</title></head>\r\n\
<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n\
<hr><center>nginx</center>\r\n\
</body>\r\n\
</html>\r\n";

/// The kinds of broken answer a login code can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BrokenBody {
    /// Status 200, random text that is not JSON.
    Garbage,
    /// Status 200, a success answer cut off in the middle.
    Truncated,
    /// Status 502, nginx's HTML error page (`text/html`).
    Html,
    /// Status 200, no body at all.
    Empty,
}

impl BrokenBody {
    /// Parses the value of `body=`.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "garbage" => Some(Self::Garbage),
            "truncated" => Some(Self::Truncated),
            "html" => Some(Self::Html),
            "empty" => Some(Self::Empty),
            _ => None,
        }
    }

    /// The response; `success_body` is the JSON a correct answer would have
    /// carried, which `Truncated` cuts in half.
    pub(crate) fn into_response(self, success_body: &str) -> Response {
        match self {
            Self::Garbage => {
                // `#` can't start a JSON document, so this never parses by luck.
                let text = format!("#{}", STANDARD.encode(random::bytes::<24>()));
                respond(StatusCode::OK, "text/plain", text)
            }
            Self::Truncated => {
                // The body is ASCII, so any index is a char boundary.
                let cut = success_body[..success_body.len() / 2].to_owned();
                respond(StatusCode::OK, "text/plain", cut)
            }
            Self::Html => respond(StatusCode::BAD_GATEWAY, "text/html", NGINX_502.to_owned()),
            Self::Empty => respond(StatusCode::OK, "text/plain", String::new()),
        }
    }
}
