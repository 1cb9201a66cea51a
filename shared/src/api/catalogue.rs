//! The error catalogue: every stable error code the API answers, with its HTTP
//! status and retry hint decided here, once. `docs/api.md` lists the same codes
//! in one table; a test below keeps the two in step.

use http::StatusCode;

/// Declares [`ErrorCode`] from one table: each code once, with its wire name,
/// its status and its `Retry-After` seconds, so nothing can disagree.
macro_rules! catalogue {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $status:ident, $retry:expr;)*) => {
        /// A stable, machine-readable error code: the `error.code` of an answer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the table in `docs/api.md`.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The code as clients see it: snake_case, never changed once published.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// The HTTP status every answer with this code has.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(Self::$variant => StatusCode::$status,)*
                }
            }

            /// Seconds for the `Retry-After` header, for the codes that carry one.
            pub const fn retry_after(self) -> Option<u32> {
                match self {
                    $(Self::$variant => $retry,)*
                }
            }
        }
    };
}

catalogue! {
    /// The body is missing, not JSON, or a field is missing or of the wrong type.
    BadRequest = "bad_request", BAD_REQUEST, None;
    /// The requested appid (or the token's) is not served by this deployment.
    UnknownAppid = "unknown_appid", BAD_REQUEST, None;
    /// WeChat 40029 for a `wx.login` code.
    InvalidCode = "invalid_code", BAD_REQUEST, None;
    /// WeChat 40163 for a `wx.login` code.
    CodeUsed = "code_used", BAD_REQUEST, None;
    /// WeChat 40029 or 40163 for a `getPhoneNumber` code.
    PhoneCodeInvalid = "phone_code_invalid", BAD_REQUEST, None;
    /// A phone number that is not one (E.164, or 11 mainland digits).
    InvalidPhone = "invalid_phone", BAD_REQUEST, None;
    /// An SMS code that is wrong, expired, used or dead.
    SmsCodeInvalid = "sms_code_invalid", BAD_REQUEST, None;
    /// A login ticket that is malformed, used, expired or of another app.
    TicketInvalid = "ticket_invalid", BAD_REQUEST, None;
    /// A password login on a number nobody has registered, without a proof
    /// of the number (`smsCode` or `phoneCode`), or a `phoneCode` of another
    /// number.
    PhoneUnverified = "phone_unverified", BAD_REQUEST, None;
    /// A new password shorter than 8 characters, the user's number, or a
    /// common one.
    WeakPassword = "weak_password", BAD_REQUEST, None;
    /// A nickname that is empty, longer than 30 characters, or holds control
    /// or invisible characters.
    InvalidNickname = "invalid_nickname", BAD_REQUEST, None;
    /// An avatar upload that is not a multipart body with a `file` part, or
    /// whose file is empty or not a JPEG, PNG or WebP image by its bytes.
    BadImage = "bad_image", BAD_REQUEST, None;
    WatermarkMismatch = "watermark_mismatch", BAD_REQUEST, None;
    WatermarkExpired = "watermark_expired", BAD_REQUEST, None;
    OpenidMismatch = "openid_mismatch", BAD_REQUEST, None;
    SignatureMismatch = "signature_mismatch", BAD_REQUEST, None;
    /// Open data that does not decrypt although WeChat confirms the session's
    /// key is current (`checksession`).
    BadData = "bad_data", BAD_REQUEST, None;
    /// No usable token: missing, malformed, not an access token, or not ours.
    Unauthorized = "unauthorized", UNAUTHORIZED, None;
    /// An access token past its `exp`: refresh it.
    TokenExpired = "token_expired", UNAUTHORIZED, None;
    /// A token whose session no longer exists (logged out, replaced by a newer
    /// login, expired, its user folded into another or deleted), or a refresh
    /// token that is bad, expired, ended or reused: log in again.
    SessionEnded = "session_ended", UNAUTHORIZED, None;
    /// A password that is not the number's account's (or not the current one).
    WrongPassword = "wrong_password", UNAUTHORIZED, None;
    /// A password login on an account that has no password: log in by SMS.
    PasswordNotSet = "password_not_set", UNAUTHORIZED, None;
    /// A message push whose signature (or `msg_signature`) is not ours, or
    /// whose ciphertext does not decrypt with our EncodingAESKey.
    PushSignatureInvalid = "push_signature_invalid", UNAUTHORIZED, None;
    /// A message push whose timestamp is more than 5 minutes from now: a
    /// replay, or a clock far off.
    PushExpired = "push_expired", UNAUTHORIZED, None;
    /// WeChat 40226.
    UserBlocked = "user_blocked", FORBIDDEN, None;
    NotFound = "not_found", NOT_FOUND, None;
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED, None;
    SessionKeyStale = "session_key_stale", CONFLICT, None;
    PhoneTaken = "phone_taken", CONFLICT, None;
    AccountConflict = "account_conflict", CONFLICT, None;
    /// Setting a password on an account without a phone number (a password
    /// logs in with the number): bind one first.
    PhoneRequired = "phone_required", CONFLICT, None;
    /// Strict content checks and WeChat will not check this user's text: no
    /// WeChat identity to check under (a number's account), or WeChat 61010
    /// (no visit in the last 2 hours).
    ContentCheckUnavailable = "content_check_unavailable", CONFLICT, None;
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE, None;
    /// WeChat's content check found the text risky (or to review, with
    /// `CONTENT_CHECK_REVIEW=reject`); nothing was stored.
    ContentRejected = "content_rejected", UNPROCESSABLE_ENTITY, None;
    /// WeChat 45011.
    RateLimited = "rate_limited", TOO_MANY_REQUESTS, Some(60);
    /// Five password tries on a number in 15 minutes, or too many from one
    /// address in an hour; each answer carries its own `Retry-After`.
    TooManyAttempts = "too_many_attempts", TOO_MANY_REQUESTS, Some(900);
    InternalError = "internal_error", INTERNAL_SERVER_ERROR, None;
    WechatError = "wechat_error", BAD_GATEWAY, None;
    /// The SMS provider refused or failed (credentials, template, balance).
    SmsUnavailable = "sms_unavailable", BAD_GATEWAY, None;
    /// WeChat -1 on every attempt.
    WechatBusy = "wechat_busy", SERVICE_UNAVAILABLE, Some(1);
    StorageUnavailable = "storage_unavailable", SERVICE_UNAVAILABLE, Some(1);
    WechatTimeout = "wechat_timeout", GATEWAY_TIMEOUT, None;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    /// The API documentation, where the error table lives.
    const API_DOC: &str = include_str!("../../../docs/api.md");

    /// One row of the table in `docs/api.md`: code, status, and what it says.
    struct DocRow {
        code: String,
        status: u16,
        meaning: String,
    }

    /// The rows of the table headed `| code | status | … |` under `## Errors`.
    fn documented_codes() -> Vec<DocRow> {
        let errors = API_DOC
            .split("\n## ")
            .find(|section| section.starts_with("Errors"))
            .expect("docs/api.md has an \"## Errors\" section");
        let mut lines = errors
            .lines()
            .skip_while(|line| !line.starts_with("| code | status |"));
        assert!(
            lines.next().is_some(),
            "the Errors section has a table headed \"| code | status | … |\""
        );
        let separator = lines.next().unwrap_or_default();
        assert!(separator.starts_with("|---"), "{separator:?}");
        lines
            .take_while(|line| line.starts_with('|'))
            .map(|line| {
                let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
                assert!(cells.len() >= 3, "malformed row {line:?}");
                let code = cells[0].trim();
                let code = code
                    .strip_prefix('`')
                    .and_then(|c| c.strip_suffix('`'))
                    .unwrap_or_else(|| panic!("the code in {line:?} is not in backticks"));
                DocRow {
                    code: code.to_owned(),
                    status: cells[1]
                        .trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("the status in {line:?} is not a number")),
                    meaning: cells[2..].join(" | "),
                }
            })
            .collect()
    }

    #[test]
    fn codes_are_unique_snake_case_errors() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} listed twice");
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s} is not snake_case"
            );
            assert!(
                code.status().is_client_error() || code.status().is_server_error(),
                "{s}"
            );
        }
    }

    #[test]
    fn the_error_table_in_docs_api_md_matches_the_catalogue() {
        let rows = documented_codes();
        let mut documented = BTreeMap::new();
        for row in &rows {
            assert!(
                documented.insert(row.code.as_str(), row).is_none(),
                "docs/api.md lists {} twice",
                row.code
            );
        }
        // Every code of the catalogue is documented, with its status and retry hint.
        for code in ErrorCode::ALL {
            let row = documented.get(code.as_str()).unwrap_or_else(|| {
                panic!("docs/api.md's error table does not list {}", code.as_str())
            });
            assert_eq!(
                row.status,
                code.status().as_u16(),
                "docs/api.md gives {} another status",
                code.as_str()
            );
            assert!(
                !row.meaning.trim().is_empty(),
                "docs/api.md does not say what {} means",
                code.as_str()
            );
            match code.retry_after() {
                Some(secs) => assert!(
                    row.meaning.contains(&format!("`Retry-After: {secs}`")),
                    "docs/api.md does not give {}'s `Retry-After: {secs}`",
                    code.as_str()
                ),
                None => assert!(
                    !row.meaning.contains("Retry-After"),
                    "docs/api.md promises a Retry-After for {}",
                    code.as_str()
                ),
            }
        }
        // Every documented code exists.
        let known: HashSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for row in &rows {
            assert!(
                known.contains(row.code.as_str()),
                "docs/api.md documents {}, which the API never answers",
                row.code
            );
        }
    }
}
