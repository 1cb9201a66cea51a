//! The HTTP edge, free of any server or Lambda framework: a request comes in as
//! [`ApiRequest`], leaves as [`ApiResponse`]. The Lambda adapter and the local
//! server both call [`Router::handle`], so they run the very same code.

mod account;
mod auth;
mod avatar;
mod body;
mod catalogue;
#[cfg(test)]
mod contract;
mod error;
mod login;
mod logout;
mod multipart;
mod nickname;
mod password;
mod phone;
mod profile;
mod push;
mod refresh;
mod response;
mod router;
mod sms;

pub use account::{DeleteAccountRoute, MeRoute};
pub use auth::Authenticator;
pub use avatar::AvatarRoutes;
pub use catalogue::ErrorCode;
pub use error::ApiError;
pub use logout::LogoutRoute;
pub use multipart::{FilePart, MultipartError, file_part};
pub use nickname::NicknameRoute;
pub use password::{PasswordRoutes, SetPasswordRoute};
pub use phone::PhoneRoute;
pub use profile::ProfileRoute;
pub use push::PushRoute;
pub use response::ApiResponse;
pub use router::Router;
pub use sms::SmsRoutes;

use bytes::Bytes;
use http::{HeaderMap, Method};

/// Bodies larger than this are refused with 413 before parsing. WeChat's
/// encrypted payloads are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The avatar upload's limit: the 1 MB image (`domain::MAX_AVATAR_BYTES`)
/// and the multipart envelope `wx.uploadFile` wraps it in (its form fields
/// included). A larger body is 413 before parsing.
pub const MAX_UPLOAD_BYTES: usize = 1024 * 1024 + 16 * 1024;

/// One HTTP request, as the edge adapters hand it over.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// The path without query string or API Gateway stage, e.g. `/auth/login`.
    pub path: String,
    /// The raw query string, without `?` (empty when there is none).
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The platform's request id (Lambda's) or one the local server made up.
    pub request_id: String,
    /// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`),
    /// when it is one: what per-source limits count by.
    pub source_ip: Option<std::net::IpAddr>,
}

impl ApiRequest {
    /// The first value of query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// A header's value as text, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
