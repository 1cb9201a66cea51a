//! `GET /wechat/push` (WeChat's server verification) and `POST /wechat/push`
//! (events, safe mode, JSON): the URL to enter in the mini-program admin
//! (开发 → 开发管理 → 消息推送).

use super::body::{Text, parse_json};
use super::{ApiError, ApiRequest, ApiResponse};
use crate::usecases::push::PushService;
use http::StatusCode;
use serde::Deserialize;

pub struct PushRoute {
    pub service: PushService,
}

fn required(request: &ApiRequest, name: &str) -> Result<String, ApiError> {
    request
        .query_param(name)
        .ok_or_else(|| ApiError::bad_request(format!("query parameter {name:?} is required")))
}

/// Answers `echostr` when the signature is ours.
pub(super) fn verify(route: &PushRoute, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let signature = required(request, "signature")?;
    let timestamp = required(request, "timestamp")?;
    let nonce = required(request, "nonce")?;
    let echostr = required(request, "echostr")?;
    route.service.verify(&signature, &timestamp, &nonce)?;
    Ok(ApiResponse::text(StatusCode::OK, echostr))
}

/// The body of a push in safe mode: `{"ToUserName", "Encrypt"}`.
#[derive(Deserialize)]
struct EncryptedBody {
    #[serde(rename = "Encrypt")]
    encrypt: Text,
}

/// Takes one event; answers `success` (anything else makes WeChat retry).
pub(super) async fn event(
    route: &PushRoute,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    if request.query_param("encrypt_type").as_deref() != Some("aes") {
        return Err(ApiError::bad_request(
            "only safe mode (安全模式) pushes are taken: set the message push's mode to safe mode, format JSON",
        ));
    }
    let msg_signature = required(request, "msg_signature")?;
    let timestamp = required(request, "timestamp")?;
    let nonce = required(request, "nonce")?;
    let body: EncryptedBody = parse_json(
        &request.body,
        "body must be WeChat's JSON push {\"ToUserName\", \"Encrypt\"} (format JSON, not XML)",
    )?;
    let encrypt = body.encrypt.required("Encrypt")?;
    route
        .service
        .receive(&msg_signature, &timestamp, &nonce, &encrypt)
        .await?;
    Ok(ApiResponse::text(StatusCode::OK, "success"))
}
