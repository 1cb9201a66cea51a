//! Routing: which routes this process serves, the order in which a protected
//! route is served (token, then body, then answer), and the request span and
//! access log.

use super::{
    ApiError, ApiRequest, ApiResponse, Authenticator, DeleteAccountRoute, ErrorCode, LogoutRoute,
    MAX_BODY_BYTES, MeRoute, NicknameRoute, PasswordRoutes, PhoneRoute, ProfileRoute, SmsRoutes,
    login, password, refresh, sms,
};
use crate::tokens::{Caller, Jwks};
use crate::usecases::login::LoginService;
use crate::usecases::refresh::RefreshService;
use http::{Method, StatusCode};
use std::time::Instant;
use tracing::Instrument;

/// A token-protected route. The router serves it in a fixed order: it
/// authenticates the caller, then hands the body to [`parse`](Self::parse),
/// then asks for the [`answer`](Self::answer). A route never sees its body
/// before the caller is known, so a bad token is 401 whatever the body.
pub(super) trait Protected {
    /// The parsed body.
    type Input;

    fn authenticator(&self) -> &Authenticator;

    /// Reads the body; only called for an authenticated caller.
    fn parse(body: &[u8]) -> Result<Self::Input, ApiError>;

    /// The input, told the caller's address (for the routes whose limits
    /// count per source address).
    fn from_source(input: Self::Input, _source: Option<std::net::IpAddr>) -> Self::Input {
        input
    }

    async fn answer(&self, caller: Caller, input: Self::Input) -> Result<ApiResponse, ApiError>;
}

/// Serves a protected route: token, body, answer, in that order.
///
/// The token's signature, issuer, audience and expiry are checked before the
/// body is parsed, without I/O. Whether its session is still live (no logout,
/// no fold) needs a store read: on the way to an answer the use case makes it,
/// together with the account read it needs anyway (one read per request); a
/// body that does not parse never gets that far, so the session is read here
/// before answering 400.
async fn serve_protected<R: Protected>(
    route: &R,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let auth = route.authenticator();
    let caller = auth.authenticate(request)?;
    let input = match R::parse(&request.body) {
        Ok(input) => R::from_source(input, request.source_ip),
        Err(bad_body) => {
            return match auth.session_live(&caller).await {
                Ok(false) => Err(ApiError::session_ended()),
                Ok(true) => Err(bad_body),
                // The body is wrong either way: say so rather than "retry".
                Err(error) => {
                    tracing::warn!(error = %error, "session unknown, answering the bad body");
                    Err(bad_body)
                }
            };
        }
    };
    route.answer(caller, input).await
}

/// The routes one process serves. Each Lambda function enables its own; the
/// local server enables all. A route that is not enabled answers 404.
#[derive(Default)]
pub struct Router {
    login: Option<LoginService>,
    refresh: Option<RefreshService>,
    jwks: Option<Jwks>,
    profile: Option<ProfileRoute>,
    nickname: Option<NicknameRoute>,
    phone: Option<PhoneRoute>,
    logout: Option<LogoutRoute>,
    me: Option<MeRoute>,
    delete_account: Option<DeleteAccountRoute>,
    sms: Option<SmsRoutes>,
    password: Option<PasswordRoutes>,
}

enum Route {
    Login,
    Refresh,
    Logout,
    Jwks,
    Profile,
    Nickname,
    Phone,
    Me,
    DeleteAccount,
    SmsSend,
    SmsLogin,
    PasswordLogin,
    SetPassword,
}

impl Route {
    /// Every route: its path and its one method.
    const ALL: [(&'static str, Method); 13] = [
        ("/auth/login", Method::POST),
        ("/auth/refresh", Method::POST),
        ("/auth/logout", Method::POST),
        ("/.well-known/jwks.json", Method::GET),
        ("/auth/profile", Method::POST),
        ("/auth/profile/nickname", Method::PUT),
        ("/auth/phone", Method::POST),
        ("/auth/me", Method::GET),
        ("/auth/account", Method::DELETE),
        ("/auth/sms/send", Method::POST),
        ("/auth/sms/login", Method::POST),
        ("/auth/password/login", Method::POST),
        ("/auth/password", Method::POST),
    ];

    fn find(path: &str) -> Option<(Self, Method)> {
        let route = match path {
            "/auth/login" => Self::Login,
            "/auth/refresh" => Self::Refresh,
            "/auth/logout" => Self::Logout,
            "/.well-known/jwks.json" => Self::Jwks,
            "/auth/profile" => Self::Profile,
            "/auth/profile/nickname" => Self::Nickname,
            "/auth/phone" => Self::Phone,
            "/auth/me" => Self::Me,
            "/auth/account" => Self::DeleteAccount,
            "/auth/sms/send" => Self::SmsSend,
            "/auth/sms/login" => Self::SmsLogin,
            "/auth/password/login" => Self::PasswordLogin,
            "/auth/password" => Self::SetPassword,
            _ => return None,
        };
        let method = Self::ALL.iter().find(|(p, _)| *p == path)?.1.clone();
        Some((route, method))
    }
}

impl Router {
    pub fn new() -> Self {
        Self::default()
    }

    /// `POST /auth/login`.
    pub fn with_login(mut self, service: LoginService) -> Self {
        self.login = Some(service);
        self
    }

    /// `POST /auth/refresh`.
    pub fn with_refresh(mut self, service: RefreshService) -> Self {
        self.refresh = Some(service);
        self
    }

    /// `GET /auth/me`.
    pub fn with_me(mut self, route: MeRoute) -> Self {
        self.me = Some(route);
        self
    }

    /// `DELETE /auth/account`.
    pub fn with_delete_account(mut self, route: DeleteAccountRoute) -> Self {
        self.delete_account = Some(route);
        self
    }

    /// `POST /auth/sms/send` and `POST /auth/sms/login`.
    pub fn with_sms(mut self, routes: SmsRoutes) -> Self {
        self.sms = Some(routes);
        self
    }

    /// `POST /auth/password/login` and `POST /auth/password`.
    pub fn with_password(mut self, routes: PasswordRoutes) -> Self {
        self.password = Some(routes);
        self
    }

    /// `POST /auth/logout`.
    pub fn with_logout(mut self, route: LogoutRoute) -> Self {
        self.logout = Some(route);
        self
    }

    /// `GET /.well-known/jwks.json`.
    pub fn with_jwks(mut self, jwks: Jwks) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// `POST /auth/profile`.
    pub fn with_profile(mut self, route: ProfileRoute) -> Self {
        self.profile = Some(route);
        self
    }

    /// `PUT /auth/profile/nickname`.
    pub fn with_nickname(mut self, route: NicknameRoute) -> Self {
        self.nickname = Some(route);
        self
    }

    /// `POST /auth/phone`.
    pub fn with_phone(mut self, route: PhoneRoute) -> Self {
        self.phone = Some(route);
        self
    }

    /// Handles one request. Never panics on input and always answers JSON.
    pub async fn handle(&self, request: ApiRequest) -> ApiResponse {
        let span = tracing::info_span!(
            "request",
            request_id = %request.request_id,
            method = %request.method,
            path = %request.path,
        );
        async move {
            let started = Instant::now();
            let (response, error_code) = match self.dispatch(&request).await {
                Ok(response) => (response, None),
                Err(error) => {
                    let code = error.code.as_str();
                    if error.status().is_server_error() {
                        tracing::warn!(code, "request failed");
                    }
                    (error.into_response(), Some(code))
                }
            };
            tracing::info!(
                status = response.status.as_u16(),
                error_code,
                latency_ms = started.elapsed().as_secs_f64() * 1e3,
                "request done"
            );
            response
        }
        .instrument(span)
        .await
    }

    async fn dispatch(&self, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let not_found = || {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no route for {}", request.path),
            )
        };
        let (route, method) = Route::find(&request.path).ok_or_else(not_found)?;
        let enabled = match route {
            Route::Login => self.login.is_some(),
            Route::Refresh => self.refresh.is_some(),
            Route::Me => self.me.is_some(),
            Route::DeleteAccount => self.delete_account.is_some(),
            Route::SmsSend | Route::SmsLogin => self.sms.is_some(),
            Route::PasswordLogin | Route::SetPassword => self.password.is_some(),
            Route::Logout => self.logout.is_some(),
            Route::Jwks => self.jwks.is_some(),
            Route::Profile => self.profile.is_some(),
            Route::Nickname => self.nickname.is_some(),
            Route::Phone => self.phone.is_some(),
        };
        if !enabled {
            return Err(not_found());
        }
        if request.method != method {
            return Err(ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} only accepts {method}", request.path),
            ));
        }
        if request.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("request body is larger than {MAX_BODY_BYTES} bytes"),
            ));
        }
        match route {
            Route::Login => match &self.login {
                Some(service) => login::handle(service, request).await,
                None => Err(not_found()),
            },
            Route::Refresh => match &self.refresh {
                Some(service) => refresh::handle(service, request).await,
                None => Err(not_found()),
            },
            Route::SmsSend => match &self.sms {
                Some(routes) => sms::send(&routes.codes, request).await,
                None => Err(not_found()),
            },
            Route::SmsLogin => match &self.sms {
                Some(routes) => sms::login(&routes.login, request).await,
                None => Err(not_found()),
            },
            Route::PasswordLogin => match &self.password {
                Some(routes) => password::login(&routes.service, request).await,
                None => Err(not_found()),
            },
            Route::SetPassword => match &self.password {
                Some(routes) => serve_protected(&routes.set, request).await,
                None => Err(not_found()),
            },
            Route::Me => match &self.me {
                Some(route) => serve_protected(route, request).await,
                None => Err(not_found()),
            },
            Route::DeleteAccount => match &self.delete_account {
                Some(route) => serve_protected(route, request).await,
                None => Err(not_found()),
            },
            Route::Logout => match &self.logout {
                Some(route) => serve_protected(route, request).await,
                None => Err(not_found()),
            },
            Route::Jwks => match &self.jwks {
                Some(jwks) => {
                    let mut response = ApiResponse::json(StatusCode::OK, jwks.body());
                    response.cacheable = true;
                    Ok(response)
                }
                None => Err(not_found()),
            },
            Route::Profile => match &self.profile {
                Some(route) => serve_protected(route, request).await,
                None => Err(not_found()),
            },
            Route::Nickname => match &self.nickname {
                Some(route) => serve_protected(route, request).await,
                None => Err(not_found()),
            },
            Route::Phone => match &self.phone {
                Some(route) => serve_protected(route, request).await,
                None => Err(not_found()),
            },
        }
    }
}
