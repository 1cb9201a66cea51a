//! The mini-programs served (`WECHAT_APPID`) and their secrets (`WECHAT_SECRET`).

use super::env::{Env, comma_list, get, required};
use super::vars::*;
use super::{ConfigError, Secret, Setting};
use crate::domain::AppId;
use crate::wechat::AppCredentials;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppsConfig {
    /// The appids, in order; the first is the default for requests that name
    /// none (login, decrypt-profile, bind-phone).
    pub ids: Setting<Vec<AppId>>,
    /// `WECHAT_SECRET` split at its commas (secrets never contain commas), or
    /// `None` when unset. [`AppsConfig::credentials`] pairs them with `ids`.
    pub secrets: Option<Vec<Secret>>,
}

impl AppsConfig {
    pub(super) fn from_env(env: &dyn Env) -> Self {
        Self {
            ids: app_ids(env).into(),
            secrets: get(env, WECHAT_SECRET)
                .map(|text| comma_list(&text).into_iter().map(Secret::new).collect()),
        }
    }

    /// The given apps, each with `secret` (the local server's simulator).
    pub fn with_one_secret(ids: Vec<AppId>, secret: &str) -> Self {
        let secrets = vec![Secret::new(secret); ids.len()];
        Self {
            ids: Setting::ok(ids),
            secrets: Some(secrets),
        }
    }

    /// Whether `WECHAT_SECRET` is set at all (the local server runs the WeChat
    /// simulator when it is not).
    pub fn has_secret(&self) -> bool {
        self.secrets.is_some()
    }

    /// Each app with its secret (login, bind-phone): one secret per appid, in
    /// the same order.
    pub fn credentials(&self) -> Result<Vec<AppCredentials>, ConfigError> {
        let ids = self.ids.get()?;
        let secrets = self
            .secrets
            .as_ref()
            .ok_or_else(|| ConfigError::not_set(WECHAT_SECRET))?;
        if secrets.len() != ids.len() {
            return Err(ConfigError::new(
                WECHAT_SECRET,
                format!(
                    "lists {} secrets for {} appids in {WECHAT_APPID}",
                    secrets.len(),
                    ids.len()
                ),
            ));
        }
        ids.iter()
            .zip(secrets)
            .map(|(appid, secret)| {
                if secret.expose().is_empty() {
                    return Err(ConfigError::new(WECHAT_SECRET, "has an empty entry"));
                }
                Ok(AppCredentials {
                    appid: appid.clone(),
                    secret: secret.clone(),
                })
            })
            .collect()
    }
}

/// One appid or several separated by commas, none twice.
fn app_ids(env: &dyn Env) -> Result<Vec<AppId>, ConfigError> {
    let text = required(env, WECHAT_APPID)?;
    let mut ids = Vec::new();
    for item in comma_list(&text) {
        let id = AppId::parse(item).map_err(|e| ConfigError::new(WECHAT_APPID, e))?;
        if ids.contains(&id) {
            return Err(ConfigError::new(WECHAT_APPID, format!("lists {id} twice")));
        }
        ids.push(id);
    }
    Ok(ids)
}
