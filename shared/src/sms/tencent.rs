//! Tencent Cloud SMS: API 3.0 `SendSms` (version `2021-01-11`), signed with
//! TC3-HMAC-SHA256, for mainland China numbers.

mod answer;

use super::tc3::Tc3Request;
use super::{SmsError, SmsSender};
use crate::clock::Clock;
use crate::config::TencentSettings;
use crate::domain::{PhoneNumber, SmsCode};
use crate::outbound::{self, BodyError};
use answer::Answer;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use std::sync::Arc;

const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
/// The service name in the signature's credential scope.
const SERVICE: &str = "sms";
const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Tencent's answers are a few hundred bytes; anything far larger is not
/// Tencent.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The adapter. Build it once at start-up: it owns the connection pool.
pub struct TencentSms {
    client: reqwest::Client,
    settings: TencentSettings,
    /// `X-TC-Timestamp`, which Tencent refuses more than 5 minutes off.
    clock: Arc<dyn Clock>,
}

impl TencentSms {
    pub fn new(settings: TencentSettings, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let client = outbound::client()?;
        Ok(Self {
            client,
            settings,
            clock,
        })
    }

    /// The JSON body: one number, the code as the template's one parameter.
    fn body(&self, phone: &PhoneNumber, code: &SmsCode) -> String {
        serde_json::json!({
            "PhoneNumberSet": [phone.e164()],
            "SmsSdkAppId": self.settings.sdk_app_id,
            "SignName": self.settings.sign_name,
            "TemplateId": self.settings.template_id,
            "TemplateParamSet": [code.expose()],
        })
        .to_string()
    }

    /// The request, signed over `content-type`, `host` and `x-tc-action` as
    /// the current documentation does.
    fn signed_request(&self, body: String) -> reqwest::RequestBuilder {
        let settings = &self.settings;
        let timestamp = self.clock.now_unix();
        let signed = [
            ("content-type", JSON_CONTENT_TYPE),
            ("host", settings.host()),
            ("x-tc-action", ACTION),
        ];
        let authorization = Tc3Request {
            service: SERVICE,
            timestamp,
            headers: &signed,
            payload: body.as_bytes(),
        }
        .authorization(&settings.secret_id, &settings.secret_key);
        self.client
            .post(format!("{}/", settings.endpoint))
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            // Set, not left to the client, so that it is the one signed.
            .header(HOST, settings.host())
            .header("X-TC-Action", ACTION)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", &settings.region)
            .header(AUTHORIZATION, authorization)
            .body(body)
    }

    /// One exchange, bounded by the call timeout. Never retried: a request
    /// whose answer was lost may have sent the message, and a retry would
    /// send a second.
    async fn exchange(&self, body: String) -> Result<Answer, String> {
        let exchange = async {
            let response = self
                .signed_request(body)
                .send()
                .await
                .map_err(transport_error)?;
            let status = response.status();
            let body = read_body(response).await?;
            // Tencent answers its refusals with 200 and an `Error`.
            if status != reqwest::StatusCode::OK {
                return Err(format!("HTTP {}", status.as_u16()));
            }
            Answer::parse(&body)
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
impl SmsSender for TencentSms {
    async fn send_code(&self, phone: &PhoneNumber, code: &SmsCode) -> Result<(), SmsError> {
        let answer = match self.exchange(self.body(phone, code)).await {
            Ok(answer) => answer,
            Err(reason) => {
                tracing::warn!(%phone, %reason, "Tencent SMS: no usable answer");
                return Err(SmsError::Unavailable(reason));
            }
        };
        let result = answer.result();
        match &result {
            Ok(()) => {
                tracing::info!(%phone, tencent_request_id = %answer.request_id, "SMS code sent")
            }
            Err(error) => tracing::warn!(
                %phone,
                tencent_code = %answer.code,
                tencent_request_id = %answer.request_id,
                %error,
                "Tencent SMS refused the message"
            ),
        }
        result
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

fn transport_error(error: reqwest::Error) -> String {
    outbound::describe(error)
}
