//! A stand-in for Tencent Cloud SMS's `SendSms` (API 3.0, version
//! `2021-01-11`), on 127.0.0.1. It checks every request as Tencent does: the
//! action, version and region headers, the timestamp (5 minutes either way of
//! its clock), the TC3-HMAC-SHA256 signature recomputed with the one key it
//! knows, then the body against the one SMS application, signature (签名) and
//! template it knows. It answers in Tencent's documented shapes, writes down
//! every message it sends, and applies Tencent's default limit of one message
//! per number per 30 s. A test can blacklist a number, make Tencent refuse a
//! number with any per-number code, or make the next requests fail: a
//! request-level error, garbage, an HTTP error, a late answer.

mod answers;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wxauth_shared::clock::Clock;
use wxauth_shared::config::{Secret, TencentSettings};
use wxauth_shared::sms::tc3::{ALGORITHM, Tc3Request};

/// The API key the stand-in knows. Distinctive, so a log capture can look for
/// the secret key.
pub const SECRET_ID: &str = "AKIDstandInSecretId0123456789";
pub const SECRET_KEY: &str = "stand-in-secret-key-3b7e9d1c5a";
/// The SMS application, approved signature and template it knows. The
/// template is a verification-code template with one parameter.
pub const SDK_APP_ID: &str = "1400006666";
pub const SIGN_NAME: &str = "微信登录";
pub const TEMPLATE_ID: &str = "1110";
/// The regions SMS serves.
pub const REGIONS: [&str; 3] = ["ap-guangzhou", "ap-beijing", "ap-nanjing"];
/// How far a request's timestamp may be from the stand-in's clock.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Tencent's default frequency policy: one message per number per 30 s.
pub const PER_NUMBER_INTERVAL_SECS: u64 = 30;

pub const BLACKLISTED: &str = "FailedOperation.PhoneNumberInBlacklist";
pub const THIRTY_SECOND_LIMIT: &str = "LimitExceeded.PhoneNumberThirtySecondLimit";

/// A message the stand-in sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// E.164, as the request gave it.
    pub phone: String,
    /// `TemplateParamSet`: the code.
    pub params: Vec<String>,
    /// The stand-in's clock when it was sent.
    pub at: u64,
}

/// What the next accepted request gets instead of its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `{"Response":{"Error":{"Code":code,...},...}}`, HTTP 200.
    Error(&'static str),
    /// A body that is not Tencent's JSON, HTTP 200.
    Garbage,
    /// An HTTP error with a gateway's HTML page.
    Http(u16),
    /// The message sent at once, its answer after this long: a client
    /// waiting less sees a timeout for a message that went out.
    Late(Duration),
}

#[derive(Default)]
struct Ledger {
    sent: Vec<SentSms>,
    /// Every `Code` answered, request-level or per number, in order.
    answered: Vec<String>,
    /// Numbers Tencent refuses, and with which per-number code.
    refused_numbers: HashMap<String, &'static str>,
    next_failures: VecDeque<Failure>,
    serial: u64,
}

struct Shared {
    clock: Arc<dyn Clock>,
    ledger: Mutex<Ledger>,
}

/// The running stand-in; stops when dropped.
pub struct TencentSmsStandIn {
    address: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TencentSmsStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TencentSmsStandIn {
    /// Serves on 127.0.0.1, judging timestamps and limits by `clock`.
    pub async fn start(clock: Arc<dyn Clock>) -> Self {
        let shared = Arc::new(Shared {
            clock,
            ledger: Mutex::default(),
        });
        let routes = axum::Router::new()
            .fallback(send_sms)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the Tencent SMS stand-in");
        let address = listener.local_addr().expect("stand-in address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });
        Self {
            address,
            shared,
            task,
        }
    }

    /// For `TENCENT_SMS_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Settings that reach the stand-in with the key, application, signature
    /// and template it knows.
    pub fn settings(&self) -> TencentSettings {
        TencentSettings {
            secret_id: SECRET_ID.to_owned(),
            secret_key: Secret::new(SECRET_KEY),
            sdk_app_id: SDK_APP_ID.to_owned(),
            sign_name: SIGN_NAME.to_owned(),
            template_id: TEMPLATE_ID.to_owned(),
            region: REGIONS[0].to_owned(),
            endpoint: self.endpoint(),
            call_timeout: Duration::from_secs(2),
        }
    }

    /// Every message sent, in order.
    pub fn sent(&self) -> Vec<SentSms> {
        self.ledger().sent.clone()
    }

    /// The code in the last message sent to `e164`.
    pub fn last_code_to(&self, e164: &str) -> Option<String> {
        self.ledger()
            .sent
            .iter()
            .rev()
            .find(|sms| sms.phone == e164)
            .and_then(|sms| sms.params.first().cloned())
    }

    /// Every `Code` answered so far (`Ok` included), in order.
    pub fn answered(&self) -> Vec<String> {
        self.ledger().answered.clone()
    }

    /// Tencent refuses `e164` from now on: it is in the do-not-disturb list
    /// (a user who unsubscribed, or the carrier's list).
    pub fn blacklist(&self, e164: &str) {
        self.refuse_number(e164, BLACKLISTED);
    }

    /// Tencent refuses `e164` from now on with `code` in its `SendStatus`
    /// (a limit of the hour or the day, say).
    pub fn refuse_number(&self, e164: &str, code: &'static str) {
        self.ledger().refused_numbers.insert(e164.to_owned(), code);
    }

    /// The next request that passes every check gets `failure` instead of its
    /// answer; several calls queue.
    pub fn fail_next(&self, failure: Failure) {
        self.ledger().next_failures.push_back(failure);
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.shared.ledger.lock().expect("stand-in ledger")
    }
}

/// A request Tencent refuses as a whole, with this code.
type Refusal = &'static str;

async fn send_sms(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    if method != Method::POST || uri.path() != "/" {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let now = shared.clock.now_unix();
    let checked = check_headers(&headers, now)
        .and_then(|()| check_signature(&headers, &body))
        .and_then(|()| read_body(&body));
    let request = match checked {
        Ok(request) => request,
        Err(code) => return refuse(&shared, code, &request_id),
    };
    let next_failure = shared.ledger.lock().unwrap().next_failures.pop_front();
    let delay = match next_failure {
        None => Duration::ZERO,
        Some(Failure::Error(code)) => return refuse(&shared, code, &request_id),
        Some(Failure::Garbage) => return json(r#"{"Response":{"SendStatusSet":[{"Serial"#.into()),
        Some(Failure::Http(status)) => {
            let status = StatusCode::from_u16(status).expect("an HTTP status");
            let page = format!("<html><body><h1>{status}</h1></body></html>");
            return (status, [(header::CONTENT_TYPE, "text/html")], page).into_response();
        }
        Some(Failure::Late(delay)) => delay,
    };
    // Sent first, answered later: a late answer is for a message that went.
    let answer = send(&shared, &request, now, &request_id);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    json(answer)
}

fn refuse(shared: &Shared, code: &str, request_id: &str) -> Response {
    let mut ledger = shared.ledger.lock().unwrap();
    ledger.answered.push(code.to_owned());
    json(answers::request_error(code, request_id))
}

/// Tencent answers its refusals with HTTP 200 too.
fn json(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The public parameters: action, version, region, timestamp.
fn check_headers(headers: &HeaderMap, now: u64) -> Result<(), Refusal> {
    let text = |name| header_text(headers, name).ok_or("MissingParameter");
    if text("x-tc-action")? != "SendSms" {
        return Err("InvalidAction");
    }
    if text("x-tc-version")? != "2021-01-11" {
        return Err("NoSuchVersion");
    }
    if !REGIONS.contains(&text("x-tc-region")?) {
        return Err("UnsupportedRegion");
    }
    let timestamp: u64 = text("x-tc-timestamp")?
        .parse()
        .map_err(|_| "InvalidParameter")?;
    if timestamp.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
        return Err("AuthFailure.SignatureExpire");
    }
    if header_text(headers, "content-type") != Some("application/json; charset=utf-8") {
        return Err("InvalidParameter");
    }
    Ok(())
}

/// `TC3-HMAC-SHA256 Credential=<id>/<date>/sms/tc3_request,
/// SignedHeaders=<names>, Signature=<hex>`, recomputed over the headers as
/// they arrived and the body.
fn check_signature(headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
    const INVALID: Refusal = "AuthFailure.InvalidAuthorization";
    let authorization = header_text(headers, "authorization").ok_or(INVALID)?;
    let fields = authorization
        .strip_prefix(ALGORITHM)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or(INVALID)?;
    let mut fields = fields.split(',').map(str::trim);
    let mut field = |name: &str| {
        fields
            .next()
            .and_then(|f| f.strip_prefix(name))
            .and_then(|f| f.strip_prefix('='))
            .ok_or(INVALID)
    };
    let credential = field("Credential")?;
    let signed_headers = field("SignedHeaders")?;
    let signature = field("Signature")?;
    let (secret_id, scope) = credential.split_once('/').ok_or(INVALID)?;
    if secret_id != SECRET_ID {
        return Err("AuthFailure.SecretIdNotFound");
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"content-type") || !names.contains(&"host") {
        return Err(INVALID);
    }
    let mut signed = Vec::new();
    for name in names {
        let value = header_text(headers, name).ok_or("AuthFailure.SignatureFailure")?;
        signed.push((name, value));
    }
    let timestamp = header_text(headers, "x-tc-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or("InvalidParameter")?;
    let request = Tc3Request {
        service: "sms",
        timestamp,
        headers: &signed,
        payload: body,
    };
    // The scope's date must be the timestamp's UTC day, its service `sms`.
    if scope != request.credential_scope()
        || signature != request.signature(&Secret::new(SECRET_KEY))
    {
        return Err("AuthFailure.SignatureFailure");
    }
    Ok(())
}

/// What the stand-in reads of a `SendSms` body.
struct SendRequest {
    phones: Vec<String>,
    params: Vec<String>,
    session_context: String,
}

fn read_body(body: &[u8]) -> Result<SendRequest, Refusal> {
    let body: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "FailedOperation.FailResolvePacket")?;
    let text = |name| body[name].as_str().ok_or("MissingParameter");
    let list = |name| -> Result<Vec<String>, Refusal> {
        match &body[name] {
            serde_json::Value::Null => Ok(Vec::new()),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or("InvalidParameter"))
                .collect(),
            _ => Err("InvalidParameter"),
        }
    };
    if text("SmsSdkAppId")? != SDK_APP_ID {
        return Err("UnauthorizedOperation.SmsSdkAppIdVerifyFail");
    }
    if text("TemplateId")? != TEMPLATE_ID {
        return Err("FailedOperation.TemplateIncorrectOrUnapproved");
    }
    // Required for mainland numbers, and the only ones this stand-in serves.
    if body["SignName"].as_str() != Some(SIGN_NAME) {
        return Err("FailedOperation.SignatureIncorrectOrUnapproved");
    }
    let phones = list("PhoneNumberSet")?;
    if phones.is_empty() {
        return Err("MissingParameter.EmptyPhoneNumberSet");
    }
    if phones.len() > 200 {
        return Err("LimitExceeded.PhoneNumberCountLimit");
    }
    // A verification-code template: one parameter, 0 to 6 digits.
    let params = list("TemplateParamSet")?;
    let code_like = |p: &String| p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit());
    if params.len() != 1 || !params.iter().all(code_like) {
        return Err("FailedOperation.TemplateParamSetNotMatchApprovedTemplate");
    }
    Ok(SendRequest {
        phones,
        params,
        session_context: body["SessionContext"].as_str().unwrap_or("").to_owned(),
    })
}

/// Each number's outcome; the ones sent are written down.
fn send(shared: &Shared, request: &SendRequest, now: u64, request_id: &str) -> String {
    let mut ledger = shared.ledger.lock().unwrap();
    let mut statuses = Vec::new();
    for phone in &request.phones {
        let recent = ledger.sent.iter().any(|sms| {
            sms.phone == *phone && now.saturating_sub(sms.at) < PER_NUMBER_INTERVAL_SECS
        });
        let code = if !is_e164(phone) {
            "InvalidParameterValue.IncorrectPhoneNumber"
        } else if let Some(code) = ledger.refused_numbers.get(phone) {
            *code
        } else if recent {
            THIRTY_SECOND_LIMIT
        } else {
            "Ok"
        };
        let serial_no = if code == "Ok" {
            ledger.serial += 1;
            ledger.sent.push(SentSms {
                phone: phone.clone(),
                params: request.params.clone(),
                at: now,
            });
            format!("2645:{:020}", 104_571_066_915_705_365 + ledger.serial)
        } else {
            String::new()
        };
        ledger.answered.push(code.to_owned());
        statuses.push(answers::SendStatus {
            fee: u32::from(code == "Ok"),
            serial_no,
            phone_number: phone.clone(),
            session_context: request.session_context.clone(),
            code: code.to_owned(),
            iso_code: iso_code(phone).to_owned(),
        });
    }
    answers::send_status_set(&statuses, request_id)
}

fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

fn iso_code(phone: &str) -> &'static str {
    match phone {
        p if p.starts_with("+86") => "CN",
        p if p.starts_with("+852") => "HK",
        p if p.starts_with("+853") => "MO",
        p if p.starts_with("+886") => "TW",
        // Tencent's answer for a country or region it does not recognise.
        _ => "DEF",
    }
}
