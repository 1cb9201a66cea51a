//! AWS End User Messaging SMS: API `pinpoint-sms-voice-v2` `SendTextMessage`
//! (protocol awsJson1_0), signed with SigV4 for the service `sms-voice`, for
//! numbers outside mainland China.

mod answer;

use super::{SmsError, SmsSender};
use crate::clock::Clock;
use crate::config::AwsSmsSettings;
use crate::domain::{PhoneNumber, SmsCode};
use crate::outbound::{self, BodyError};
use answer::{Answer, error_for};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use reqwest::header::{CONTENT_TYPE, HOST};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The operation, as awsJson1_0 names it: `{targetPrefix}.{operation}`.
const TARGET: &str = "PinpointSMSVoiceV2.SendTextMessage";
/// The service name in the signature's credential scope.
const SIGNING_NAME: &str = "sms-voice";
const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// A one-time code is transactional: AWS routes it for delivery, not price.
const MESSAGE_TYPE: &str = "TRANSACTIONAL";

/// AWS's answers are a few hundred bytes; anything far larger is not AWS.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The adapter. Build it once at start-up: it owns the connection pool.
pub struct AwsSms {
    client: reqwest::Client,
    settings: AwsSmsSettings,
    /// The settings' credentials, as the signer takes them. Their `Debug`
    /// redacts the secret key and the session token.
    credentials: Credentials,
    /// `X-Amz-Date`, which AWS refuses more than 5 minutes off.
    clock: Arc<dyn Clock>,
}

impl AwsSms {
    pub fn new(settings: AwsSmsSettings, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let client = outbound::client()?;
        let credentials = settings.credentials.sdk();
        Ok(Self {
            client,
            settings,
            credentials,
            clock,
        })
    }

    /// The JSON body: one number, the message with the code in it, and the
    /// origination identity and configuration set when set.
    fn body(&self, phone: &PhoneNumber, code: &SmsCode) -> String {
        let settings = &self.settings;
        let mut body = serde_json::json!({
            "DestinationPhoneNumber": phone.e164(),
            "MessageBody": settings.text(code.expose()),
            "MessageType": MESSAGE_TYPE,
        });
        if let Some(identity) = &settings.origination_identity {
            body["OriginationIdentity"] = identity.as_str().into();
        }
        if let Some(set) = &settings.configuration_set {
            body["ConfigurationSetName"] = set.as_str().into();
        }
        body.to_string()
    }

    /// The request, signed over `content-type`, `host` and `x-amz-target`
    /// (and `x-amz-date`, and the session token of a role's credentials,
    /// which the signer adds).
    fn signed_request(&self, body: String) -> Result<reqwest::RequestBuilder, String> {
        let settings = &self.settings;
        let url = format!("{}/", settings.endpoint);
        let headers = [
            ("content-type", JSON_CONTENT_TYPE),
            ("host", settings.host()),
            ("x-amz-target", TARGET),
        ];
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&settings.region)
            .name(SIGNING_NAME)
            .time(SystemTime::UNIX_EPOCH + Duration::from_secs(self.clock.now_unix()))
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("signing: {e}"))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| format!("signing: {e}"))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("signing: {e}"))?
            .into_parts();
        let mut request = self
            .client
            .post(&url)
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            // Set, not left to the client, so that it is the one signed.
            .header(HOST, settings.host())
            .header("X-Amz-Target", TARGET);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        Ok(request.body(body))
    }

    /// One exchange, bounded by the call timeout, and AWS's request id. Never
    /// retried: a request whose answer was lost may have sent the message,
    /// and a retry would send a second.
    async fn exchange(&self, body: String) -> Result<(Answer, String), String> {
        let exchange = async {
            let response = self
                .signed_request(body)?
                .send()
                .await
                .map_err(outbound::describe)?;
            let status = response.status().as_u16();
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            };
            let error_type = header("x-amzn-errortype");
            let request_id = header("x-amzn-requestid")
                .filter(|id| {
                    id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
                .unwrap_or_default();
            let body = read_body(response).await?;
            Ok((
                Answer::parse(status, error_type.as_deref(), &body)?,
                request_id,
            ))
        };
        tokio::time::timeout(self.settings.call_timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no answer within {} ms",
                    self.settings.call_timeout.as_millis()
                ))
            })
    }
}

#[async_trait::async_trait]
impl SmsSender for AwsSms {
    async fn send_code(&self, phone: &PhoneNumber, code: &SmsCode) -> Result<(), SmsError> {
        let (answer, request_id) = match self.exchange(self.body(phone, code)).await {
            Ok(exchanged) => exchanged,
            Err(reason) => {
                tracing::warn!(%phone, %reason, "AWS SMS: no usable answer");
                return Err(SmsError::Unavailable(reason));
            }
        };
        match answer {
            Answer::Sent { message_id } => {
                tracing::info!(%phone, aws_message_id = %message_id, "SMS code sent");
                Ok(())
            }
            Answer::Refused { error_type, reason } => {
                let error = error_for(&error_type, reason.as_deref());
                tracing::warn!(
                    %phone,
                    aws_error = %error_type,
                    aws_reason = reason.as_deref().unwrap_or(""),
                    aws_request_id = %request_id,
                    %error,
                    "AWS SMS refused the message"
                );
                Err(error)
            }
        }
    }
}

async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, String> {
    outbound::read_bounded(response, MAX_BODY_BYTES)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge => "answer body too large".to_owned(),
            BodyError::Transport(text) => text,
        })
}
