//! Start-up wiring: reads the configuration and builds every long-lived client
//! once, before the first request. Each Lambda function calls its own builder;
//! the local server calls [`all_routes`]. Any bad setting fails here, naming it.

use crate::api::{Authenticator, LogoutRoute, PhoneRoute, ProfileRoute, Router};
use crate::authorizer::TokenAuthorizer;
use crate::clock::{Clock, SystemClock};
use crate::config::{self, ConfigError, Env, TOKEN_SIGNING_KEY, TOKEN_VERIFY_KEYS};
use crate::store::ItemStore;
use crate::store::dynamo::{DynamoStore, client_config};
use crate::tokens::{Jwks, SigningKey, TokenIssuer, TokenVerifier, public_keys_from_pem};
use crate::usecases::login::LoginService;
use crate::usecases::phone::PhoneService;
use crate::usecases::profile::ProfileService;
use crate::wechat::{HttpWeChat, WeChatApi};
use std::sync::Arc;

/// Signing (with `TOKEN_SIGNING_KEY`) and verification (with it and the
/// `TOKEN_VERIFY_KEYS` of a rotation overlap).
pub struct TokenKeys {
    pub issuer: Arc<TokenIssuer>,
    pub verifier: Arc<TokenVerifier>,
    pub jwks: Jwks,
}

/// Reads the token settings; `signing_key_pem` overrides `TOKEN_SIGNING_KEY`.
pub fn token_keys(
    env: &dyn Env,
    signing_key_pem: Option<String>,
) -> Result<TokenKeys, ConfigError> {
    let settings = config::token_settings(env, signing_key_pem)?;
    let key = SigningKey::from_pem(&settings.signing_key_pem).map_err(|e| ConfigError {
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
    let issuer = TokenIssuer::new(key, settings.issuer, settings.audience, settings.ttl_secs);
    Ok(TokenKeys {
        issuer: Arc::new(issuer),
        verifier: Arc::new(verifier),
        jwks,
    })
}

/// The WeChat HTTP client for `WECHAT_API_BASE`.
pub fn wechat_client(env: &dyn Env) -> Result<Arc<dyn WeChatApi>, ConfigError> {
    let settings = config::wechat_settings(env)?;
    let client = HttpWeChat::new(&settings).map_err(|e| ConfigError {
        var: config::WECHAT_API_BASE,
        problem: format!("HTTP client: {e}"),
    })?;
    Ok(Arc::new(client))
}

/// The DynamoDB store for `TABLE_NAME`, with the SDK configured from the standard
/// AWS variables.
pub fn dynamo_store(env: &dyn Env) -> Result<Arc<dyn ItemStore>, ConfigError> {
    let table = config::table_name(env)?;
    let aws = config::aws_settings(env)?;
    let client = aws_sdk_dynamodb::Client::from_conf(client_config(&aws).build());
    Ok(Arc::new(DynamoStore::new(client, table)))
}

/// The login service for the configured apps.
pub fn login_service(
    env: &dyn Env,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<LoginService, ConfigError> {
    let apps = config::app_credentials(env)?;
    Ok(LoginService::new(
        apps,
        wechat,
        store,
        keys.issuer.clone(),
        clock,
    ))
}

/// The logout route over a store.
pub fn logout_route(
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> LogoutRoute {
    LogoutRoute {
        auth: Authenticator::new(keys.verifier.clone(), store.clone(), clock),
        store,
    }
}

/// The `login` function: `POST /auth/login`, `POST /auth/logout` and the JWKS.
pub async fn login_function(env: &dyn Env) -> Result<Router, ConfigError> {
    let keys = token_keys(env, None)?;
    let wechat = wechat_client(env)?;
    let store = dynamo_store(env)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let login = login_service(env, wechat, store.clone(), &keys, clock.clone())?;
    let logout = logout_route(store, &keys, clock);
    Ok(Router::new()
        .with_login(login)
        .with_logout(logout)
        .with_jwks(keys.jwks))
}

/// The decrypt-profile route over a store.
pub fn profile_route(
    env: &dyn Env,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<ProfileRoute, ConfigError> {
    let max_age = config::watermark_max_age_secs(env)?;
    Ok(ProfileRoute {
        auth: Authenticator::new(keys.verifier.clone(), store.clone(), clock.clone()),
        service: ProfileService::new(store, keys.issuer.clone(), clock, max_age),
    })
}

/// The `decrypt-profile` function: `POST /auth/profile`.
pub async fn decrypt_profile_function(env: &dyn Env) -> Result<Router, ConfigError> {
    let keys = token_keys(env, None)?;
    config::app_ids(env)?;
    let store = dynamo_store(env)?;
    Ok(Router::new().with_profile(profile_route(env, store, &keys, Arc::new(SystemClock))?))
}

/// The bind-phone route over a store and a WeChat client.
pub fn phone_route(
    env: &dyn Env,
    wechat: Arc<dyn WeChatApi>,
    store: Arc<dyn ItemStore>,
    keys: &TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<PhoneRoute, ConfigError> {
    let apps = config::app_credentials(env)?;
    let max_age = config::watermark_max_age_secs(env)?;
    Ok(PhoneRoute {
        auth: Authenticator::new(keys.verifier.clone(), store.clone(), clock.clone()),
        service: PhoneService::new(apps, wechat, store, clock, max_age),
    })
}

/// The `bind-phone` function: `POST /auth/phone`.
pub async fn bind_phone_function(env: &dyn Env) -> Result<Router, ConfigError> {
    let keys = token_keys(env, None)?;
    let wechat = wechat_client(env)?;
    let store = dynamo_store(env)?;
    Ok(Router::new().with_phone(phone_route(
        env,
        wechat,
        store,
        &keys,
        Arc::new(SystemClock),
    )?))
}

/// The `authorizer` function: verifies our tokens for a team's own routes.
pub fn authorizer_function(env: &dyn Env) -> Result<TokenAuthorizer, ConfigError> {
    let keys = token_keys(env, None)?;
    let store = dynamo_store(env)?;
    Ok(TokenAuthorizer::new(
        keys.verifier,
        store,
        Arc::new(SystemClock),
    ))
}

/// Every route in one router, over the given store and WeChat client: the local
/// server and the HTTP tests.
pub fn all_routes(
    env: &dyn Env,
    store: Arc<dyn ItemStore>,
    wechat: Arc<dyn WeChatApi>,
    keys: TokenKeys,
    clock: Arc<dyn Clock>,
) -> Result<Router, ConfigError> {
    let login = login_service(env, wechat.clone(), store.clone(), &keys, clock.clone())?;
    let logout = logout_route(store.clone(), &keys, clock.clone());
    let profile = profile_route(env, store.clone(), &keys, clock.clone())?;
    let phone = phone_route(env, wechat, store, &keys, clock)?;
    Ok(Router::new()
        .with_login(login)
        .with_logout(logout)
        .with_jwks(keys.jwks)
        .with_profile(profile)
        .with_phone(phone))
}
