//! Turning answers into HTTP responses the way WeChat serialises them.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Serialises `value` as WeChat does: compact JSON, fields in declaration
/// order, and every `/` escaped as `\/` (real session keys arrive as e.g.
/// `"\/IkZjlZpIUAFICUVPmWbmw=="`), so clients must use a real JSON parser.
pub(crate) fn wechat_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("simulator answers always serialise");
    // Outside strings JSON has no `/`, so this only touches string contents,
    // where `\/` is a valid escape of `/`.
    json.replace('/', "\\/")
}

/// A response with `status`, `content_type` and `body`.
pub(crate) fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A `200` response carrying JSON labelled `text/plain`, as `jscode2session`
/// does for both successes and errors.
pub(crate) fn plain_text_json(body: String) -> Response {
    respond(StatusCode::OK, "text/plain", body)
}

/// A `200` response carrying JSON as the newer endpoints (`stable_token`,
/// `getuserphonenumber`) serve it: `application/json; encoding=utf-8`.
pub(crate) fn utf8_json(body: String) -> Response {
    respond(StatusCode::OK, "application/json; encoding=utf-8", body)
}
