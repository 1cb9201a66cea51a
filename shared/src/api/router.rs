//! Routing: which routes this process serves, the order in which a protected
//! route is served (token, then body, then answer), and the request span and
//! access log.

use super::{
    ApiError, ApiRequest, ApiResponse, Authenticator, AvatarRoutes, DeleteAccountRoute, ErrorCode,
    LogoutRoute, MAX_BODY_BYTES, MAX_UPLOAD_BYTES, MeRoute, NicknameRoute, PasswordRoutes,
    PhoneRoute, ProfileRoute, PushRoute, SmsRoutes, avatar, login, password, push, refresh,
    response::Caching, sms,
};
use crate::metrics;
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

    /// Reads the request (its body; the caller's address for the routes
    /// whose limits count by it); only called for an authenticated caller.
    fn parse(request: &ApiRequest) -> Result<Self::Input, ApiError>;

    /// [`parse`](Self::parse) of a request that is only `body` (tests).
    #[cfg(test)]
    fn parse_body(body: &[u8]) -> Result<Self::Input, ApiError> {
        Self::parse(&ApiRequest {
            method: Method::POST,
            path: "/".into(),
            query: String::new(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::copy_from_slice(body),
            request_id: "test".into(),
            source_ip: None,
        })
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
    let input = match R::parse(request) {
        Ok(input) => input,
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
    avatar: Option<AvatarRoutes>,
    push: Option<PushRoute>,
    phone: Option<PhoneRoute>,
    logout: Option<LogoutRoute>,
    me: Option<MeRoute>,
    delete_account: Option<DeleteAccountRoute>,
    sms: Option<SmsRoutes>,
    password: Option<PasswordRoutes>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Login,
    Refresh,
    Logout,
    Jwks,
    Profile,
    Nickname,
    Avatar,
    AvatarImage,
    PushVerify,
    PushEvent,
    Phone,
    Me,
    DeleteAccount,
    SmsSend,
    SmsLogin,
    PasswordLogin,
    SetPassword,
}

/// The path of the avatars' images: `/` + the object key
/// (`avatars/{userId}/{hash}.{ext}`).
pub const AVATAR_PATH: &str = "/avatars/{userId}/{file}";

impl Route {
    /// Every route: its path, method and handler.
    const ALL: [(&'static str, Method, Route); 17] = [
        ("/auth/login", Method::POST, Route::Login),
        ("/auth/refresh", Method::POST, Route::Refresh),
        ("/auth/logout", Method::POST, Route::Logout),
        ("/.well-known/jwks.json", Method::GET, Route::Jwks),
        ("/auth/profile", Method::POST, Route::Profile),
        ("/auth/profile/nickname", Method::PUT, Route::Nickname),
        ("/auth/profile/avatar", Method::POST, Route::Avatar),
        (AVATAR_PATH, Method::GET, Route::AvatarImage),
        ("/wechat/push", Method::GET, Route::PushVerify),
        ("/wechat/push", Method::POST, Route::PushEvent),
        ("/auth/phone", Method::POST, Route::Phone),
        ("/auth/me", Method::GET, Route::Me),
        ("/auth/account", Method::DELETE, Route::DeleteAccount),
        ("/auth/sms/send", Method::POST, Route::SmsSend),
        ("/auth/sms/login", Method::POST, Route::SmsLogin),
        ("/auth/password/login", Method::POST, Route::PasswordLogin),
        ("/auth/password", Method::POST, Route::SetPassword),
    ];

    /// The route's path pattern for a request path.
    fn pattern(path: &str) -> Option<&'static str> {
        if path.starts_with("/avatars/") {
            return Some(AVATAR_PATH);
        }
        Self::ALL
            .iter()
            .map(|(pattern, _, _)| *pattern)
            .find(|pattern| *pattern == path)
    }

    /// The routes on `path`, with their methods.
    fn on_path(path: &str) -> Vec<(&'static Method, Route)> {
        let Some(pattern) = Self::pattern(path) else {
            return Vec::new();
        };
        Self::ALL
            .iter()
            .filter(|(p, _, _)| *p == pattern)
            .map(|(_, method, route)| (method, *route))
            .collect()
    }

    /// The largest body the route reads: an avatar's upload, or the usual.
    fn max_body(self) -> usize {
        match self {
            Route::Avatar => MAX_UPLOAD_BYTES,
            _ => MAX_BODY_BYTES,
        }
    }
}

impl Router {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every route of every function, (path, method), as the template and
    /// the docs list them.
    pub fn routes() -> impl Iterator<Item = (&'static str, &'static Method)> {
        Route::ALL.iter().map(|(path, method, _)| (*path, method))
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

    /// `POST /auth/profile/avatar` and `GET /avatars/{userId}/{file}`.
    pub fn with_avatar(mut self, routes: AvatarRoutes) -> Self {
        self.avatar = Some(routes);
        self
    }

    /// `GET /wechat/push` and `POST /wechat/push`.
    pub fn with_push(mut self, route: PushRoute) -> Self {
        self.push = Some(route);
        self
    }

    /// `POST /auth/phone`.
    pub fn with_phone(mut self, route: PhoneRoute) -> Self {
        self.phone = Some(route);
        self
    }

    /// Handles one request. Never panics on input and always answers JSON.
    /// Ends with the access log line and the request's metrics (one EMF
    /// document, [`crate::metrics`]).
    pub async fn handle(&self, request: ApiRequest) -> ApiResponse {
        let span = tracing::info_span!(
            "request",
            request_id = %request.request_id,
            method = %request.method,
            path = %request.path,
        );
        let request_id = request.request_id.clone();
        let served = async move {
            let started = Instant::now();
            let (response, error_code) = match self.dispatch(&request).await {
                Ok(response) => (response, None),
                Err(error) => {
                    let code = error.code.as_str();
                    if error.status().is_server_error() {
                        tracing::warn!(code, "request failed");
                    }
                    (error.into_response(&request.request_id), Some(code))
                }
            };
            tracing::info!(
                status = response.status.as_u16(),
                error_code,
                latency_ms = started.elapsed().as_secs_f64() * 1e3,
                "request done"
            );
            metrics::answered(error_code);
            response
        }
        .instrument(span);
        // On the heap: the routes' futures are large, and the metrics' scope
        // around them would otherwise add copies of them to the caller's stack.
        metrics::per_request(&request_id, Box::pin(served)).await
    }

    /// Whether this process serves `route` (each function enables its own).
    fn serves(&self, route: Route) -> bool {
        match route {
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
            Route::Avatar | Route::AvatarImage => self.avatar.is_some(),
            Route::PushVerify | Route::PushEvent => self.push.is_some(),
            Route::Phone => self.phone.is_some(),
        }
    }

    async fn dispatch(&self, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let not_found = || {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no route for {}", request.path),
            )
        };
        let served: Vec<_> = Route::on_path(&request.path)
            .into_iter()
            .filter(|(_, route)| self.serves(*route))
            .collect();
        let Some(&(_, route)) = served.iter().find(|(m, _)| **m == request.method) else {
            if served.is_empty() {
                return Err(not_found());
            }
            let methods: Vec<&str> = served.iter().map(|(m, _)| m.as_str()).collect();
            return Err(ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} only accepts {}", request.path, methods.join(", ")),
            ));
        };
        let max_body = route.max_body();
        if request.body.len() > max_body {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("request body is larger than {max_body} bytes"),
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
                    response.caching = Caching::Public;
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
            Route::Avatar => match &self.avatar {
                Some(routes) => serve_protected(routes, request).await,
                None => Err(not_found()),
            },
            Route::AvatarImage => match &self.avatar {
                Some(routes) => avatar::image(routes, request).await,
                None => Err(not_found()),
            },
            Route::PushVerify => match &self.push {
                Some(route) => push::verify(route, request),
                None => Err(not_found()),
            },
            Route::PushEvent => match &self.push {
                Some(route) => push::event(route, request).await,
                None => Err(not_found()),
            },
        }
    }
}
