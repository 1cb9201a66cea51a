//! `GET /auth/me` and `DELETE /auth/account`: the caller's account, and its
//! deletion (注销).

use super::avatar::AvatarStatus;
use super::body::{Text, parse_json};
use super::router::Protected;
use super::{ApiError, ApiRequest, ApiResponse, Authenticator};
use crate::domain::rules::account::AccountView;
use crate::domain::{ContentChecks, Identity, Profile, mask_openid};
use crate::tokens::Caller;
use crate::usecases::account::AccountService;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `GET /auth/me`.
pub struct MeRoute {
    pub auth: Authenticator,
    pub service: Arc<AccountService>,
}

/// `DELETE /auth/account`.
pub struct DeleteAccountRoute {
    pub auth: Authenticator,
    pub service: Arc<AccountService>,
}

/// One identity as the owner sees it: masked.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum IdentityAnswer {
    #[serde(rename = "wechat")]
    WeChat { appid: String, openid: String },
    #[serde(rename = "phone")]
    Phone { phone: String },
}

impl From<&Identity> for IdentityAnswer {
    fn from(identity: &Identity) -> Self {
        match identity {
            Identity::WeChat { appid, openid } => Self::WeChat {
                appid: appid.to_string(),
                openid: mask_openid(openid),
            },
            Identity::Phone(phone) => Self::Phone {
                phone: format!("+{} {}", phone.country_code(), phone.masked()),
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MeAnswer<'a> {
    user_id: &'a str,
    identities: Vec<IdentityAnswer>,
    has_union_id: bool,
    has_password: bool,
    profile: &'a Profile,
    /// Always present (`{}` when nothing was checked).
    content_checks: &'a ContentChecks,
    /// The latest uploaded avatar: `pending`, `active` or `refused`.
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<AvatarStatus<'a>>,
    sessions: usize,
    created_at: u64,
}

impl<'a> From<&'a AccountView> for MeAnswer<'a> {
    fn from(view: &'a AccountView) -> Self {
        Self {
            user_id: view.user_id.as_str(),
            identities: view.identities.iter().map(IdentityAnswer::from).collect(),
            has_union_id: view.has_union_id,
            has_password: view.has_password,
            profile: &view.profile,
            content_checks: &view.checks,
            avatar: view.avatar.as_ref().map(AvatarStatus::from),
            sessions: view.sessions,
            created_at: view.created_at,
        }
    }
}

impl Protected for MeRoute {
    type Input = ();

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// A GET has no body; whatever came is ignored.
    fn parse(_request: &ApiRequest) -> Result<(), ApiError> {
        Ok(())
    }

    async fn answer(&self, caller: Caller, (): ()) -> Result<ApiResponse, ApiError> {
        let view = self.service.view(&caller).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &MeAnswer::from(&view),
        ))
    }
}

/// The deletion's body: `{"confirm": "DELETE"}`, so that no stray request
/// deletes an account.
#[derive(Deserialize)]
struct DeleteBody {
    confirm: Text,
}

const CONFIRM: &str = "DELETE";

#[derive(Serialize)]
struct DeleteAnswer {
    deleted: bool,
}

impl Protected for DeleteAccountRoute {
    type Input = ();

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(request: &ApiRequest) -> Result<(), ApiError> {
        let body = &request.body[..];
        let usage = "body must be {\"confirm\": \"DELETE\"}: deleting an account cannot be undone";
        let body: DeleteBody = parse_json(body, usage)?;
        match body.confirm.optional("confirm")? {
            Some(confirm) if confirm == CONFIRM => Ok(()),
            _ => Err(ApiError::bad_request(usage)),
        }
    }

    async fn answer(&self, caller: Caller, (): ()) -> Result<ApiResponse, ApiError> {
        self.service.delete(&caller).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &DeleteAnswer { deleted: true },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppId, OpenId, PhoneNumber, UserId};
    use serde_json::json;

    #[test]
    fn deletion_needs_the_confirmation_exactly() {
        assert_eq!(
            DeleteAccountRoute::parse_body(br#"{"confirm":"DELETE"}"#),
            Ok(())
        );
        for bad in [
            &b""[..],
            b"{}",
            br#"{"confirm":"delete"}"#,
            br#"{"confirm":true}"#,
            br#"{"confirm":"DELETE "}"#,
        ] {
            assert_eq!(
                DeleteAccountRoute::parse_body(bad).unwrap_err().code,
                crate::api::ErrorCode::BadRequest
            );
        }
    }

    #[test]
    fn the_account_shows_identities_masked() {
        let view = AccountView {
            user_id: UserId::parse("u-1").unwrap(),
            identities: vec![
                Identity::wechat(
                    &AppId::parse("wx4f4bc4dec97d474b").unwrap(),
                    &OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").unwrap(),
                ),
                Identity::Phone(PhoneNumber::from_parts("86", "13800138000").unwrap()),
            ],
            has_union_id: false,
            has_password: true,
            profile: Profile::default(),
            checks: ContentChecks::default(),
            avatar: None,
            sessions: 1,
            created_at: 5,
        };
        assert_eq!(
            serde_json::to_value(MeAnswer::from(&view)).unwrap(),
            json!({
                "userId": "u-1",
                "identities": [
                    {"kind": "wechat", "appid": "wx4f4bc4dec97d474b", "openid": "oGZU****VJJE"},
                    {"kind": "phone", "phone": "+86 138****8000"},
                ],
                "hasUnionId": false,
                "hasPassword": true,
                "profile": {},
                "contentChecks": {},
                "sessions": 1,
                "createdAt": 5,
            })
        );
    }
}
