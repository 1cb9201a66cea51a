//! What `SendTextMessage`'s answer says, and what that means for us. The
//! protocol is awsJson1_0: HTTP 200 and `{"MessageId"}` when the message was
//! accepted; otherwise an error named by the `x-amzn-ErrorType` header or the
//! body's `__type` (either may carry a namespace, `…#ValidationException`, or
//! a suffix, `ValidationException:http://…`), with a `Reason` for some.

use crate::sms::SmsError;
use serde::Deserialize;

/// The answer, as far as we need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// HTTP 200: AWS accepted the message, under this id.
    Sent { message_id: String },
    /// An error AWS names: its type without namespace, and its `Reason`.
    Refused {
        error_type: String,
        reason: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Accepted {
    message_id: String,
}

/// An error body. Its `Message` is left unread: it may echo the number.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(rename = "__type")]
    type_: Option<String>,
    code: Option<String>,
    #[serde(rename = "Reason")]
    reason: Option<String>,
}

impl Answer {
    /// Reads an answer: its status, its `x-amzn-ErrorType` header and its
    /// body. Anything that is not one of AWS's answers is described, without
    /// its content.
    pub fn parse(
        status: u16,
        error_type_header: Option<&str>,
        body: &[u8],
    ) -> Result<Self, String> {
        if status == 200 {
            let accepted: Accepted = serde_json::from_slice(body)
                .map_err(|e| format!("malformed answer ({} bytes): {e}", body.len()))?;
            let message_id = token(&accepted.message_id)
                .ok_or_else(|| "answer with a malformed MessageId".to_owned())?;
            return Ok(Self::Sent { message_id });
        }
        // A gateway's HTML page is no error body: its type, if any, is in
        // the header.
        let error: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let named = error_type_header
            .or(error.type_.as_deref())
            .or(error.code.as_deref())
            .and_then(|name| token(error_name(name)));
        match named {
            Some(error_type) => Ok(Self::Refused {
                error_type,
                reason: error.reason.as_deref().and_then(token),
            }),
            None => Err(format!("HTTP {status}")),
        }
    }
}

/// `ValidationException` of `com.amazonaws.pinpointsmsvoicev2#ValidationException`
/// or of `ValidationException:http://internal.amazon.com/…`.
fn error_name(text: &str) -> &str {
    let text = text.split(':').next().unwrap_or(text);
    text.rsplit('#').next().unwrap_or(text)
}

/// A name, id or reason as AWS writes them, safe to log: ASCII letters,
/// digits, `_`, `-` and `.`, at most 128; anything else is not AWS's.
fn token(text: &str) -> Option<String> {
    let text = text.trim();
    let valid = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    valid.then(|| text.to_owned())
}

/// AWS's refusals, as the port names them. The number is refused when AWS
/// cannot read it or its country (`CANNOT_PARSE`, `COUNTRY_CODE_MISMATCH`),
/// will not send there (`DESTINATION_COUNTRY_BLOCKED`, or the account's
/// protect configuration blocks the country or the number), or its owner
/// opted out (answered STOP). Everything else is ours to fix, not the
/// user's: the sandbox's unverified numbers, permissions, a missing origination
/// identity or configuration set, the monthly spend limit, the account's
/// throughput (throttling is account-wide, not the number's), other
/// validation errors, AWS's own failures.
pub(super) fn error_for(error_type: &str, reason: Option<&str>) -> SmsError {
    match (error_type, reason) {
        (
            "ValidationException",
            Some("CANNOT_PARSE" | "COUNTRY_CODE_MISMATCH" | "DESTINATION_COUNTRY_BLOCKED"),
        )
        | (
            "ConflictException",
            Some(
                "DESTINATION_PHONE_NUMBER_OPTED_OUT"
                | "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"
                | "DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE",
            ),
        ) => SmsError::InvalidNumber,
        (error_type, Some(reason)) => SmsError::Unavailable(format!("{error_type}: {reason}")),
        (error_type, None) => SmsError::Unavailable(error_type.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACE: &str = "com.amazonaws.pinpointsmsvoicev2#";

    fn refused(error_type: &str, reason: Option<&str>) -> String {
        let mut body = serde_json::json!({
            "__type": format!("{NAMESPACE}{error_type}"),
            "Message": "Destination +12065550100 is opted out",
        });
        if let Some(reason) = reason {
            body["Reason"] = reason.into();
        }
        body.to_string()
    }

    /// Sent only with HTTP 200 and a `MessageId`.
    fn outcome(answer: Answer) -> Result<(), SmsError> {
        match answer {
            Answer::Sent { .. } => Ok(()),
            Answer::Refused { error_type, reason } => {
                Err(error_for(&error_type, reason.as_deref()))
            }
        }
    }

    fn result(status: u16, body: &str) -> Result<(), SmsError> {
        outcome(Answer::parse(status, None, body.as_bytes()).unwrap())
    }

    #[test]
    fn sent_is_http_200_with_a_message_id() {
        let answer = Answer::parse(200, None, br#"{"MessageId":"3b7e9d1c-5a2f-4c3e"}"#).unwrap();
        assert_eq!(
            answer,
            Answer::Sent {
                message_id: "3b7e9d1c-5a2f-4c3e".into()
            }
        );
        assert_eq!(outcome(answer), Ok(()));
        for body in [
            "{}",
            r#"{"MessageId":""}"#,
            r#"{"MessageId":"<script>"}"#,
            "OK",
        ] {
            assert!(Answer::parse(200, None, body.as_bytes()).is_err(), "{body}");
        }
    }

    #[test]
    fn the_users_number_is_refused_for_what_the_user_cannot_change() {
        for (error_type, reason) in [
            ("ValidationException", "CANNOT_PARSE"),
            ("ValidationException", "COUNTRY_CODE_MISMATCH"),
            ("ValidationException", "DESTINATION_COUNTRY_BLOCKED"),
            ("ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT"),
            (
                "ConflictException",
                "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
            ),
        ] {
            assert_eq!(
                result(400, &refused(error_type, Some(reason))),
                Err(SmsError::InvalidNumber),
                "{reason}"
            );
        }
    }

    #[test]
    fn everything_else_is_unavailable_with_its_type_and_reason() {
        for (status, error_type, reason, expected) in [
            (
                400,
                "ConflictException",
                Some("DESTINATION_PHONE_NUMBER_NOT_VERIFIED"),
                "ConflictException: DESTINATION_PHONE_NUMBER_NOT_VERIFIED",
            ),
            (
                400,
                "ValidationException",
                Some("INVALID_IDENTITY_FOR_DESTINATION_COUNTRY"),
                "ValidationException: INVALID_IDENTITY_FOR_DESTINATION_COUNTRY",
            ),
            (400, "ValidationException", None, "ValidationException"),
            (400, "AccessDeniedException", None, "AccessDeniedException"),
            (
                400,
                "ResourceNotFoundException",
                None,
                "ResourceNotFoundException",
            ),
            (
                400,
                "ServiceQuotaExceededException",
                Some("MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"),
                "ServiceQuotaExceededException: MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
            ),
            (400, "ThrottlingException", None, "ThrottlingException"),
            (
                500,
                "InternalServerException",
                None,
                "InternalServerException",
            ),
        ] {
            assert_eq!(
                result(status, &refused(error_type, reason)),
                Err(SmsError::Unavailable(expected.into())),
                "{expected}"
            );
        }
    }

    #[test]
    fn the_header_names_the_error_first_with_or_without_namespace_or_suffix() {
        let body = refused("ValidationException", Some("CANNOT_PARSE"));
        let header = Some(
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/",
        );
        assert_eq!(
            Answer::parse(400, header, body.as_bytes()).unwrap(),
            Answer::Refused {
                error_type: "ThrottlingException".into(),
                reason: Some("CANNOT_PARSE".into())
            }
        );
        // The header alone, over a gateway's page.
        let answer = Answer::parse(400, Some("AccessDeniedException"), b"<html>403</html>");
        assert_eq!(
            outcome(answer.unwrap()),
            Err(SmsError::Unavailable("AccessDeniedException".into()))
        );
        // A bare `__type`, and the `code` some gateways write.
        for body in [
            r#"{"__type":"ConflictException","Reason":"DESTINATION_PHONE_NUMBER_OPTED_OUT"}"#,
            r#"{"code":"ConflictException","Reason":"DESTINATION_PHONE_NUMBER_OPTED_OUT"}"#,
        ] {
            assert_eq!(result(400, body), Err(SmsError::InvalidNumber), "{body}");
        }
        // `com.amazon.coral.service#AccessDeniedException`, IAM's namespace.
        assert_eq!(
            result(
                400,
                r#"{"__type":"com.amazon.coral.service#AccessDeniedException"}"#
            ),
            Err(SmsError::Unavailable("AccessDeniedException".into()))
        );
    }

    #[test]
    fn what_is_not_an_answer_is_described_without_its_content() {
        for (status, body) in [
            (500, "<html>500 Internal Server Error</html>"),
            (502, ""),
            (400, "{}"),
            (400, r#"{"Message":"no type +12065550100"}"#),
            (400, r#"{"__type":"Bad Gateway <b>"}"#),
        ] {
            let reason = Answer::parse(status, None, body.as_bytes()).unwrap_err();
            assert_eq!(reason, format!("HTTP {status}"));
        }
        let reason = Answer::parse(200, None, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(reason.starts_with("malformed answer"), "{reason}");
        assert!(!reason.contains("Bad Gateway"), "{reason}");
    }
}
