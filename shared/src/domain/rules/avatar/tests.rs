use super::super::fixtures::*;
use super::*;
use crate::domain::rules::nickname::{CheckMode, ReviewPolicy};
use crate::domain::{CheckState, Suggest, Verdict};

fn image(n: u8) -> AvatarKey {
    AvatarKey::parse(&format!("avatars/{}/{:032x}.png", user_id(1), n)).unwrap()
}

fn url(n: u8) -> String {
    format!("https://api.example.com/{}", image(n))
}

fn trace(n: u8) -> TraceId {
    TraceId::parse(&format!("trace-{n}")).unwrap()
}

fn policy(mode: CheckMode) -> AvatarPolicy {
    AvatarPolicy {
        content: ContentPolicy {
            mode,
            review: ReviewPolicy::Accept,
        },
        verdict_within: 100,
    }
}

fn verdict(suggest: Suggest, label: u32) -> PushedVerdict {
    PushedVerdict::Verdict(Verdict { suggest, label })
}

/// A snapshot with user 1 logged in, at `now`.
fn account(now: u64) -> (SessionKeys, Snapshot) {
    let mut keys = session(1, 1);
    keys.now = now;
    let s = read_account(&keys, Some(identity(1)), Some(user(&[1], 1)));
    (keys, s)
}

fn stored_user(s: &Snapshot) -> UserItem {
    match s.user(&Key::user(&user_id(1))).unwrap() {
        Read::Present(user) => user.clone(),
        _ => panic!("no user"),
    }
}

fn asked(n: u8) -> UploadInput {
    UploadInput {
        key: image(n),
        url: url(n),
        check: UploadCheck::Asked(trace(n)),
    }
}

fn stored(outcome: UploadOutcome) -> (UploadedAvatar, Vec<AvatarKey>) {
    match outcome {
        UploadOutcome::Stored { avatar, retired } => (avatar, retired),
        UploadOutcome::SessionEnded => panic!("session ended"),
    }
}

#[test]
fn an_upload_waits_for_the_verdict_then_becomes_the_profiles() {
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    let (avatar, retired) = stored(settle(&mut s, |s| upload(s, &keys, &asked(1), &p)));
    assert_eq!(avatar.state, AvatarState::Pending);
    assert!(retired.is_empty());
    let user = stored_user(&s);
    assert_eq!(user.profile.avatar_url, None, "not shown while pending");
    assert_eq!(user.version, 2);

    let outcome = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Pass, 100), 20, &p)
    });
    assert!(matches!(
        outcome,
        PushOutcome::Applied { state: AvatarState::Active, ref retired, .. } if retired.is_empty()
    ));
    let user = stored_user(&s);
    assert_eq!(user.profile.avatar_url, Some(url(1)));
    assert_eq!(
        user.checks.avatar.map(|c| c.state),
        Some(CheckState::Passed)
    );
    assert_eq!(user.avatars.upload, None);
    // WeChat's retry of the same push changes nothing.
    let again = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Risky, 20002), 21, &p)
    });
    assert_eq!(again, PushOutcome::Duplicate);
    assert_eq!(stored_user(&s), user);
}

#[test]
fn a_risky_upload_is_refused_and_its_image_retired_while_the_old_one_stays() {
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Pass, 100), 11, &p)
    });
    settle(&mut s, |s| upload(s, &keys, &asked(2), &p));
    let outcome = settle(&mut s, |s| {
        push(s, &trace(2), verdict(Suggest::Risky, 20002), 12, &p)
    });
    assert_eq!(
        outcome,
        PushOutcome::Applied {
            user_id: user_id(1),
            state: AvatarState::Refused,
            retired: vec![image(2)],
        }
    );
    let user = stored_user(&s);
    assert_eq!(
        user.profile.avatar_url,
        Some(url(1)),
        "the previous avatar stays"
    );
    let refused = user.avatars.upload.unwrap();
    assert_eq!(
        (refused.state, refused.label),
        (AvatarState::Refused, Some(20002))
    );
}

#[test]
fn a_verdict_that_overtakes_the_upload_decides_it_at_once() {
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    let early = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Risky, 20001), 10, &p)
    });
    assert_eq!(early, PushOutcome::Early);
    let (avatar, retired) = stored(settle(&mut s, |s| upload(s, &keys, &asked(1), &p)));
    assert_eq!(
        (avatar.state, avatar.label),
        (AvatarState::Refused, Some(20001))
    );
    assert_eq!(retired, vec![image(1)]);
    // WeChat's retry now finds it decided.
    let again = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Risky, 20001), 11, &p)
    });
    assert_eq!(again, PushOutcome::Duplicate);

    let (keys, mut s) = account(10);
    settle(&mut s, |s| {
        push(s, &trace(3), verdict(Suggest::Pass, 100), 10, &p)
    });
    let (avatar, _) = stored(settle(&mut s, |s| upload(s, &keys, &asked(3), &p)));
    assert_eq!(avatar.state, AvatarState::Active);
    assert_eq!(stored_user(&s).profile.avatar_url, Some(url(3)));
}

#[test]
fn no_verdict_in_time_is_decided_by_the_policy() {
    // Strict: refused once the deadline has passed, not before.
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    let user = stored_user(&s);
    assert_eq!(
        latest(&settled(&user, 109, &p)).unwrap().state,
        AvatarState::Pending
    );
    let late = settled(&user, 110, &p);
    assert_eq!(latest(&late).unwrap().state, AvatarState::Refused);
    assert_eq!(late.profile.avatar_url, None);
    // A verdict after a strict refusal does not bring the image back.
    let outcome = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Pass, 100), 200, &p)
    });
    assert!(matches!(
        outcome,
        PushOutcome::Applied {
            state: AvatarState::Refused,
            ..
        }
    ));

    // Lenient: shown unchecked; a late risky verdict takes it down.
    let p = policy(CheckMode::Lenient);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    let shown = settled(&stored_user(&s), 110, &p);
    assert_eq!(shown.profile.avatar_url, Some(url(1)));
    assert_eq!(
        shown.checks.avatar.map(|c| c.state),
        Some(CheckState::Unchecked)
    );
    let outcome = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Risky, 20002), 300, &p)
    });
    assert_eq!(
        outcome,
        PushOutcome::Applied {
            user_id: user_id(1),
            state: AvatarState::Refused,
            retired: vec![image(1)],
        }
    );
    let user = stored_user(&s);
    assert_eq!(user.profile.avatar_url, None);
    assert_eq!(user.checks.avatar, None);
}

#[test]
fn an_errcode_instead_of_a_verdict_is_no_verdict() {
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    let failed = PushedVerdict::NoVerdict { errcode: -1008 };
    let outcome = settle(&mut s, |s| push(s, &trace(1), failed, 11, &p));
    assert!(matches!(
        outcome,
        PushOutcome::Applied {
            state: AvatarState::Refused,
            ..
        }
    ));

    let p = policy(CheckMode::Lenient);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    let outcome = settle(&mut s, |s| push(s, &trace(1), failed, 11, &p));
    assert!(matches!(
        outcome,
        PushOutcome::Applied {
            state: AvatarState::Active,
            ..
        }
    ));
    assert_eq!(
        stored_user(&s).checks.avatar.map(|c| c.state),
        Some(CheckState::Unchecked)
    );
}

#[test]
fn a_later_upload_retires_the_pending_one_and_its_verdict_is_stale() {
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    let (_, retired) = stored(settle(&mut s, |s| upload(s, &keys, &asked(2), &p)));
    assert_eq!(retired, vec![image(1)]);
    let outcome = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Pass, 100), 12, &p)
    });
    assert_eq!(
        outcome,
        PushOutcome::Stale {
            retired: vec![image(1)]
        }
    );
    assert_eq!(stored_user(&s).avatars.upload.unwrap().key, image(2));
}

#[test]
fn a_settled_upload_is_shown_at_once_and_retires_the_previous_image() {
    let p = policy(CheckMode::Off);
    let (keys, mut s) = account(10);
    let off = |n: u8| UploadInput {
        key: image(n),
        url: url(n),
        check: UploadCheck::Settled(ContentCheck {
            state: CheckState::Off,
            label: None,
            at: 10,
        }),
    };
    let (avatar, retired) = stored(settle(&mut s, |s| upload(s, &keys, &off(1), &p)));
    assert_eq!((avatar.state, retired.len()), (AvatarState::Active, 0));
    let (_, retired) = stored(settle(&mut s, |s| upload(s, &keys, &off(2), &p)));
    assert_eq!(retired, vec![image(1)]);
    // The same image again retires nothing.
    let (_, retired) = stored(settle(&mut s, |s| upload(s, &keys, &off(2), &p)));
    assert!(retired.is_empty());
    assert_eq!(stored_user(&s).profile.avatar_url, Some(url(2)));
}

#[test]
fn a_verdict_for_a_deleted_user_retires_its_image() {
    let p = policy(CheckMode::Strict);
    let (keys, mut s) = account(10);
    settle(&mut s, |s| upload(s, &keys, &asked(1), &p));
    s.set(Key::user(&user_id(1)), None);
    let outcome = settle(&mut s, |s| {
        push(s, &trace(1), verdict(Suggest::Pass, 100), 12, &p)
    });
    assert_eq!(
        outcome,
        PushOutcome::Stale {
            retired: vec![image(1)]
        }
    );
}

#[test]
fn an_ended_session_uploads_nothing() {
    let p = policy(CheckMode::Strict);
    let keys = session(1, 1);
    let s = read_account(&keys, None, Some(user(&[1], 1)));
    assert_eq!(
        upload(&s, &keys, &asked(1), &p).unwrap(),
        Step::Answer(UploadOutcome::SessionEnded)
    );
}

/// One thing that happens to user 1's avatars.
#[derive(Debug, Clone)]
enum Op {
    /// An upload of image `n`, sent to WeChat (trace `n`·`round`) or settled at once.
    Upload {
        image: u8,
        asked: bool,
    },
    /// WeChat's verdict on the `k`-th upload asked so far (any order, twice, early).
    Push {
        of: usize,
        suggest: u8,
    },
    /// A verdict for a trace no upload has yet (it may come later).
    Early {
        image: u8,
        suggest: u8,
    },
    Wait(u64),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        (0u8..4, any::<bool>()).prop_map(|(image, asked)| Op::Upload { image, asked }),
        (0usize..6, 0u8..4).prop_map(|(of, suggest)| Op::Push { of, suggest }),
        (0u8..4, 0u8..4).prop_map(|(image, suggest)| Op::Early { image, suggest }),
        (0u64..150).prop_map(Op::Wait),
    ]
}

fn pushed(suggest: u8) -> PushedVerdict {
    match suggest {
        0 => verdict(Suggest::Pass, 100),
        1 => verdict(Suggest::Review, 10001),
        2 => verdict(Suggest::Risky, 20002),
        _ => PushedVerdict::NoVerdict { errcode: -1008 },
    }
}

proptest::proptest! {
    /// Whatever the order of uploads, verdicts (early, late, repeated) and
    /// deadlines: no image the user's items keep is ever retired (deleted),
    /// the profile shows the shown avatar, and a refused or superseded
    /// image is retired once nothing names it.
    #[test]
    fn images_are_retired_only_when_nothing_keeps_them(
        ops in proptest::collection::vec(op(), 1..25),
        lenient in proptest::prelude::any::<bool>(),
    ) {
        let p = policy(if lenient { CheckMode::Lenient } else { CheckMode::Strict });
        let (mut keys, mut s) = account(10);
        // Images stored and not deleted since.
        let mut live: Vec<AvatarKey> = Vec::new();
        let mut traces: Vec<TraceId> = Vec::new();
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Op::Upload { image: n, asked } => {
                    if !live.contains(&image(n)) {
                        live.push(image(n));
                    }
                    let check = if asked {
                        let t = TraceId::parse(&format!("t{i}")).unwrap();
                        traces.push(t.clone());
                        UploadCheck::Asked(t)
                    } else {
                        UploadCheck::Settled(ContentCheck { state: CheckState::Off, label: None, at: keys.now })
                    };
                    let input = UploadInput { key: image(n), url: url(n), check };
                    let (_, retired) = stored(settle(&mut s, |s| upload(s, &keys, &input, &p)));
                    live.retain(|k| !retired.contains(k));
                }
                Op::Push { of, suggest } => {
                    let Some(t) = traces.get(of).cloned() else { continue };
                    let now = keys.now;
                    let retired = match settle(&mut s, |s| push(s, &t, pushed(suggest), now, &p)) {
                        PushOutcome::Applied { retired, .. } | PushOutcome::Stale { retired } => retired,
                        PushOutcome::Early | PushOutcome::Duplicate => Vec::new(),
                    };
                    live.retain(|k| !retired.contains(k));
                }
                Op::Early { image: n, suggest } => {
                    // A verdict for the trace the next asked upload gets.
                    let t = TraceId::parse(&format!("t{}", i + 1)).unwrap();
                    let now = keys.now;
                    settle(&mut s, |s| push(s, &t, pushed(suggest), now, &p));
                    let _ = n;
                }
                // The clock stays within the fixture session's life (it
                // started at 1 and ends a refresh TTL later, unrefreshed):
                // enough waits ended it, and an ended session is not what
                // this property is about.
                Op::Wait(secs) => {
                    keys.now = (keys.now + secs).min(super::super::fixtures::policy().refresh_ttl_secs)
                }
            }
            let user = settled(&stored_user(&s), keys.now, &p);
            for kept in user.avatars.keys() {
                proptest::prop_assert!(live.contains(kept), "{kept:?} is kept but was deleted");
            }
            if let Some(shown) = &user.avatars.shown {
                proptest::prop_assert_eq!(user.profile.avatar_url.as_deref(), Some(shown.url.as_str()));
                proptest::prop_assert_eq!(shown.state, AvatarState::Active);
                proptest::prop_assert_eq!(user.checks.avatar, shown.check);
            }
            if let Some(upload) = &user.avatars.upload {
                proptest::prop_assert!(upload.state != AvatarState::Active);
            }
        }
    }
}
