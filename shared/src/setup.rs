//! Start-up wiring: builds every long-lived client once, before the first
//! request, from the [`Config`] read at start-up. Each Lambda function calls its
//! own builder; the local server calls [`all_routes`]. Each builder asks the
//! configuration for the settings it uses, in the order it uses them: a
//! function stops here on a bad setting it uses, naming it, and never on one it
//! does not use.

use crate::api::{
    Authenticator, AvatarRoutes, DeleteAccountRoute, LogoutRoute, MeRoute, NicknameRoute,
    PasswordRoutes, PhoneRoute, ProfileRoute, PushRoute, Router, SetPasswordRoute, SmsRoutes,
};
use crate::authorizer::TokenAuthorizer;
use crate::clock::{Clock, SystemClock};
use crate::config::{
    Config, ConfigError, SMS_CODE_KEY, SMS_PROVIDER, SSL_CERT_FILE, TOKEN_SIGNING_KEY,
    TOKEN_VERIFY_KEYS, WECHAT_API_BASE,
};
use crate::objects::ObjectStore;
use crate::objects::s3::S3Objects;
use crate::sms::{CodeHasher, SmsSender};
use crate::store::ItemStore;
use crate::store::dynamo::{DynamoStore, client_config};
use crate::tokens::{Jwks, SigningKey, TokenIssuer, TokenVerifier, public_keys_from_pem};
use crate::usecases::account::AccountService;
use crate::usecases::avatar::AvatarService;
use crate::usecases::login::LoginService;
use crate::usecases::nickname::NicknameService;
use crate::usecases::number_login::NumberLogin;
use crate::usecases::password::PasswordService;
use crate::usecases::phone::PhoneService;
use crate::usecases::profile::ProfileService;
use crate::usecases::push::{PushService, PushSettings};
use crate::usecases::refresh::RefreshService;
use crate::usecases::sessions::SessionIssuer;
use crate::usecases::sms::{SmsCodeCheck, SmsCodes, SmsLoginService};
use crate::wechat::{HttpWeChat, WeChatApi};
use std::sync::Arc;

/// Signing (with `TOKEN_SIGNING_KEY`) and verification (with it and the
/// `TOKEN_VERIFY_KEYS` of a rotation overlap).
pub struct TokenKeys {
    /// Signs the tokens of sessions, under the configured lifetimes.
    pub sessions: Arc<SessionIssuer>,
    pub verifier: Arc<TokenVerifier>,
    pub jwks: Jwks,
}

/// The keys of the token settings (the local server may have put its generated
/// signing key there).
pub fn token_keys(config: &Config) -> Result<TokenKeys, ConfigError> {
    let settings = &config.tokens;
    let pem = settings.signing_key.get()?;
    let key = SigningKey::from_pem(pem.expose()).map_err(|e| ConfigError {
        var: TOKEN_SIGNING_KEY,
        problem: format!("is not a usable RSA private key: {e}"),
    })?;
    let extra = public_keys_from_pem(&settings.verify_keys_pem).map_err(|e| ConfigError {
        var: TOKEN_VERIFY_KEYS,
        problem: format!("holds no usable RSA public keys: {e}"),
    })?;
    // The signing key first; a key listed twice is published once.
    let mut public = vec![key.public().clone()];
    for jwk in extra {
        if !public.iter().any(|k| k.kid == jwk.kid) {
            public.push(jwk);
        }
    }
    let jwks = Jwks::new(&public);
    let verifier = TokenVerifier::new(public, settings.issuer.clone(), settings.audience.clone());
    let issuer = TokenIssuer::new(key, settings.issuer.clone(), settings.audience.clone());
    Ok(TokenKeys {
        sessions: Arc::new(SessionIssuer::new(Arc::new(issuer), settings.sessions)),
        verifier: Arc::new(verifier),
        jwks,
    })
}

/// The verifier of a function that checks tokens but signs none (account,
/// avatar, bind-phone, the authorizer): its keys are the public ones of
/// `TOKEN_VERIFY_KEYS` alone. It never reads `TOKEN_SIGNING_KEY`, which the
/// template does not give it (README, "Which function holds which secret").
pub fn token_verifier(config: &Config) -> Result<Arc<TokenVerifier>, ConfigError> {
    let settings = &config.tokens;
    let keys = public_keys_from_pem(&settings.verify_keys_pem).map_err(|e| ConfigError {
        var: TOKEN_VERIFY_KEYS,
        problem: format!("holds no usable RSA public keys: {e}"),
    })?;
    if keys.is_empty() {
        return Err(ConfigError {
            var: TOKEN_VERIFY_KEYS,
            problem: "is not set: this function verifies tokens with public keys only (the \
                      template gives it the signing key's public key, derived at deploy time)"
                .to_owned(),
        });
    }
    Ok(Arc::new(TokenVerifier::new(
        keys,
        settings.issuer.clone(),
        settings.audience.clone(),
    )))
}

/// The WeChat HTTP client for `WECHAT_API_BASE`.
pub fn wechat_client(config: &Config) -> Result<Arc<dyn WeChatApi>, ConfigError> {
    let settings = config.wechat.settings()?;
    let client = HttpWeChat::new(&settings).map_err(|e| ConfigError {
        var: WECHAT_API_BASE,
        problem: format!("HTTP client: {e}"),
    })?;
    Ok(Arc::new(client))
}

/// The DynamoDB store for `TABLE_NAME`, with the SDK configured from the standard
/// AWS variables.
pub fn dynamo_store(config: &Config) -> Result<Arc<dyn ItemStore>, ConfigError> {
    let table = config.dynamo.table_name.get()?;
    let aws = config.dynamo.aws.get()?;
    let config = client_config(aws).map_err(|e| ConfigError::new(SSL_CERT_FILE, e))?;
    let client = aws_sdk_dynamodb::Client::from_conf(config.build());
    Ok(Arc::new(DynamoStore::new(client, table.clone())))
}

/// The login service for the configured apps.
pub fn login_service(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<LoginService, ConfigError> {
    let apps = config.apps.credentials()?;
    let registration = *config.registration.get()?;
    Ok(
        LoginService::new(apps, wechat, store, keys.sessions.clone(), clock)
            .with_registration(registration),
    )
}

/// The logout route over a store.
pub fn logout_route(
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> LogoutRoute {
    LogoutRoute {
        auth: Authenticator::new(keys.verifier.clone(), store.clone(), clock.clone()),
        store,
        clock,
    }
}

/// The refresh service over a store.
pub fn refresh_service(
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> RefreshService {
    RefreshService::new(store, keys.sessions.clone(), clock)
}

/// The `login` function: `POST /auth/login`, `POST /auth/refresh`,
/// `POST /auth/logout` and the JWKS: every route that signs tokens.
pub async fn login_function(config: &Config) -> Result<Router, ConfigError> {
    let keys = token_keys(config)?;
    let wechat = wechat_client(config)?;
    let store = dynamo_store(config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let login = login_service(config, wechat, store.clone(), &keys, clock.clone())?;
    let refresh = refresh_service(store.clone(), &keys, clock.clone());
    let logout = logout_route(store, &keys, clock);
    Ok(Router::new()
        .with_login(login)
        .with_refresh(refresh)
        .with_logout(logout)
        .with_jwks(keys.jwks))
}

/// `GET /auth/me` and `DELETE /auth/account` over a store, the avatar images
/// (deleted with the account) and a WeChat client (for `resetusersessionkey`
/// after a deletion).
pub fn account_routes(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    verifier: Arc<TokenVerifier>,
    clock: Arc<dyn Clock>,
) -> Result<(MeRoute, DeleteAccountRoute), ConfigError> {
    let apps = config.apps.credentials()?;
    let service = Arc::new(AccountService::new(
        apps,
        wechat,
        store.clone(),
        objects,
        clock.clone(),
        config.avatar_policy()?,
    ));
    let auth = Authenticator::new(verifier, store, clock);
    Ok((
        MeRoute {
            auth: auth.clone(),
            service: service.clone(),
        },
        DeleteAccountRoute { auth, service },
    ))
}

/// The `account` function: `GET /auth/me` and `DELETE /auth/account`.
pub async fn account_function(config: &Config) -> Result<Router, ConfigError> {
    let verifier = token_verifier(config)?;
    let wechat = wechat_client(config)?;
    let store = dynamo_store(config)?;
    let objects = s3_objects(config)?;
    let (me, delete) = account_routes(
        config,
        wechat,
        store,
        objects,
        verifier,
        Arc::new(SystemClock),
    )?;
    Ok(Router::new().with_me(me).with_delete_account(delete))
}

/// The avatar images in `AVATAR_BUCKET`, with the SDK configured from the
/// standard AWS variables.
pub fn s3_objects(config: &Config) -> Result<Arc<dyn ObjectStore>, ConfigError> {
    let bucket = config.avatars.bucket.get()?;
    let aws = config.avatars.aws.get()?;
    let objects = S3Objects::new(aws, bucket.clone()).map_err(|e| ConfigError {
        var: crate::config::AVATAR_BUCKET,
        problem: format!("S3 client: {e}"),
    })?;
    Ok(Arc::new(objects))
}

/// `POST /auth/profile/avatar` and `GET /avatars/…` over a store, the images
/// and a WeChat client (`media_check_async`).
pub fn avatar_routes(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    verifier: Arc<TokenVerifier>,
    clock: Arc<dyn Clock>,
) -> Result<AvatarRoutes, ConfigError> {
    let apps = config.apps.credentials()?;
    let policy = config.avatar_policy()?;
    Ok(AvatarRoutes {
        auth: Authenticator::new(verifier, store.clone(), clock.clone()),
        service: AvatarService::new(apps, wechat, store, objects, clock, policy),
        base_url: config.avatar_base_url.get()?.clone(),
    })
}

/// `GET /wechat/push` and `POST /wechat/push`: WeChat's verdicts on avatars.
pub fn push_route(
    config: &Config,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    clock: Arc<dyn Clock>,
) -> Result<PushRoute, ConfigError> {
    let settings = PushSettings {
        token: config.push.token.get()?.clone(),
        key: config.push.key.get()?.key.clone(),
        appids: config
            .apps
            .credentials()?
            .into_iter()
            .map(|app| app.appid)
            .collect(),
    };
    let policy = config.avatar_policy()?;
    Ok(PushRoute {
        service: PushService::new(settings, store, objects, clock, policy),
    })
}

/// The `avatar` function: `POST /auth/profile/avatar`, `GET /avatars/…` and
/// WeChat's message push.
pub async fn avatar_function(config: &Config) -> Result<Router, ConfigError> {
    let verifier = token_verifier(config)?;
    let wechat = wechat_client(config)?;
    let store = dynamo_store(config)?;
    let objects = s3_objects(config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let push = push_route(config, store.clone(), objects.clone(), clock.clone())?;
    let avatar = avatar_routes(config, wechat, store, objects, verifier, clock)?;
    Ok(Router::new().with_avatar(avatar).with_push(push))
}

/// The decrypt-profile route over a store and a WeChat client (asked only
/// when data does not decrypt: stale key or bad data).
pub fn profile_route(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<ProfileRoute, ConfigError> {
    let apps = config.apps.credentials()?;
    let max_age = *config.watermark_max_age_secs.get()?;
    Ok(ProfileRoute {
        auth: Authenticator::new(keys.verifier.clone(), store.clone(), clock.clone()),
        service: ProfileService::new(apps, wechat, store, keys.sessions.clone(), clock, max_age),
    })
}

/// The nickname route over a store and a WeChat client (`msg_sec_check`),
/// under the configured content policy.
pub fn nickname_route(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<NicknameRoute, ConfigError> {
    let apps = config.apps.credentials()?;
    let policy = *config.content_policy.get()?;
    Ok(NicknameRoute {
        auth: Authenticator::new(keys.verifier.clone(), store.clone(), clock.clone()),
        service: NicknameService::new(apps, wechat, store, clock, policy),
    })
}

/// The `decrypt-profile` function: `POST /auth/profile` and
/// `PUT /auth/profile/nickname`.
pub async fn decrypt_profile_function(config: &Config) -> Result<Router, ConfigError> {
    let keys = token_keys(config)?;
    let wechat = wechat_client(config)?;
    let store = dynamo_store(config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let profile = profile_route(config, wechat.clone(), store.clone(), &keys, clock.clone())?;
    let nickname = nickname_route(config, wechat, store, &keys, clock)?;
    Ok(Router::new().with_profile(profile).with_nickname(nickname))
}

/// The bind-phone route over a store and a WeChat client.
pub fn phone_route(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    verifier: Arc<TokenVerifier>,
    clock: Arc<dyn Clock>,
) -> Result<PhoneRoute, ConfigError> {
    let apps = config.apps.credentials()?;
    let max_age = *config.watermark_max_age_secs.get()?;
    let sms = sms_code_check(config, store.clone(), clock.clone())?;
    Ok(PhoneRoute {
        auth: Authenticator::new(verifier, store.clone(), clock.clone()),
        service: PhoneService::new(apps, wechat, store, clock, max_age, sms),
    })
}

/// The `bind-phone` function: `POST /auth/phone`.
pub async fn bind_phone_function(config: &Config) -> Result<Router, ConfigError> {
    let verifier = token_verifier(config)?;
    let wechat = wechat_client(config)?;
    let store = dynamo_store(config)?;
    Ok(Router::new().with_phone(phone_route(
        config,
        wechat,
        store,
        verifier,
        Arc::new(SystemClock),
    )?))
}

/// The `authorizer` function: verifies our tokens for a team's own routes.
pub fn authorizer_function(config: &Config) -> Result<TokenAuthorizer, ConfigError> {
    let verifier = token_verifier(config)?;
    let store = dynamo_store(config)?;
    Ok(TokenAuthorizer::new(verifier, store, Arc::new(SystemClock)))
}

/// Checking SMS codes over a store; codes are hashed under `SMS_CODE_KEY`,
/// or, when it is unset (the local server), under the key derived from the
/// signing key: the same bytes the template derives at deploy time.
pub fn sms_code_check(
    config: &Config,
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
) -> Result<Arc<SmsCodeCheck>, ConfigError> {
    let hasher = match (&config.tokens.sms_code_key, config.tokens.signing_key.get()) {
        (Some(key), _) => {
            let key = CodeHasher::decode_key(key.expose()).ok_or_else(|| ConfigError {
                var: SMS_CODE_KEY,
                problem: "is not a key: base64url of 32 bytes expected".to_owned(),
            })?;
            CodeHasher::new(&key)
        }
        (None, Ok(pem)) => CodeHasher::from_signing_key(pem.expose()),
        (None, Err(_)) => return Err(ConfigError::not_set(SMS_CODE_KEY)),
    };
    Ok(Arc::new(SmsCodeCheck::new(store, hasher, clock)))
}

/// Sending and checking SMS codes.
pub fn sms_codes(
    config: &Config,
    store: Arc<dyn ItemStore>,
    sender: Arc<dyn SmsSender>,
    clock: Arc<dyn Clock>,
) -> Result<Arc<SmsCodes>, ConfigError> {
    let check = sms_code_check(config, store, clock)?;
    Ok(Arc::new(SmsCodes::new(check, sender)))
}

/// `POST /auth/sms/send` and `POST /auth/sms/login`.
pub fn sms_routes(
    config: &Config,
    store: Arc<dyn ItemStore>,
    sender: Arc<dyn SmsSender>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<SmsRoutes, ConfigError> {
    let codes = sms_codes(config, store.clone(), sender, clock.clone())?;
    let login = SmsLoginService::new(codes.clone(), number_login(store, keys, clock));
    Ok(SmsRoutes { codes, login })
}

/// Logging in once a number is proven (SMS code, password).
fn number_login(
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Arc<NumberLogin> {
    Arc::new(NumberLogin::new(store, keys.sessions.clone(), clock))
}

/// `POST /auth/password/login` and `POST /auth/password`: checking SMS codes
/// (a registration's proof, a change's) but sending none, and WeChat for the
/// phone button's proof.
pub fn password_routes(
    config: &Config,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<PasswordRoutes, ConfigError> {
    let apps = config.apps.credentials()?;
    let sms = sms_code_check(config, store.clone(), clock.clone())?;
    let login = number_login(store.clone(), keys, clock.clone());
    let service = Arc::new(PasswordService::new(
        store.clone(),
        login,
        sms,
        wechat,
        apps,
        clock.clone(),
    ));
    Ok(PasswordRoutes {
        set: SetPasswordRoute {
            auth: Authenticator::new(keys.verifier.clone(), store, clock),
            service: service.clone(),
        },
        service,
    })
}

/// The `password` function: `POST /auth/password/login` and `POST /auth/password`.
pub async fn password_function(config: &Config) -> Result<Router, ConfigError> {
    let keys = token_keys(config)?;
    let wechat = wechat_client(config)?;
    let store = dynamo_store(config)?;
    let routes = password_routes(config, wechat, store, &keys, Arc::new(SystemClock))?;
    Ok(Router::new().with_password(routes))
}

/// The SMS provider of a Lambda function: a real one. The outbox is the local
/// server's; a function configured with it stops at start-up, naming the
/// variable, rather than swallow every code.
pub fn sms_provider(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn SmsSender>, ConfigError> {
    crate::sms::provider_sender(config.sms.provider.get()?, clock)?.ok_or_else(|| ConfigError {
        var: SMS_PROVIDER,
        problem: "is \"outbox\", which only the local server uses; a function sends by a provider: set \"tencent\", \"aws\" or \"tencent+aws\" and its TENCENT_SMS_* or AWS_SMS_* settings".to_owned(),
    })
}

/// The `sms` function: `POST /auth/sms/send` and `POST /auth/sms/login`.
pub async fn sms_function(config: &Config) -> Result<Router, ConfigError> {
    let keys = token_keys(config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sender = sms_provider(config, clock.clone())?;
    let store = dynamo_store(config)?;
    Ok(Router::new().with_sms(sms_routes(config, store, sender, &keys, clock)?))
}

/// Every route in one router, over the given store, WeChat client and SMS
/// sender: the local server and the HTTP tests.
pub fn all_routes(
    config: &Config,
    store: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
    wechat: Arc<dyn WeChatApi>,
    sms: Arc<dyn SmsSender>,
    keys: TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<Router, ConfigError> {
    let sms = sms_routes(config, store.clone(), sms, &keys, clock.clone())?;
    let password = password_routes(config, wechat.clone(), store.clone(), &keys, clock.clone())?;
    let login = login_service(config, wechat.clone(), store.clone(), &keys, clock.clone())?;
    let refresh = refresh_service(store.clone(), &keys, clock.clone());
    let logout = logout_route(store.clone(), &keys, clock.clone());
    let profile = profile_route(config, wechat.clone(), store.clone(), &keys, clock.clone())?;
    let nickname = nickname_route(config, wechat.clone(), store.clone(), &keys, clock.clone())?;
    let (me, delete) = account_routes(
        config,
        wechat.clone(),
        store.clone(),
        objects.clone(),
        keys.verifier.clone(),
        clock.clone(),
    )?;
    let avatar = avatar_routes(
        config,
        wechat.clone(),
        store.clone(),
        objects.clone(),
        keys.verifier.clone(),
        clock.clone(),
    )?;
    let push = push_route(config, store.clone(), objects, clock.clone())?;
    let phone = phone_route(config, wechat, store, keys.verifier.clone(), clock)?;
    Ok(Router::new()
        .with_login(login)
        .with_refresh(refresh)
        .with_logout(logout)
        .with_jwks(keys.jwks)
        .with_profile(profile)
        .with_nickname(nickname)
        .with_phone(phone)
        .with_me(me)
        .with_delete_account(delete)
        .with_sms(sms)
        .with_password(password)
        .with_avatar(avatar)
        .with_push(push))
}
