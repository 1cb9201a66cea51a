//! `POST /auth/login`.

use super::{ApiError, ApiRequest, ApiResponse};
use crate::domain::AppId;
use crate::usecases::login::LoginService;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

/// WeChat codes are 32 characters; anything much longer is not a code.
const MAX_CODE_LEN: usize = 256;

#[derive(Deserialize)]
struct LoginBody {
    code: Option<serde_json::Value>,
    appid: Option<serde_json::Value>,
}

struct LoginInput {
    code: String,
    appid: Option<AppId>,
}

fn parse(body: &[u8]) -> Result<LoginInput, ApiError> {
    let body: LoginBody = serde_json::from_slice(body).map_err(|_| {
        ApiError::bad_request("body must be a JSON object like {\"code\": \"<wx.login code>\"}")
    })?;
    let code = match body.code {
        Some(serde_json::Value::String(code)) => code,
        Some(_) => return Err(ApiError::bad_request("field \"code\" must be a string")),
        None => return Err(ApiError::bad_request("field \"code\" is required")),
    };
    if code.is_empty() || code.len() > MAX_CODE_LEN || !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "field \"code\" must be the non-empty code from wx.login",
        ));
    }
    let appid = match body.appid {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(appid)) => Some(
            AppId::parse(appid)
                .map_err(|_| ApiError::bad_request("field \"appid\" is not an appid"))?,
        ),
        Some(_) => return Err(ApiError::bad_request("field \"appid\" must be a string")),
    };
    Ok(LoginInput { code, appid })
}

pub(super) async fn handle(
    service: &LoginService,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let input = parse(&request.body)?;
    let result = service.login(&input.code, input.appid.as_ref()).await?;
    let body = json!({
        "token": result.token.token,
        "tokenType": "Bearer",
        "expiresIn": result.token.expires_in,
        "userId": result.subject.user_id.as_str(),
        "isNewUser": result.is_new_user,
        "hasUnionId": result.has_union_id,
        "hasPhone": result.has_phone,
    });
    Ok(ApiResponse::json(StatusCode::OK, body.to_string()))
}
