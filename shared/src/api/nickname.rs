//! `PUT /auth/profile/nickname`.

use super::body::{Text, parse_json};
use super::router::Protected;
use super::{ApiError, ApiRequest, ApiResponse, Authenticator, ErrorCode};
use crate::domain::{ContentChecks, NickName, Profile};
use crate::tokens::Caller;
use crate::usecases::nickname::{NicknameResult, NicknameService};
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// The route: who is asking, and the service that answers.
pub struct NicknameRoute {
    pub auth: Authenticator,
    pub service: NicknameService,
}

/// The request: what `<input type="nickname">` gave the mini-program.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NicknameBody {
    nick_name: Text,
}

/// The answer: the stored profile and the checks behind it, as
/// `GET /auth/me` shows them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NicknameAnswer<'a> {
    profile: &'a Profile,
    content_checks: &'a ContentChecks,
}

impl<'a> From<&'a NicknameResult> for NicknameAnswer<'a> {
    fn from(result: &'a NicknameResult) -> Self {
        Self {
            profile: &result.profile,
            content_checks: &result.checks,
        }
    }
}

fn parse(body: &[u8]) -> Result<NickName, ApiError> {
    let body: NicknameBody = parse_json(
        body,
        "body must be a JSON object like {\"nickName\": \"…\"}",
    )?;
    let text = body.nick_name.required("nickName")?;
    NickName::parse(&text).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidNickname,
            format!(
                "{e}: a nickname is 1 to 30 characters (after trimming), without control or invisible characters"
            ),
        )
    })
}

impl Protected for NicknameRoute {
    type Input = NickName;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(request: &ApiRequest) -> Result<NickName, ApiError> {
        parse(&request.body)
    }

    async fn answer(&self, caller: Caller, nick_name: NickName) -> Result<ApiResponse, ApiError> {
        let result = self.service.set(&caller, nick_name).await?;
        Ok(ApiResponse::serialized(
            StatusCode::OK,
            &NicknameAnswer::from(&result),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CheckState, ContentCheck};
    use serde_json::json;

    #[test]
    fn bodies_and_nicknames_are_told_what_is_wrong() {
        let error = |body: &str| parse(body.as_bytes()).unwrap_err();
        let usage = error("nope");
        assert_eq!(usage.code, ErrorCode::BadRequest);
        assert!(usage.message.contains("nickName"), "{}", usage.message);
        assert_eq!(error("{}").message, "field \"nickName\" is required");
        assert_eq!(
            error(r#"{"nickName": 5}"#).message,
            "field \"nickName\" must be a string"
        );
        for bad in [json!(" "), json!("字".repeat(31)), json!("a\u{200B}b")] {
            let e = error(&json!({ "nickName": bad }).to_string());
            assert_eq!(e.code, ErrorCode::InvalidNickname, "{bad}");
            assert!(e.message.contains("1 to 30 characters"), "{}", e.message);
        }
        assert_eq!(
            parse(r#"{"nickName": " 小明 "}"#.as_bytes())
                .unwrap()
                .as_str(),
            "小明"
        );
    }

    #[test]
    fn the_answer_shows_the_profile_and_its_checks() {
        let result = NicknameResult {
            profile: Profile {
                nick_name: Some("小明".into()),
                ..Profile::default()
            },
            checks: ContentChecks {
                nick_name: Some(ContentCheck {
                    state: CheckState::Passed,
                    label: None,
                    at: 5,
                }),
                avatar: None,
            },
        };
        assert_eq!(
            serde_json::to_value(NicknameAnswer::from(&result)).unwrap(),
            json!({
                "profile": {"nickName": "小明"},
                "contentChecks": {"nickName": {"state": "passed", "at": 5}},
            })
        );
    }
}
