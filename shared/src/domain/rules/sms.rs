//! SMS verification codes: when a code may be sent (a minute between two to
//! one number, ten a day per number, a bound per source address and hour),
//! and whether a code typed is the one sent (five minutes, single use, dead
//! after five wrong tries). Only a keyed hash of a code is ever stored.

use super::limits::{count_in, limit_item, limit_of};
use super::{Read, Snapshot, Step};
use crate::domain::PhoneNumber;
use crate::store::{Guard, Item, Key, SmsCodeItem, StoreError, Write};

/// The limits, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsLimits {
    pub resend_after_secs: u64,
    pub per_number_per_day: u32,
    pub per_source_per_hour: u32,
    pub code_ttl_secs: u64,
    pub max_attempts: u32,
}

impl SmsLimits {
    pub const DEFAULT: Self = Self {
        resend_after_secs: 60,
        per_number_per_day: 10,
        per_source_per_hour: 30,
        code_ttl_secs: 300,
        max_attempts: 5,
    };
}

/// What a code is for: each purpose has its own code, so a login code cannot
/// change a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Bind,
    Password,
}

impl Purpose {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "login" => Some(Self::Login),
            "bind" => Some(Self::Bind),
            "password" => Some(Self::Password),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Bind => "bind",
            Self::Password => "password",
        }
    }
}

/// A day as people in mainland China count it (UTC+8): the daily limit
/// resets at their midnight.
const DAY_SECS: u64 = 86_400;
const CHINA_OFFSET_SECS: u64 = 8 * 3_600;
const HOUR_SECS: u64 = 3_600;

fn day_start(now: u64) -> u64 {
    (now + CHINA_OFFSET_SECS) / DAY_SECS * DAY_SECS - CHINA_OFFSET_SECS
}

fn hour_start(now: u64) -> u64 {
    now / HOUR_SECS * HOUR_SECS
}

/// A code about to be sent.
#[derive(Debug, Clone)]
pub struct SendInput {
    pub phone: PhoneNumber,
    pub purpose: Purpose,
    /// The caller's address, when known.
    pub source: Option<String>,
    pub code_hash: String,
    pub now: u64,
    pub limits: SmsLimits,
}

impl SendInput {
    fn keys(&self) -> Vec<Key> {
        let mut keys = vec![
            Key::sms_number(&self.phone),
            Key::sms_code(self.purpose.as_str(), &self.phone),
        ];
        keys.extend(self.source.as_deref().map(Key::sms_source));
        keys
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendDecision {
    /// Stored: send it now. `code_version` is the code item's, to withdraw it
    /// if the provider does not send.
    Send {
        code_version: u64,
    },
    /// Refused, with the seconds until it may be asked again.
    TooSoon {
        retry_after: u64,
    },
    DailyLimit {
        retry_after: u64,
    },
    SourceLimit {
        retry_after: u64,
    },
}

/// Decides whether the code may be sent; if so, stores its hash (replacing
/// any earlier code for the same number and purpose) and counts it.
pub fn send(snapshot: &Snapshot, input: &SendInput) -> Result<Step<SendDecision>, StoreError> {
    let unread = snapshot.unread(input.keys());
    if !unread.is_empty() {
        return Ok(Step::Read(unread));
    }
    let (now, limits) = (input.now, input.limits);
    let code_key = Key::sms_code(input.purpose.as_str(), &input.phone);
    // This request's own code, committed already: a retry of the commit whose
    // answer was lost (a timeout) found its own writes. It was stored: send it.
    if let Read::Present(Item::SmsCode(code)) = snapshot.exists(&code_key)
        && code.code_hash == input.code_hash
        && code.sent_at == now
    {
        return Ok(Step::Answer(SendDecision::Send {
            code_version: code.version,
        }));
    }
    let number_key = Key::sms_number(&input.phone);
    let number = limit_of(snapshot, &number_key)?;
    if let Some(last) = number.map(|n| n.last_at)
        && now < last + limits.resend_after_secs
    {
        return Ok(Step::Answer(SendDecision::TooSoon {
            retry_after: last + limits.resend_after_secs - now,
        }));
    }
    let today = day_start(now);
    if count_in(number, today) >= limits.per_number_per_day {
        return Ok(Step::Answer(SendDecision::DailyLimit {
            retry_after: today + DAY_SECS - now,
        }));
    }
    let mut writes = vec![limit_item(&number_key, number, today, DAY_SECS, now)];
    if let Some(source) = &input.source {
        let source_key = Key::sms_source(source);
        let counted = limit_of(snapshot, &source_key)?;
        let hour = hour_start(now);
        if count_in(counted, hour) >= limits.per_source_per_hour {
            return Ok(Step::Answer(SendDecision::SourceLimit {
                retry_after: hour + HOUR_SECS - now,
            }));
        }
        writes.push(limit_item(&source_key, counted, hour, HOUR_SECS, now));
    }
    let code_version = match snapshot.exists(&code_key) {
        Read::Present(Item::SmsCode(old)) => old.version + 1,
        _ => 1,
    };
    writes.push(Write::Put {
        key: code_key,
        item: Item::SmsCode(SmsCodeItem {
            code_hash: input.code_hash.clone(),
            sent_at: now,
            expires_at: now + limits.code_ttl_secs,
            attempts: 0,
            version: code_version,
        }),
        // Guarded by the number's count, which every send changes.
        guard: Guard::Always,
    });
    Ok(Step::Commit {
        writes,
        answer: SendDecision::Send { code_version },
    })
}

/// The write that withdraws a code the provider did not send.
pub fn withdraw(purpose: Purpose, phone: &PhoneNumber, code_version: u64) -> Write {
    Write::Delete {
        key: Key::sms_code(purpose.as_str(), phone),
        guard: Guard::Version(code_version),
    }
}

/// A code typed, to check.
#[derive(Debug, Clone)]
pub struct CheckInput {
    pub phone: PhoneNumber,
    pub purpose: Purpose,
    pub code_hash: String,
    pub now: u64,
    pub limits: SmsLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The code sent: it is used up now.
    Valid,
    /// Wrong, expired, used, or dead after too many wrong tries.
    Invalid,
}

/// Checks a typed code: the right one is used up (deleted); a wrong one counts
/// against the code, which dies after `max_attempts`.
pub fn check(snapshot: &Snapshot, input: &CheckInput) -> Result<Step<CheckOutcome>, StoreError> {
    let key = Key::sms_code(input.purpose.as_str(), &input.phone);
    let code = match snapshot.exists(&key) {
        Read::Unread => return Ok(Step::Read(vec![key])),
        Read::Present(Item::SmsCode(code)) => code,
        Read::Present(_) => return Err(StoreError::Corrupt(format!("{key:?} is not a code"))),
        Read::Absent => return Ok(Step::Answer(CheckOutcome::Invalid)),
    };
    if input.now >= code.expires_at || code.attempts >= input.limits.max_attempts {
        return Ok(Step::Answer(CheckOutcome::Invalid));
    }
    let guard = Guard::Version(code.version);
    let same = aws_lc_rs::constant_time::verify_slices_are_equal(
        code.code_hash.as_bytes(),
        input.code_hash.as_bytes(),
    );
    if same.is_ok() {
        return Ok(Step::Commit {
            writes: vec![Write::Delete { key, guard }],
            answer: CheckOutcome::Valid,
        });
    }
    let mut tried = code.clone();
    tried.attempts += 1;
    tried.version += 1;
    Ok(Step::Commit {
        writes: vec![Write::Put {
            key,
            item: Item::SmsCode(tried),
            guard,
        }],
        answer: CheckOutcome::Invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{apply, phone, settle};
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn send_input(source: Option<&str>, now: u64) -> SendInput {
        SendInput {
            phone: phone(1),
            purpose: Purpose::Login,
            source: source.map(str::to_owned),
            code_hash: "h1".into(),
            now,
            limits: SmsLimits::DEFAULT,
        }
    }

    /// Applies a step's writes to a snapshot, as a store would.
    fn sent(s: &mut Snapshot, input: &SendInput) -> SendDecision {
        settle(s, |s| send(s, input))
    }

    #[test]
    fn a_minute_between_sends_ten_a_day_and_a_bound_per_source() {
        let mut s = Snapshot::default();
        assert!(matches!(
            sent(&mut s, &send_input(Some("203.0.113.7"), NOW)),
            SendDecision::Send { .. }
        ));
        assert_eq!(
            sent(&mut s, &send_input(Some("203.0.113.7"), NOW + 30)),
            SendDecision::TooSoon { retry_after: 30 }
        );
        for i in 1..10 {
            assert!(
                matches!(
                    sent(&mut s, &send_input(None, NOW + 60 * i)),
                    SendDecision::Send { .. }
                ),
                "send {i}"
            );
        }
        // The same request deciding again after its own commit (an answer
        // lost and the commit retried) sends, rather than refuse itself.
        let mut again = send_input(None, NOW + 60 * 9);
        again.code_hash = "h1".into();
        assert!(matches!(sent(&mut s, &again), SendDecision::Send { .. }));
        let limited = sent(&mut s, &send_input(None, NOW + 600));
        assert!(
            matches!(limited, SendDecision::DailyLimit { .. }),
            "{limited:?}"
        );
        // The next day in China (UTC+8) it may send again.
        let tomorrow = day_start(NOW) + DAY_SECS;
        assert!(matches!(
            sent(&mut s, &send_input(None, tomorrow)),
            SendDecision::Send { .. }
        ));

        // One source, many numbers: bounded per hour.
        let mut s = Snapshot::default();
        for n in 0..SmsLimits::DEFAULT.per_source_per_hour {
            let mut input = send_input(Some("198.51.100.1"), NOW);
            input.phone = PhoneNumber::from_parts("86", &format!("1390000{n:04}")).unwrap();
            assert!(
                matches!(sent(&mut s, &input), SendDecision::Send { .. }),
                "{n}"
            );
        }
        let mut input = send_input(Some("198.51.100.1"), NOW);
        input.phone = PhoneNumber::from_parts("86", "13911112222").unwrap();
        assert!(matches!(
            sent(&mut s, &input),
            SendDecision::SourceLimit { .. }
        ));
    }

    fn check_input(hash: &str, now: u64) -> CheckInput {
        CheckInput {
            phone: phone(1),
            purpose: Purpose::Login,
            code_hash: hash.into(),
            now,
            limits: SmsLimits::DEFAULT,
        }
    }

    fn checked(s: &mut Snapshot, input: &CheckInput) -> CheckOutcome {
        match check(s, input).unwrap() {
            Step::Read(_) => unreachable!("read first"),
            Step::Commit { writes, answer } => {
                apply(s, &writes);
                answer
            }
            Step::Answer(answer) => answer,
        }
    }

    #[test]
    fn a_code_is_single_use_expires_and_dies_after_five_wrong_tries() {
        let mut s = Snapshot::default();
        sent(&mut s, &send_input(None, NOW));
        assert_eq!(
            checked(&mut s, &check_input("h1", NOW + 10)),
            CheckOutcome::Valid
        );
        assert_eq!(
            checked(&mut s, &check_input("h1", NOW + 11)),
            CheckOutcome::Invalid,
            "used"
        );

        let mut s = Snapshot::default();
        sent(&mut s, &send_input(None, NOW));
        assert_eq!(
            checked(&mut s, &check_input("h1", NOW + 300)),
            CheckOutcome::Invalid,
            "expired"
        );

        let mut s = Snapshot::default();
        sent(&mut s, &send_input(None, NOW));
        for _ in 0..5 {
            assert_eq!(
                checked(&mut s, &check_input("wrong", NOW + 1)),
                CheckOutcome::Invalid
            );
        }
        assert_eq!(
            checked(&mut s, &check_input("h1", NOW + 2)),
            CheckOutcome::Invalid,
            "dead"
        );

        // A new code replaces the old one; withdrawing it leaves none.
        let mut s = Snapshot::default();
        let SendDecision::Send { code_version } = sent(&mut s, &send_input(None, NOW)) else {
            panic!("sent");
        };
        let withdrawn = withdraw(Purpose::Login, &phone(1), code_version);
        assert_eq!(withdrawn.guard(), &Guard::Version(1));
        apply(&mut s, &[withdrawn]);
        assert_eq!(
            checked(&mut s, &check_input("h1", NOW + 1)),
            CheckOutcome::Invalid
        );
    }
}
