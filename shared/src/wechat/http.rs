//! The WeChat API over HTTPS (or over HTTP to the simulator).

use super::call::CallPolicy;
use super::content::{parse_media_check_async, parse_msg_sec_check};
use super::phone::{parse_phone_answer, parse_stable_token};
use super::session::{parse_check_session, parse_reset_session_key};
use super::{
    AccessTokenCache, AppCredentials, Code2Session, MsgSecCheck, PhoneInfo, Scene, WeChatApi,
    WeChatError,
};
use crate::config::WeChatSettings;
use crate::crypto::login_state_signature;
use crate::domain::{OpenId, SessionKey};
use crate::outbound::{self, BodyError};
use std::future::Future;
use std::sync::Arc;

/// WeChat's answers are a few hundred bytes; anything far larger is not WeChat.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The production adapter. Build it once at start-up: it owns the connection pool.
#[derive(Clone)]
pub struct HttpWeChat {
    client: reqwest::Client,
    api_base: String,
    policy: CallPolicy,
    access_tokens: Arc<AccessTokenCache>,
}

impl HttpWeChat {
    pub fn new(settings: &WeChatSettings) -> Result<Self, String> {
        let client = outbound::client()?;
        Ok(Self {
            client,
            api_base: settings.api_base.clone(),
            policy: CallPolicy::new(settings.call_timeout),
            access_tokens: Arc::default(),
        })
    }

    /// Replaces the retry and time policy (tests shorten the backoff).
    pub fn with_policy(mut self, policy: CallPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// POSTs a JSON body, with an optional access token in the query.
    async fn post_json(
        &self,
        path: &str,
        access_token: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>, WeChatError> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.api_base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(token) = access_token {
            request = request.query(&[("access_token", token)]);
        }
        let response = request.send().await.map_err(transport_error)?;
        Self::read_body(response).await
    }

    /// `stable_token` in normal mode (never `force_refresh`).
    async fn fetch_access_token(
        &self,
        app: &AppCredentials,
    ) -> Result<super::AccessToken, WeChatError> {
        let body = serde_json::json!({
            "grant_type": "client_credential",
            "appid": app.appid.as_str(),
            "secret": app.secret.expose(),
        });
        self.policy
            .run(|| async {
                parse_stable_token(&self.post_json("/cgi-bin/stable_token", None, &body).await?)
            })
            .await
    }

    async fn access_token(&self, app: &AppCredentials) -> Result<String, WeChatError> {
        self.access_tokens
            .get(&app.appid, || self.fetch_access_token(app))
            .await
    }

    async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, WeChatError> {
        outbound::read_bounded(response, MAX_BODY_BYTES)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge => WeChatError::Malformed("answer body too large".into()),
                BodyError::Transport(text) => WeChatError::Unreachable(text),
            })
    }
}

/// A transport failure, told without the URL (our URLs carry the app secret).
fn transport_error(error: reqwest::Error) -> WeChatError {
    WeChatError::Unreachable(outbound::describe(error))
}

#[async_trait::async_trait]
impl WeChatApi for HttpWeChat {
    async fn phone_number(
        &self,
        app: &AppCredentials,
        code: &str,
        openid: Option<&OpenId>,
    ) -> Result<PhoneInfo, WeChatError> {
        self.with_access_token(app, |token| async move {
            self.phone_number_with(&token, code, openid).await
        })
        .await
    }

    async fn msg_sec_check(
        &self,
        app: &AppCredentials,
        openid: &OpenId,
        text: &str,
        scene: Scene,
    ) -> Result<MsgSecCheck, WeChatError> {
        let body = serde_json::json!({
            "content": text,
            "version": 2,
            "scene": scene.number(),
            "openid": openid.as_str(),
        });
        self.token_call(app, "/wxa/msg_sec_check", &body, parse_msg_sec_check)
            .await
    }

    async fn media_check_async(
        &self,
        app: &AppCredentials,
        openid: &OpenId,
        media_url: &str,
        scene: Scene,
    ) -> Result<String, WeChatError> {
        let body = serde_json::json!({
            "media_url": media_url,
            "media_type": 2,
            "version": 2,
            "scene": scene.number(),
            "openid": openid.as_str(),
        });
        self.token_call(
            app,
            "/wxa/media_check_async",
            &body,
            parse_media_check_async,
        )
        .await
    }

    async fn check_session(
        &self,
        app: &AppCredentials,
        openid: &OpenId,
        session_key: &SessionKey,
    ) -> Result<bool, WeChatError> {
        self.signed_call(
            app,
            "/wxa/checksession",
            openid,
            session_key,
            parse_check_session,
        )
        .await
    }

    async fn reset_session_key(
        &self,
        app: &AppCredentials,
        openid: &OpenId,
        session_key: &SessionKey,
    ) -> Result<SessionKey, WeChatError> {
        self.signed_call(
            app,
            "/wxa/resetusersessionkey",
            openid,
            session_key,
            parse_reset_session_key,
        )
        .await
    }

    async fn code2session(
        &self,
        app: &AppCredentials,
        code: &str,
    ) -> Result<Code2Session, WeChatError> {
        let url = format!("{}/sns/jscode2session", self.api_base);
        self.policy
            .run(|| async {
                let response = self
                    .client
                    .get(&url)
                    .query(&[
                        ("appid", app.appid.as_str()),
                        ("secret", app.secret.expose()),
                        ("js_code", code),
                        ("grant_type", "authorization_code"),
                    ])
                    .send()
                    .await
                    .map_err(transport_error)?;
                let status = response.status();
                let body = Self::read_body(response).await?;
                Code2Session::parse(&body).map_err(|e| match e {
                    WeChatError::Malformed(m) if !status.is_success() => {
                        WeChatError::Malformed(format!("HTTP {status}: {m}"))
                    }
                    other => other,
                })
            })
            .await
    }
}

impl HttpWeChat {
    /// Runs `call` with the app's access token; when WeChat refuses the token
    /// (40001/42001: another process used force_refresh, or the token aged
    /// out early), fetches it once more and retries once.
    async fn with_access_token<T, F, Fut>(
        &self,
        app: &AppCredentials,
        call: F,
    ) -> Result<T, WeChatError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, WeChatError>>,
    {
        let token = self.access_token(app).await?;
        match call(token.clone()).await {
            Err(WeChatError::AccessTokenRejected { errcode }) => {
                tracing::warn!(errcode, appid = %app.appid, "access token refused; refetching once");
                self.access_tokens.invalidate(&app.appid, &token).await;
                let token = self.access_token(app).await?;
                call(token).await
            }
            other => other,
        }
    }

    /// GETs `path` with the access token, `openid` and a login-state
    /// `signature` in the query. The URL is never logged: the signature is
    /// derived from the session key (transport errors drop it, see
    /// [`transport_error`]).
    /// A GET signed with the user's login state (`checksession`,
    /// `resetusersessionkey`): the access token, WeChat's retries, one parse.
    /// A JSON `POST` to `path` with the app's access token, under the retry
    /// policy, refetching a refused token once (`msg_sec_check`,
    /// `media_check_async`).
    async fn token_call<T>(
        &self,
        app: &AppCredentials,
        path: &str,
        body: &serde_json::Value,
        parse: fn(&[u8]) -> Result<T, WeChatError>,
    ) -> Result<T, WeChatError> {
        self.with_access_token(app, |token| async move {
            self.policy
                .run(|| async { parse(&self.post_json(path, Some(&token), body).await?) })
                .await
        })
        .await
    }

    async fn signed_call<T>(
        &self,
        app: &AppCredentials,
        path: &str,
        openid: &OpenId,
        session_key: &SessionKey,
        parse: fn(&[u8]) -> Result<T, WeChatError>,
    ) -> Result<T, WeChatError> {
        let signature = login_state_signature(session_key, "");
        self.with_access_token(app, |token| {
            let signature = &signature;
            async move {
                self.policy
                    .run(|| async {
                        parse(&self.get_signed(path, &token, openid, signature).await?)
                    })
                    .await
            }
        })
        .await
    }

    async fn get_signed(
        &self,
        path: &str,
        token: &str,
        openid: &OpenId,
        signature: &str,
    ) -> Result<Vec<u8>, WeChatError> {
        let response = self
            .client
            .get(format!("{}{path}", self.api_base))
            .query(&[
                ("access_token", token),
                ("openid", openid.as_str()),
                ("signature", signature),
                ("sig_method", "hmac_sha256"),
            ])
            .send()
            .await
            .map_err(transport_error)?;
        Self::read_body(response).await
    }

    async fn phone_number_with(
        &self,
        token: &str,
        code: &str,
        openid: Option<&OpenId>,
    ) -> Result<PhoneInfo, WeChatError> {
        let body = match openid {
            Some(openid) => serde_json::json!({ "code": code, "openid": openid.as_str() }),
            None => serde_json::json!({ "code": code }),
        };
        self.policy
            .run(|| async {
                parse_phone_answer(
                    &self
                        .post_json("/wxa/business/getuserphonenumber", Some(token), &body)
                        .await?,
                )
            })
            .await
    }
}
