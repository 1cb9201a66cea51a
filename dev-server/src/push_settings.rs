//! The message push settings of a local run: the ones set
//! (`WECHAT_PUSH_TOKEN`, `WECHAT_PUSH_AES_KEY`), else made up for the run:
//! with the simulator, it and this server are the only parties; with WeChat
//! itself, its pushes go to the admin's URL, not to a laptop.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use wxauth_shared::config::{ConfigError, PushConfig, PushKeySetting, Secret, Setting};

/// Fills in whichever of the two settings is unset.
pub fn ensure(push: &mut PushConfig) -> Result<(), ConfigError> {
    if push.token.get().is_err() {
        push.token = Setting::ok(Secret::new(uuid::Uuid::new_v4().simple().to_string()));
    }
    if push.key.get().is_err() {
        // 32 random bytes as WeChat writes them: base64 without its `=`.
        let bytes: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
            .iter()
            .flat_map(|u| *u.as_bytes())
            .collect();
        let text = STANDARD_NO_PAD.encode(bytes);
        push.key = Setting::ok(PushKeySetting::parse(&text)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_settings_are_valid_and_set_ones_kept() {
        let mut push = PushConfig {
            token: Setting::from(Err(ConfigError::not_set("WECHAT_PUSH_TOKEN"))),
            key: Setting::from(Err(ConfigError::not_set("WECHAT_PUSH_AES_KEY"))),
        };
        ensure(&mut push).unwrap();
        assert_eq!(push.key.get().unwrap().text().expose().len(), 43);
        let token = push.token.get().unwrap().clone();
        ensure(&mut push).unwrap();
        assert_eq!(push.token.get().unwrap(), &token, "a set token is kept");
    }
}
