//! AWS's answers, in awsJson1_0's shapes: the error's type in the
//! `x-amzn-ErrorType` header and, with its namespace, in the body's `__type`,
//! beside `Message` and, for some, `Reason`.

/// The namespace of the service's own errors. The signature's errors are the
/// front end's, which writes no namespace.
const NAMESPACE: &str = "com.amazonaws.pinpointsmsvoicev2";

/// An error AWS answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub error_type: &'static str,
    pub reason: Option<&'static str>,
}

impl Refusal {
    pub const fn new(status: u16, error_type: &'static str, reason: Option<&'static str>) -> Self {
        Self {
            status,
            error_type,
            reason,
        }
    }

    /// The `x-amzn-ErrorType` header: the type and where Coral defines it.
    pub fn header(&self) -> String {
        format!(
            "{}:http://internal.amazon.com/coral/{NAMESPACE}/",
            self.error_type
        )
    }

    /// The body. `Message` names the number, as AWS's do: the adapter must
    /// not log it.
    pub fn body(&self, e164: Option<&str>) -> String {
        let error_type = if self.is_front_end() {
            self.error_type.to_owned()
        } else {
            format!("{NAMESPACE}#{}", self.error_type)
        };
        let mut body = serde_json::json!({
            "__type": error_type,
            "Message": message(self, e164.unwrap_or("the destination")),
        });
        if let Some(reason) = self.reason {
            body["Reason"] = reason.into();
            if self.error_type == "ValidationException" {
                body["Fields"] = serde_json::json!([{
                    "Name": "DestinationPhoneNumber",
                    "Message": "See Reason",
                }]);
            }
        }
        body.to_string()
    }

    /// The signature's and the protocol's errors, which come before the
    /// service's.
    fn is_front_end(&self) -> bool {
        matches!(
            self.error_type,
            "IncompleteSignatureException"
                | "InvalidSignatureException"
                | "UnrecognizedClientException"
                | "UnknownOperationException"
                | "SerializationException"
        )
    }
}

fn message(refusal: &Refusal, e164: &str) -> String {
    match (refusal.error_type, refusal.reason) {
        (_, Some("DESTINATION_PHONE_NUMBER_OPTED_OUT")) => {
            format!("The destination phone number {e164} has opted out.")
        }
        (_, Some("DESTINATION_PHONE_NUMBER_NOT_VERIFIED")) => format!(
            "The destination phone number {e164} is not verified: accounts in the SMS sandbox only send to verified numbers."
        ),
        (_, Some("CANNOT_PARSE")) => format!("Unable to parse the phone number {e164}."),
        ("InvalidSignatureException", _) => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".to_owned(),
        ("UnrecognizedClientException", _) => "The security token included in the request is invalid.".to_owned(),
        ("ThrottlingException", _) => "Rate exceeded".to_owned(),
        ("AccessDeniedException", _) => "User is not authorized to perform: sms-voice:SendTextMessage".to_owned(),
        _ => format!("{} ({})", refusal.error_type, refusal.reason.unwrap_or("no reason")),
    }
}

/// `{"MessageId": "..."}`: the message was accepted.
pub fn accepted(message_id: &str) -> String {
    serde_json::json!({ "MessageId": message_id }).to_string()
}
