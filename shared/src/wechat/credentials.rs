use crate::config::Secret;
use crate::domain::AppId;

/// One mini-program's credentials. `Debug` shows the appid and redacts the
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub appid: AppId,
    pub secret: Secret,
}
