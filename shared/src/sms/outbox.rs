//! The local server's SMS: every message is appended to a JSON-lines file
//! (`<data dir>/sms-outbox.jsonl`: `{"phone", "code", "text", "at"}`) and
//! printed, so a developer (or a test) reads the code there. Never in Lambda:
//! the functions refuse to start with it.

use super::{SmsError, SmsSender};
use crate::clock::Clock;
use crate::domain::{PhoneNumber, SmsCode};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub struct Outbox {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    /// One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

impl Outbox {
    /// Writes to `sms-outbox.jsonl` in `data_dir`.
    pub fn new(data_dir: &std::path::Path, clock: Arc<dyn Clock>) -> Self {
        Self {
            path: data_dir.join("sms-outbox.jsonl"),
            clock,
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// The message text, as a Chinese template would read.
pub fn message_text(code: &SmsCode) -> String {
    format!(
        "您的验证码是 {}，5 分钟内有效。如非本人操作，请忽略。",
        code.expose()
    )
}

#[async_trait::async_trait]
impl SmsSender for Outbox {
    async fn send_code(&self, phone: &PhoneNumber, code: &SmsCode) -> Result<(), SmsError> {
        // The local outbox is the one place a code is written out: it stands
        // for the user's phone.
        let line = serde_json::json!({
            "phone": phone.e164(),
            "code": code.expose(),
            "text": message_text(code),
            "at": self.clock.now_unix(),
        })
        .to_string();
        let _held = self
            .lock
            .lock()
            .map_err(|_| SmsError::Unavailable("outbox lock".into()))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| SmsError::Unavailable(format!("outbox: {e}")))?;
        writeln!(file, "{line}").map_err(|e| SmsError::Unavailable(format!("outbox: {e}")))?;
        println!("SMS to {}: {}", phone.e164(), message_text(code));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[tokio::test]
    async fn each_message_is_one_json_line() {
        let dir = std::env::temp_dir().join(format!("wxauth-outbox-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let outbox = Outbox::new(&dir, Arc::new(FixedClock(7)));
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        let code = SmsCode::parse("123456").unwrap();
        outbox.send_code(&phone, &code).await.unwrap();
        outbox.send_code(&phone, &code).await.unwrap();
        let text = std::fs::read_to_string(outbox.path()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["phone"], "+8613800138000");
        assert_eq!(lines[0]["code"], "123456");
        assert_eq!(lines[0]["at"], 7);
        assert!(lines[0]["text"].as_str().unwrap().contains("123456"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
