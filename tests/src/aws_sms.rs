//! A stand-in for AWS End User Messaging SMS's `SendTextMessage` (API
//! `pinpoint-sms-voice-v2`, awsJson1_0), on 127.0.0.1. It checks every
//! request as AWS does: the SigV4 signature, recomputed from the raw request
//! by its own verifier ([`sigv4`], which shares no code with the adapter's
//! signer), with the keys it knows, its scope (region `ap-southeast-1`,
//! service `sms-voice`) and `X-Amz-Date` (5 minutes either way of its clock);
//! a role's session token; the operation (`X-Amz-Target`) and content type;
//! then the body's shape, the origination identity and configuration set it
//! knows. It answers in AWS's shapes, writes down every message it sends, and
//! can refuse a number (opted out, or any error), keep the account in the SMS
//! sandbox, or make the next requests fail: any error, garbage, an HTTP
//! error page, a late answer.

mod answers;
pub mod sigv4;

pub use answers::Refusal;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sigv4::Problem;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wxauth_shared::clock::Clock;
use wxauth_shared::config::{AwsCredentials, AwsSmsSettings, DEFAULT_AWS_SMS_MESSAGE, Secret};

/// An access key of the stand-in's account, as `AWS_SMS_ACCESS_KEY_ID` and
/// `AWS_SMS_SECRET_ACCESS_KEY` give it. Distinctive, so a log capture can
/// look for the secret.
pub const ACCESS_KEY_ID: &str = "AKIASTANDINSMSKEY001";
pub const SECRET_ACCESS_KEY: &str = "stand-in-sms-secret-4f8a2c7e1b";
/// A role's temporary credentials, as Lambda gives a function: they are
/// valid only with their session token.
pub const ROLE_ACCESS_KEY_ID: &str = "ASIASTANDINROLEKEY01";
pub const ROLE_SECRET_ACCESS_KEY: &str = "stand-in-role-secret-9d3b6e2a0c";
pub const ROLE_SESSION_TOKEN: &str = "stand-in-role-session-token-5e1f";
/// The region it serves, and the service name it signs for.
pub const REGION: &str = "ap-southeast-1";
pub const SERVICE: &str = "sms-voice";
pub const TARGET: &str = "PinpointSMSVoiceV2.SendTextMessage";
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// The account's one phone number and configuration set.
pub const ORIGINATION_IDENTITY: &str = "+12065550100";
pub const CONFIGURATION_SET: &str = "wxauth-otp";

// The documented errors a test makes it answer.
pub const OPTED_OUT: Refusal = Refusal::new(
    400,
    "ConflictException",
    Some("DESTINATION_PHONE_NUMBER_OPTED_OUT"),
);
/// An account in the SMS sandbox sends only to its verified numbers.
pub const NOT_VERIFIED: Refusal = Refusal::new(
    400,
    "ConflictException",
    Some("DESTINATION_PHONE_NUMBER_NOT_VERIFIED"),
);
pub const CANNOT_PARSE: Refusal = Refusal::new(400, "ValidationException", Some("CANNOT_PARSE"));
pub const COUNTRY_CODE_MISMATCH: Refusal =
    Refusal::new(400, "ValidationException", Some("COUNTRY_CODE_MISMATCH"));
pub const COUNTRY_BLOCKED: Refusal = Refusal::new(
    400,
    "ValidationException",
    Some("DESTINATION_COUNTRY_BLOCKED"),
);
pub const ACCESS_DENIED: Refusal = Refusal::new(400, "AccessDeniedException", None);
pub const NOT_FOUND: Refusal = Refusal::new(400, "ResourceNotFoundException", None);
pub const SPEND_LIMIT: Refusal = Refusal::new(
    400,
    "ServiceQuotaExceededException",
    Some("MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"),
);
/// The account's messages per second, not the number's.
pub const THROTTLED: Refusal = Refusal::new(400, "ThrottlingException", None);
pub const INTERNAL: Refusal = Refusal::new(500, "InternalServerException", None);
// The front end's, before the service reads the request.
const INCOMPLETE_SIGNATURE: Refusal = Refusal::new(400, "IncompleteSignatureException", None);
const INVALID_SIGNATURE: Refusal = Refusal::new(403, "InvalidSignatureException", None);
const UNRECOGNIZED_CLIENT: Refusal = Refusal::new(400, "UnrecognizedClientException", None);
const UNKNOWN_OPERATION: Refusal = Refusal::new(400, "UnknownOperationException", None);
const SERIALIZATION: Refusal = Refusal::new(400, "SerializationException", None);
const MISSING_PARAMETER: Refusal =
    Refusal::new(400, "ValidationException", Some("MISSING_PARAMETER"));

/// A message the stand-in sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// `DestinationPhoneNumber`, E.164.
    pub phone: String,
    /// `MessageBody`.
    pub text: String,
    pub message_type: Option<String>,
    pub origination_identity: Option<String>,
    pub configuration_set: Option<String>,
    /// Whose key signed it.
    pub access_key_id: String,
    /// The headers the signature covered, as `SignedHeaders` lists them.
    pub signed_headers: Vec<String>,
    pub message_id: String,
    /// The stand-in's clock when it was sent.
    pub at: u64,
}

impl SentSms {
    /// The six digits in the text.
    pub fn code(&self) -> Option<String> {
        self.text
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .map(str::to_owned)
    }
}

/// What the next accepted request gets instead of its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// One of AWS's errors.
    Error(Refusal),
    /// HTTP 200 with a body that is not AWS's JSON.
    Garbage,
    /// An HTTP error with a load balancer's HTML page, no error type.
    Http(u16),
    /// The message sent at once, its answer after this long: a client
    /// waiting less sees a timeout for a message that went out.
    Late(Duration),
}

#[derive(Default)]
struct Ledger {
    sent: Vec<SentSms>,
    /// Every answer's error type, or `MessageId` for a message sent, in order.
    answered: Vec<String>,
    /// Every signature refused, and why.
    signature_problems: Vec<Problem>,
    refused_numbers: HashMap<String, Refusal>,
    /// In the sandbox: the verified numbers, the only ones it sends to.
    sandbox: Option<HashSet<String>>,
    next_failures: VecDeque<Failure>,
}

struct Shared {
    clock: Arc<dyn Clock>,
    ledger: Mutex<Ledger>,
}

/// The running stand-in; stops when dropped.
pub struct AwsSmsStandIn {
    address: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AwsSmsStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl AwsSmsStandIn {
    /// Serves on 127.0.0.1, judging `X-Amz-Date` by `clock`.
    pub async fn start(clock: Arc<dyn Clock>) -> Self {
        let shared = Arc::new(Shared {
            clock,
            ledger: Mutex::default(),
        });
        let routes = axum::Router::new()
            .fallback(send_text_message)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the AWS SMS stand-in");
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

    /// For `AWS_SMS_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The variables that reach the stand-in with its account's key, as a
    /// function's environment gives them.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_SMS_REGION", REGION.to_owned()),
            ("AWS_SMS_ENDPOINT", self.endpoint()),
            ("AWS_SMS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_owned()),
            ("AWS_SMS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_owned()),
        ]
    }

    /// Settings that reach the stand-in with its account's key, and neither
    /// origination identity nor configuration set.
    pub fn settings(&self) -> AwsSmsSettings {
        AwsSmsSettings {
            region: REGION.to_owned(),
            endpoint: self.endpoint(),
            origination_identity: None,
            configuration_set: None,
            message: DEFAULT_AWS_SMS_MESSAGE.to_owned(),
            call_timeout: Duration::from_secs(2),
            credentials: AwsCredentials {
                access_key_id: ACCESS_KEY_ID.to_owned(),
                secret_access_key: Secret::new(SECRET_ACCESS_KEY),
                session_token: None,
            },
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
            .and_then(SentSms::code)
    }

    /// Every answer's error type, `MessageId` for a message sent, in order.
    pub fn answered(&self) -> Vec<String> {
        self.ledger().answered.clone()
    }

    /// Every signature refused, and why, in order.
    pub fn signature_problems(&self) -> Vec<Problem> {
        self.ledger().signature_problems.clone()
    }

    /// `e164` answered STOP: AWS refuses it from now on.
    pub fn opt_out(&self, e164: &str) {
        self.refuse_number(e164, OPTED_OUT);
    }

    /// AWS refuses `e164` from now on with `refusal`.
    pub fn refuse_number(&self, e164: &str, refusal: Refusal) {
        self.ledger()
            .refused_numbers
            .insert(e164.to_owned(), refusal);
    }

    /// The account is in the SMS sandbox: it sends only to `verified`.
    pub fn sandbox(&self, verified: &[&str]) {
        self.ledger().sandbox = Some(verified.iter().map(|n| (*n).to_owned()).collect());
    }

    /// The next request that passes every check gets `failure` instead of
    /// its answer; several calls queue.
    pub fn fail_next(&self, failure: Failure) {
        self.ledger().next_failures.push_back(failure);
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.shared.ledger.lock().expect("stand-in ledger")
    }
}

/// The secret key of an access key the stand-in knows, and the session token
/// it must come with.
fn key(access_key_id: &str) -> Option<(&'static str, Option<&'static str>)> {
    match access_key_id {
        ACCESS_KEY_ID => Some((SECRET_ACCESS_KEY, None)),
        ROLE_ACCESS_KEY_ID => Some((ROLE_SECRET_ACCESS_KEY, Some(ROLE_SESSION_TOKEN))),
        _ => None,
    }
}

async fn send_text_message(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST || uri.path() != "/" {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let now = shared.clock.now_unix();
    let request = sigv4::Request {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    let checked = check_signature(&shared, &request, now)
        .and_then(|signed| check_operation(&headers).map(|()| signed))
        .and_then(|signed| read_body(&body).map(|message| (signed, message)));
    let (signed, message) = match checked {
        Ok(checked) => checked,
        Err(refusal) => return refuse(&shared, refusal, None),
    };
    let next_failure = shared.ledger.lock().unwrap().next_failures.pop_front();
    let delay = match next_failure {
        None => Duration::ZERO,
        Some(Failure::Error(refusal)) => return refuse(&shared, refusal, Some(&message.phone)),
        Some(Failure::Garbage) => return json(StatusCode::OK, r#"{"MessageId":"#.into(), None),
        Some(Failure::Http(status)) => {
            let status = StatusCode::from_u16(status).expect("an HTTP status");
            let page = format!("<html><body><h1>{status}</h1></body></html>");
            return (status, [(header::CONTENT_TYPE, "text/html")], page).into_response();
        }
        Some(Failure::Late(delay)) => delay,
    };
    // Sent first, answered later: a late answer is for a message that went.
    let answer = send(&shared, message, signed, now);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer
}

/// The signature, and the session token a role's key needs: the key's id
/// and the signed headers.
fn check_signature(
    shared: &Shared,
    request: &sigv4::Request,
    now: u64,
) -> Result<sigv4::Authorization, Refusal> {
    let verified = sigv4::verify(request, REGION, SERVICE, now, |id| {
        key(id).map(|(secret, _)| secret.to_owned())
    });
    let authorization = verified.map_err(|problem| {
        let refusal = match problem {
            Problem::Incomplete(_) => INCOMPLETE_SIGNATURE,
            Problem::UnknownKey => UNRECOGNIZED_CLIENT,
            Problem::WrongScope | Problem::Expired | Problem::Mismatch => INVALID_SIGNATURE,
        };
        shared
            .ledger
            .lock()
            .unwrap()
            .signature_problems
            .push(problem);
        refusal
    })?;
    let token = request
        .headers
        .get("x-amz-security-token")
        .and_then(|value| value.to_str().ok());
    let token_signed = authorization
        .signed_headers
        .iter()
        .any(|name| name == "x-amz-security-token");
    let (_, expected) = key(&authorization.access_key_id).expect("a known key");
    let token_right = match expected {
        Some(expected) => token == Some(expected) && token_signed,
        None => token.is_none(),
    };
    if !token_right {
        return Err(UNRECOGNIZED_CLIENT);
    }
    Ok(authorization)
}

/// awsJson1_0 names the operation in `X-Amz-Target`.
fn check_operation(headers: &HeaderMap) -> Result<(), Refusal> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if text("x-amz-target") != Some(TARGET) || text("content-type") != Some(CONTENT_TYPE) {
        return Err(UNKNOWN_OPERATION);
    }
    Ok(())
}

/// What the stand-in reads of a `SendTextMessage` body.
struct Message {
    phone: String,
    text: String,
    message_type: Option<String>,
    origination_identity: Option<String>,
    configuration_set: Option<String>,
}

/// The members it knows, of the right types; the destination in E.164, a
/// body of 1 to 1600 characters, a known message type, identity and set.
fn read_body(body: &[u8]) -> Result<Message, Refusal> {
    const MEMBERS: [&str; 5] = [
        "DestinationPhoneNumber",
        "MessageBody",
        "MessageType",
        "OriginationIdentity",
        "ConfigurationSetName",
    ];
    let body: serde_json::Value = serde_json::from_slice(body).map_err(|_| SERIALIZATION)?;
    let members = body.as_object().ok_or(SERIALIZATION)?;
    if members.keys().any(|name| !MEMBERS.contains(&name.as_str())) {
        return Err(SERIALIZATION);
    }
    let text = |name: &str| -> Result<Option<String>, Refusal> {
        match members.get(name) {
            None => Ok(None),
            Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(SERIALIZATION),
        }
    };
    let phone = text("DestinationPhoneNumber")?.ok_or(MISSING_PARAMETER)?;
    let message = text("MessageBody")?.ok_or(MISSING_PARAMETER)?;
    if !is_e164(&phone) {
        return Err(CANNOT_PARSE);
    }
    if message.is_empty() || message.chars().count() > 1_600 {
        return Err(Refusal::new(
            400,
            "ValidationException",
            Some("FIELD_VALIDATION_FAILED"),
        ));
    }
    let message_type = text("MessageType")?;
    if let Some(kind) = &message_type
        && !["TRANSACTIONAL", "PROMOTIONAL"].contains(&kind.as_str())
    {
        return Err(SERIALIZATION);
    }
    let origination_identity = text("OriginationIdentity")?;
    let configuration_set = text("ConfigurationSetName")?;
    if origination_identity
        .as_deref()
        .is_some_and(|identity| identity != ORIGINATION_IDENTITY)
        || configuration_set
            .as_deref()
            .is_some_and(|set| set != CONFIGURATION_SET)
    {
        return Err(NOT_FOUND);
    }
    Ok(Message {
        phone,
        text: message,
        message_type,
        origination_identity,
        configuration_set,
    })
}

/// The number's refusal, the sandbox's, or the message sent.
fn send(shared: &Shared, message: Message, signed: sigv4::Authorization, now: u64) -> Response {
    let refusal = {
        let ledger = shared.ledger.lock().unwrap();
        ledger
            .refused_numbers
            .get(&message.phone)
            .copied()
            .or_else(|| {
                let verified = ledger.sandbox.as_ref()?;
                (!verified.contains(&message.phone)).then_some(NOT_VERIFIED)
            })
    };
    if let Some(refusal) = refusal {
        return refuse(shared, refusal, Some(&message.phone));
    }
    let message_id = uuid::Uuid::new_v4().to_string();
    let mut ledger = shared.ledger.lock().unwrap();
    ledger.answered.push("MessageId".to_owned());
    ledger.sent.push(SentSms {
        phone: message.phone,
        text: message.text,
        message_type: message.message_type,
        origination_identity: message.origination_identity,
        configuration_set: message.configuration_set,
        access_key_id: signed.access_key_id,
        signed_headers: signed.signed_headers,
        message_id: message_id.clone(),
        at: now,
    });
    json(StatusCode::OK, answers::accepted(&message_id), None)
}

fn refuse(shared: &Shared, refusal: Refusal, e164: Option<&str>) -> Response {
    shared
        .ledger
        .lock()
        .unwrap()
        .answered
        .push(refusal.error_type.to_owned());
    let status = StatusCode::from_u16(refusal.status).expect("an HTTP status");
    json(status, refusal.body(e164), Some(&refusal))
}

/// An answer with AWS's request id, and the error type's header for an error.
fn json(status: StatusCode, body: String, refusal: Option<&Refusal>) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response();
    let headers = response.headers_mut();
    let request_id = uuid::Uuid::new_v4().to_string();
    headers.insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&request_id).expect("a header value"),
    );
    if let Some(refusal) = refusal {
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_str(&refusal.header()).expect("a header value"),
        );
    }
    response
}

fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}
