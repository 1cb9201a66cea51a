//! Setting a nickname the user typed: whose openid WeChat checks it under,
//! what the content policy makes of WeChat's verdict (or of its silence), and
//! storing it with its check state, guarded by the user's version.
//!
//! The policy (`CONTENT_CHECK`, `CONTENT_CHECK_REVIEW`):
//!
//! | WeChat says                          | strict                       | lenient              | off            |
//! |--------------------------------------|------------------------------|----------------------|----------------|
//! | `pass`                               | stored, `passed`             | stored, `passed`     | (not asked)    |
//! | `review`, review `accept`            | stored, `review` + label     | same                 |                |
//! | `review`, review `reject`            | rejected with the label      | same                 |                |
//! | `risky`                              | rejected with the label      | same                 |                |
//! | no verdict (busy, timeout, 61010, …) | unavailable: the error       | stored, `unchecked`  |                |
//! | no openid to check with              | unavailable                  | stored, `unchecked`  |                |
//! | not asked                            |                              |                      | stored, `off`  |

use super::session::{self, Account, SessionKeys};
use super::{Snapshot, Step};
use crate::domain::{
    AppId, CheckState, ContentCheck, ContentChecks, Identity, NickName, OpenId, Profile, Suggest,
    Verdict,
};
use crate::store::{Guard, Item, StoreError, UserItem, Write};

/// `CONTENT_CHECK`: whether what users type goes to WeChat's content check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CheckMode {
    /// Checked; without a verdict nothing is stored (the default).
    #[default]
    Strict,
    /// Checked; without a verdict it is stored anyway, marked `unchecked`.
    Lenient,
    /// Never sent to WeChat, stored marked `off` (tests, closed betas).
    Off,
}

/// `CONTENT_CHECK_REVIEW`: what a `review` verdict does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReviewPolicy {
    /// Stored, marked `review` with WeChat's label (the default).
    #[default]
    Accept,
    /// Refused like `risky`.
    Reject,
}

/// The content policy, from the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentPolicy {
    pub mode: CheckMode,
    pub review: ReviewPolicy,
}

impl ContentPolicy {
    /// Whether WeChat is asked at all.
    pub fn asks_wechat(&self) -> bool {
        self.mode != CheckMode::Off
    }
}

/// What the use case learnt from WeChat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Verdict(Verdict),
    /// WeChat gave no verdict (an error, no answer in time), or there was no
    /// openid to ask with.
    NoVerdict,
    /// WeChat was not asked (`CONTENT_CHECK=off`).
    NotAsked,
}

/// What becomes of the nickname.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Store(ContentCheck),
    /// Refused for WeChat's label; nothing is stored.
    Reject {
        label: u32,
    },
    /// No verdict and the policy is strict: nothing is stored.
    Unavailable,
}

/// The policy applied to what WeChat said, at `now`.
pub fn judge(policy: &ContentPolicy, checked: &Checked, now: u64) -> Judgement {
    let store = |state, label| {
        Judgement::Store(ContentCheck {
            state,
            label,
            at: now,
        })
    };
    match *checked {
        Checked::NotAsked => store(CheckState::Off, None),
        Checked::Verdict(Verdict {
            suggest: Suggest::Pass,
            ..
        }) => store(CheckState::Passed, None),
        Checked::Verdict(Verdict {
            suggest: Suggest::Review,
            label,
        }) => match policy.review {
            ReviewPolicy::Accept => store(CheckState::Review, Some(label)),
            ReviewPolicy::Reject => Judgement::Reject { label },
        },
        Checked::Verdict(Verdict {
            suggest: Suggest::Risky,
            label,
        }) => Judgement::Reject { label },
        Checked::NoVerdict => match policy.mode {
            CheckMode::Strict => Judgement::Unavailable,
            CheckMode::Lenient => store(CheckState::Unchecked, None),
            CheckMode::Off => store(CheckState::Off, None),
        },
    }
}

/// The WeChat identity a nickname is checked under: the session's own when
/// it is a WeChat session; for a number's session (SMS, password), the
/// user's identity in the first of the configured `apps` it has one in;
/// `None` when it has none.
pub fn checked_as(session: &Identity, user: &UserItem, apps: &[AppId]) -> Option<(AppId, OpenId)> {
    if let Identity::WeChat { appid, openid } = session {
        return Some((appid.clone(), openid.clone()));
    }
    apps.iter().find_map(|app| {
        user.identities
            .iter()
            .filter(|r| r.is_in(app))
            .find_map(|r| match r.identity()? {
                Identity::WeChat { appid, openid } => Some((appid, openid)),
                Identity::Phone(_) => None,
            })
    })
}

/// The nickname to store, and its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicknameInput {
    pub nick_name: NickName,
    pub check: ContentCheck,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NicknameOutcome {
    Stored {
        profile: Profile,
        checks: ContentChecks,
    },
    /// The token's session has ended.
    SessionEnded,
}

/// Stores the nickname and its check on the caller's user, guarded by the
/// version read; the same nickname with the same verdict writes nothing.
pub fn decide(
    snapshot: &Snapshot,
    keys: &SessionKeys,
    input: &NicknameInput,
) -> Result<Step<NicknameOutcome>, StoreError> {
    let user = match session::account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(NicknameOutcome::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    let same = |stored: &ContentCheck| {
        (stored.state, stored.label) == (input.check.state, input.check.label)
    };
    if user.profile.nick_name.as_deref() == Some(input.nick_name.as_str())
        && user.checks.nick_name.as_ref().is_some_and(same)
    {
        return Ok(Step::Answer(NicknameOutcome::Stored {
            profile: user.profile.clone(),
            checks: user.checks,
        }));
    }
    let mut stored = user.clone();
    stored.profile.nick_name = Some(input.nick_name.as_str().to_owned());
    stored.checks.nick_name = Some(input.check);
    stored.version += 1;
    Ok(Step::Commit {
        writes: vec![Write::Put {
            key: keys.user.clone(),
            item: Item::User(stored.clone()),
            guard: Guard::Version(user.version),
        }],
        answer: NicknameOutcome::Stored {
            profile: stored.profile,
            checks: stored.checks,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn policy(mode: CheckMode, review: ReviewPolicy) -> ContentPolicy {
        ContentPolicy { mode, review }
    }

    fn verdict(suggest: Suggest, label: u32) -> Checked {
        Checked::Verdict(Verdict { suggest, label })
    }

    fn stored(state: CheckState, label: Option<u32>) -> Judgement {
        Judgement::Store(ContentCheck {
            state,
            label,
            at: 7,
        })
    }

    #[test]
    fn the_policy_table() {
        use CheckMode::*;
        use ReviewPolicy::*;
        for mode in [Strict, Lenient] {
            let accept = policy(mode, Accept);
            let reject = policy(mode, Reject);
            let j = |p: &ContentPolicy, c: Checked| judge(p, &c, 7);
            assert_eq!(
                j(&accept, verdict(Suggest::Pass, 100)),
                stored(CheckState::Passed, None)
            );
            assert_eq!(
                j(&accept, verdict(Suggest::Review, 10001)),
                stored(CheckState::Review, Some(10001))
            );
            assert_eq!(
                j(&reject, verdict(Suggest::Review, 10001)),
                Judgement::Reject { label: 10001 }
            );
            for p in [&accept, &reject] {
                assert_eq!(
                    j(p, verdict(Suggest::Risky, 20001)),
                    Judgement::Reject { label: 20001 }
                );
            }
        }
        assert_eq!(
            judge(&policy(Strict, Accept), &Checked::NoVerdict, 7),
            Judgement::Unavailable
        );
        assert_eq!(
            judge(&policy(Lenient, Accept), &Checked::NoVerdict, 7),
            stored(CheckState::Unchecked, None)
        );
        assert_eq!(
            judge(&policy(Off, Reject), &Checked::NotAsked, 7),
            stored(CheckState::Off, None)
        );
        assert!(!policy(Off, Accept).asks_wechat());
        assert!(ContentPolicy::default().asks_wechat());
        assert_eq!(ContentPolicy::default(), policy(Strict, Accept));
    }

    #[test]
    fn a_number_session_is_checked_under_the_users_wechat_identity() {
        let u = user(&[1, 2], 1);
        let phone = Identity::Phone(phone(1));
        assert_eq!(
            checked_as(&phone, &u, &[appid()]),
            Some((appid(), openid(1)))
        );
        let other = AppId::parse("wxOther").unwrap();
        assert_eq!(checked_as(&phone, &u, std::slice::from_ref(&other)), None);
        assert_eq!(checked_as(&phone, &user(&[], 1), &[appid()]), None);
        // A WeChat session is checked as itself.
        let own = Identity::wechat(&appid(), &openid(2));
        assert_eq!(checked_as(&own, &u, &[other]), Some((appid(), openid(2))));
    }

    #[test]
    fn the_nickname_is_stored_with_its_check_guarded_by_the_version() {
        let keys = session(1, 1);
        let s = read_account(&keys, Some(identity(1)), Some(user(&[1], 3)));
        let input = NicknameInput {
            nick_name: NickName::parse("小明").unwrap(),
            check: ContentCheck {
                state: CheckState::Review,
                label: Some(10001),
                at: 9,
            },
        };
        let Step::Commit { writes, answer } = decide(&s, &keys, &input).unwrap() else {
            panic!("a write");
        };
        let Write::Put {
            item: Item::User(written),
            guard,
            ..
        } = &writes[0]
        else {
            panic!("the user");
        };
        assert_eq!(guard, &Guard::Version(3));
        assert_eq!(written.version, 4);
        assert_eq!(written.profile.nick_name.as_deref(), Some("小明"));
        assert_eq!(written.checks.nick_name, Some(input.check));
        assert_eq!(
            answer,
            NicknameOutcome::Stored {
                profile: written.profile.clone(),
                checks: written.checks,
            }
        );
        // The same nickname and verdict again: nothing to write.
        let s = read_account(&keys, Some(identity(1)), Some(written.clone()));
        let again = NicknameInput {
            check: ContentCheck {
                at: 10,
                ..input.check
            },
            ..input.clone()
        };
        assert!(matches!(
            decide(&s, &keys, &again).unwrap(),
            Step::Answer(NicknameOutcome::Stored { .. })
        ));
        // Another verdict on it is written.
        let passed = NicknameInput {
            check: ContentCheck {
                state: CheckState::Passed,
                label: None,
                at: 11,
            },
            ..input.clone()
        };
        assert!(matches!(
            decide(&s, &keys, &passed).unwrap(),
            Step::Commit { .. }
        ));
        // An ended session stores nothing.
        let s = read_account(&keys, None, Some(user(&[1], 3)));
        assert_eq!(
            decide(&s, &keys, &input).unwrap(),
            Step::Answer(NicknameOutcome::SessionEnded)
        );
    }
}
