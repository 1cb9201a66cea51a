//! What Tencent's `SendSms` answer says, and what that means for us.

use crate::sms::SmsError;
use serde::Deserialize;

/// The one thing we need from an answer: the code for our number (`Ok`, or
/// why not), whether Tencent refused the whole request or that number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Answer {
    /// `SendStatusSet[0].Code`, or `Error.Code` for a refused request.
    pub code: String,
    /// Quoted when asking Tencent's support about a message.
    pub request_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    response: Response,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    error: Option<Coded>,
    #[serde(default)]
    send_status_set: Vec<Coded>,
    #[serde(default)]
    request_id: String,
}

/// An `Error`, or one number's `SendStatus`: both carry a `Code`. Their
/// `Message` is left unread: Tencent may echo the request's values in it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Coded {
    code: String,
}

impl Answer {
    /// Reads an HTTP 200 answer's body; anything else is a malformed answer,
    /// described without its content.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let envelope: Envelope = serde_json::from_slice(body)
            .map_err(|e| format!("malformed answer ({} bytes): {e}", body.len()))?;
        let Response {
            error,
            send_status_set,
            request_id,
        } = envelope.response;
        let code = match (error, send_status_set.into_iter().next()) {
            (Some(error), _) => error.code,
            (None, Some(status)) => status.code,
            (None, None) => return Err("answer with neither Error nor SendStatusSet".into()),
        };
        Ok(Self { code, request_id })
    }

    /// Sent only on exactly `Ok`.
    pub fn result(&self) -> Result<(), SmsError> {
        match self.code.as_str() {
            "Ok" => Ok(()),
            code => Err(error_for(code)),
        }
    }
}

/// Tencent's refusals, as the port names them. The per-number limits give a
/// retry time of their window: 30 s, an hour, a day (the daily windows end at
/// midnight Beijing time, so a day is the longest wait, not the exact one).
/// `DeliveryFrequencyLimit` does not say which window of the frequency policy
/// was hit: 30 s, the shortest of Tencent's defaults, lets the user try again
/// as soon as it could work; a longer window refuses again, with its own code.
/// The app-wide limits (`LimitExceeded.App*`) and `PhoneNumberCountLimit` (too
/// many numbers in one request) are not the number's: they are `Unavailable`.
fn error_for(code: &str) -> SmsError {
    match code {
        "LimitExceeded.PhoneNumberThirtySecondLimit" | "LimitExceeded.DeliveryFrequencyLimit" => {
            SmsError::RateLimited {
                retry_after_secs: 30,
            }
        }
        "LimitExceeded.PhoneNumberOneHourLimit" => SmsError::RateLimited {
            retry_after_secs: 3_600,
        },
        "LimitExceeded.PhoneNumberDailyLimit"
        | "LimitExceeded.PhoneNumberSameContentDailyLimit" => SmsError::RateLimited {
            retry_after_secs: 86_400,
        },
        "InvalidParameterValue.IncorrectPhoneNumber" | "FailedOperation.PhoneNumberInBlacklist" => {
            SmsError::InvalidNumber
        }
        // Credentials, signature (签名), template, balance, Tencent's own
        // limits and failures: nothing the user can fix.
        other => SmsError::Unavailable(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(body: &str) -> Result<(), SmsError> {
        Answer::parse(body.as_bytes()).unwrap().result()
    }

    fn per_number(code: &str) -> String {
        format!(
            r#"{{"Response":{{"SendStatusSet":[{{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"SessionContext":"","Code":"{code}","Message":"m","IsoCode":"CN"}}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}}}"#
        )
    }

    fn request_level(code: &str) -> String {
        format!(r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"b1"}}}}"#)
    }

    #[test]
    fn success_is_exactly_ok() {
        let answer = Answer::parse(per_number("Ok").as_bytes()).unwrap();
        assert_eq!(
            answer,
            Answer {
                code: "Ok".into(),
                request_id: "a0aabda6-cf91-4f3e-a81f-9198114a2279".into()
            }
        );
        assert_eq!(answer.result(), Ok(()));
        for almost in ["OK", "ok", ""] {
            assert_eq!(
                result(&per_number(almost)),
                Err(SmsError::Unavailable(almost.into()))
            );
        }
    }

    #[test]
    fn codes_map_the_same_per_number_and_request_level() {
        let limited = |secs| SmsError::RateLimited {
            retry_after_secs: secs,
        };
        let unavailable = |code: &str| SmsError::Unavailable(code.into());
        for (code, error) in [
            ("LimitExceeded.PhoneNumberThirtySecondLimit", limited(30)),
            ("LimitExceeded.DeliveryFrequencyLimit", limited(30)),
            ("LimitExceeded.PhoneNumberOneHourLimit", limited(3_600)),
            ("LimitExceeded.PhoneNumberDailyLimit", limited(86_400)),
            (
                "LimitExceeded.PhoneNumberSameContentDailyLimit",
                limited(86_400),
            ),
            (
                "InvalidParameterValue.IncorrectPhoneNumber",
                SmsError::InvalidNumber,
            ),
            (
                "FailedOperation.PhoneNumberInBlacklist",
                SmsError::InvalidNumber,
            ),
            (
                "LimitExceeded.PhoneNumberCountLimit",
                unavailable("LimitExceeded.PhoneNumberCountLimit"),
            ),
            (
                "LimitExceeded.AppDailyLimit",
                unavailable("LimitExceeded.AppDailyLimit"),
            ),
            (
                "AuthFailure.SignatureFailure",
                unavailable("AuthFailure.SignatureFailure"),
            ),
            (
                "FailedOperation.InsufficientBalanceInSmsPackage",
                unavailable("FailedOperation.InsufficientBalanceInSmsPackage"),
            ),
            ("RequestLimitExceeded", unavailable("RequestLimitExceeded")),
            (
                "InternalError.Timeout",
                unavailable("InternalError.Timeout"),
            ),
        ] {
            assert_eq!(result(&per_number(code)), Err(error.clone()), "{code}");
            assert_eq!(result(&request_level(code)), Err(error), "{code}");
        }
    }

    #[test]
    fn what_is_not_an_answer_is_described_without_its_content() {
        for body in [
            "",
            "<html>502 Bad Gateway</html>",
            r#"{"Response":{"RequestId":"c2"}}"#,
            r#"{"Response":{"SendStatusSet":[],"RequestId":"c3"}}"#,
            r#"{"Response":{"Error":{"Message":"no code"},"RequestId":"c4"}}"#,
            r#"{"code":0}"#,
        ] {
            let reason = Answer::parse(body.as_bytes()).unwrap_err();
            assert!(!reason.contains("Bad Gateway"), "{reason}");
        }
    }
}
