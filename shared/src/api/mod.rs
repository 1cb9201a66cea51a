//! The HTTP edge, free of any server or Lambda framework: a request comes in as
//! [`ApiRequest`], leaves as [`ApiResponse`]. The Lambda adapter and the local
//! server both call [`Router::handle`], so they run the very same code.

mod account;
mod auth;
mod body;
mod catalogue;
mod error;
mod login;
mod logout;
mod multipart;
mod nickname;
mod password;
mod phone;
mod profile;
mod refresh;
mod response;
mod router;
mod sms;

pub use account::{DeleteAccountRoute, MeRoute};
pub use auth::Authenticator;
pub use catalogue::ErrorCode;
pub use error::ApiError;
pub use logout::LogoutRoute;
pub use multipart::{FilePart, MultipartError, file_part};
pub use nickname::NicknameRoute;
pub use password::{PasswordRoutes, SetPasswordRoute};
pub use phone::PhoneRoute;
pub use profile::ProfileRoute;
pub use response::ApiResponse;
pub use router::Router;
pub use sms::SmsRoutes;

use bytes::Bytes;
use http::{HeaderMap, Method};

/// Bodies larger than this are refused with 413 before parsing. WeChat's
/// encrypted payloads are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One HTTP request, as the edge adapters hand it over.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// The path without query string or API Gateway stage, e.g. `/auth/login`.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The platform's request id (Lambda's) or one the local server made up.
    pub request_id: String,
    /// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`),
    /// when it is one: what per-source limits count by.
    pub source_ip: Option<std::net::IpAddr>,
}
