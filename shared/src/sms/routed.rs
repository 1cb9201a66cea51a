//! Two providers, chosen by the number (`SMS_PROVIDER=tencent+aws`): mainland
//! China numbers need a provider with an approved signature (签名) and
//! template, which the others do not serve; the rest of the world goes to one
//! that reaches it.

use super::{SmsError, SmsSender};
use crate::domain::{PhoneNumber, SmsCode};
use std::sync::Arc;

/// The country calling code of mainland China. Hong Kong (+852), Macao
/// (+853) and Taiwan (+886) have their own, and go elsewhere.
const MAINLAND_CHINA: &str = "86";

pub struct RoutedSms {
    /// +86 numbers.
    pub mainland: Arc<dyn SmsSender>,
    /// Every other number.
    pub elsewhere: Arc<dyn SmsSender>,
}

#[async_trait::async_trait]
impl SmsSender for RoutedSms {
    /// One provider per message, and no fallback to the other: a provider that
    /// fails may still have sent it, and the other would send a second.
    async fn send_code(&self, phone: &PhoneNumber, code: &SmsCode) -> Result<(), SmsError> {
        if phone.country_code() == MAINLAND_CHINA {
            self.mainland.send_code(phone, code).await
        } else {
            self.elsewhere.send_code(phone, code).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Writes down the numbers it is given, and answers `answer`.
    struct Recorder {
        numbers: Mutex<Vec<String>>,
        answer: Result<(), SmsError>,
    }

    impl Recorder {
        fn new(answer: Result<(), SmsError>) -> Arc<Self> {
            Arc::new(Self {
                numbers: Mutex::default(),
                answer,
            })
        }

        fn numbers(&self) -> Vec<String> {
            self.numbers.lock().unwrap().clone()
        }
    }

    #[async_trait::async_trait]
    impl SmsSender for Recorder {
        async fn send_code(&self, phone: &PhoneNumber, _: &SmsCode) -> Result<(), SmsError> {
            self.numbers.lock().unwrap().push(phone.e164().to_owned());
            self.answer.clone()
        }
    }

    #[tokio::test]
    async fn plus_86_goes_to_the_mainland_provider_and_every_other_number_elsewhere() {
        let mainland = Recorder::new(Ok(()));
        let elsewhere = Recorder::new(Err(SmsError::InvalidNumber));
        let routed = RoutedSms {
            mainland: mainland.clone(),
            elsewhere: elsewhere.clone(),
        };
        let code = SmsCode::generate();
        for (e164, expected) in [
            ("+8613800138000", Ok(())),
            ("+85251234567", Err(SmsError::InvalidNumber)),
            ("+85362812345", Err(SmsError::InvalidNumber)),
            ("+886912345678", Err(SmsError::InvalidNumber)),
            ("+12065550100", Err(SmsError::InvalidNumber)),
            // Japan's begins with 8 too: the country code decides.
            ("+819012345678", Err(SmsError::InvalidNumber)),
        ] {
            let phone = PhoneNumber::parse_e164(e164).unwrap();
            assert_eq!(routed.send_code(&phone, &code).await, expected, "{e164}");
        }
        assert_eq!(mainland.numbers(), ["+8613800138000"]);
        assert_eq!(elsewhere.numbers().len(), 5);
    }
}
