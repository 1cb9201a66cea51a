//! Avatars the user uploads: the upload that waits for WeChat's asynchronous
//! check, the verdict that arrives later on the push endpoint (or not at
//! all), and which images no item names any more.
//!
//! A user item keeps two avatars (`store::Avatars`): the one the profile
//! shows, and the latest upload while it is `pending` (or after it was
//! `refused`). The verdict decides by the same policy as nicknames
//! (`nickname::judge`): `pass` (and `review` under `accept`) makes the upload
//! the profile's avatar; `risky` (and `review` under `reject`) refuses it; no
//! verdict (WeChat's `errcode`, or none within the deadline) refuses it under
//! `strict` and shows it, marked `unchecked`, under `lenient`.
//!
//! WeChat may push its verdict before the upload's commit (it fetches the
//! image as soon as it has answered the `trace_id`): both sides meet at the
//! `MEDIA#{trace_id}` item, whichever comes second applies the verdict.

use super::nickname::{self, Checked, ContentPolicy, Judgement};
use super::session::{self, Account, SessionKeys};
use super::{Read, Snapshot, Step};
use crate::domain::{AvatarKey, AvatarState, ContentCheck, TraceId, UploadedAvatar, UserId};
use crate::store::{Guard, Item, Key, MediaCheckItem, PushedVerdict, StoreError, UserItem, Write};

/// How long a `MEDIA#` item is kept (the table's TTL removes it then):
/// well past WeChat's documented 30 minutes and its retries.
pub const MEDIA_CHECK_KEPT_SECS: u64 = 7 * 24 * 3600;

/// The content policy, and how long a verdict may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvatarPolicy {
    pub content: ContentPolicy,
    /// Seconds after the upload from which a pending avatar is decided as
    /// though WeChat gave no verdict (`AVATAR_CHECK_TIMEOUT`).
    pub verdict_within: u64,
}

impl Default for AvatarPolicy {
    fn default() -> Self {
        Self {
            content: ContentPolicy::default(),
            // WeChat documents its verdict within 30 minutes.
            verdict_within: 30 * 60,
        }
    }
}

impl From<PushedVerdict> for Checked {
    fn from(verdict: PushedVerdict) -> Self {
        match verdict {
            PushedVerdict::Verdict(verdict) => Checked::Verdict(verdict),
            PushedVerdict::NoVerdict { .. } => Checked::NoVerdict,
        }
    }
}

/// The user as the deadline leaves it: a pending upload whose verdict is
/// overdue is decided as though WeChat gave none. Every reader and writer of
/// avatars starts from this, so the deadline needs no timer.
pub fn settled(user: &UserItem, now: u64, policy: &AvatarPolicy) -> UserItem {
    let mut user = user.clone();
    let overdue = user.avatars.upload.as_ref().is_some_and(|upload| {
        upload.state == AvatarState::Pending
            && now >= upload.at.saturating_add(policy.verdict_within)
    });
    if overdue {
        decide_pending(&mut user, &Checked::NoVerdict, now, &policy.content);
    }
    user
}

/// The avatar the account reports: the latest upload while it is pending or
/// refused, else the one shown.
pub fn latest(user: &UserItem) -> Option<&UploadedAvatar> {
    user.avatars.upload.as_ref().or(user.avatars.shown.as_ref())
}

/// Decides the pending upload by `checked`.
fn decide_pending(user: &mut UserItem, checked: &Checked, now: u64, policy: &ContentPolicy) {
    let Some(mut upload) = user.avatars.upload.take() else {
        return;
    };
    match nickname::judge(policy, checked, now) {
        Judgement::Store(check) => show(user, upload, check),
        Judgement::Reject { label } => {
            upload.state = AvatarState::Refused;
            upload.label = Some(label);
            user.avatars.upload = Some(upload);
        }
        Judgement::Unavailable => {
            upload.state = AvatarState::Refused;
            upload.label = None;
            user.avatars.upload = Some(upload);
        }
    }
}

/// Makes `avatar` the profile's.
fn show(user: &mut UserItem, mut avatar: UploadedAvatar, check: ContentCheck) {
    avatar.state = AvatarState::Active;
    avatar.check = Some(check);
    avatar.label = None;
    user.profile.avatar_url = Some(avatar.url.clone());
    user.checks.avatar = Some(check);
    user.avatars.shown = Some(avatar);
}

/// A verdict on the avatar shown, which came after the deadline had shown it
/// unchecked (`lenient`): a pass marks it checked, a refusal takes it down.
fn decide_shown(user: &mut UserItem, checked: &Checked, now: u64, policy: &ContentPolicy) {
    let Some(mut shown) = user.avatars.shown.take() else {
        return;
    };
    match nickname::judge(policy, checked, now) {
        Judgement::Store(check) => show(user, shown, check),
        // No verdict again: it stays as it was.
        Judgement::Unavailable => user.avatars.shown = Some(shown),
        Judgement::Reject { label } => {
            if user.profile.avatar_url.as_deref() == Some(shown.url.as_str()) {
                user.profile.avatar_url = None;
            }
            user.checks.avatar = None;
            shown.state = AvatarState::Refused;
            shown.check = None;
            shown.label = Some(label);
            if user.avatars.upload.is_none() {
                user.avatars.upload = Some(shown);
            }
        }
    }
}

/// Applies WeChat's verdict on `trace` to whichever of the user's avatars it
/// is about; `false` when it is about neither (a later upload replaced it).
fn apply_verdict(
    user: &mut UserItem,
    trace: &TraceId,
    checked: &Checked,
    now: u64,
    policy: &ContentPolicy,
) -> bool {
    let is_it = |a: &Option<UploadedAvatar>| {
        a.as_ref()
            .is_some_and(|a| a.trace_id.as_ref() == Some(trace))
    };
    if is_it(&user.avatars.upload) {
        // A refused upload stays refused: its image is gone.
        if user.avatars.upload.as_ref().map(|u| u.state) == Some(AvatarState::Pending) {
            decide_pending(user, checked, now, policy);
        }
        true
    } else if is_it(&user.avatars.shown) {
        let unchecked = user
            .avatars
            .shown
            .as_ref()
            .and_then(|s| s.check)
            .is_some_and(|c| c.state == crate::domain::CheckState::Unchecked);
        if unchecked {
            decide_shown(user, checked, now, policy);
        }
        true
    } else {
        false
    }
}

/// The images `before` named that `after` no longer does (plus `extra`,
/// an image no item named yet): the use case deletes them.
fn retired(before: &UserItem, extra: Option<&AvatarKey>, after: &UserItem) -> Vec<AvatarKey> {
    let still = after.avatars.keys();
    let mut gone: Vec<AvatarKey> = Vec::new();
    for key in before.avatars.keys().into_iter().chain(extra) {
        if !still.contains(&key) && !gone.contains(key) {
            gone.push(key.clone());
        }
    }
    gone
}

/// The user's item written back, guarded by the version read; nothing when
/// nothing changed.
fn user_write(key: Key, read: &UserItem, mut next: UserItem) -> Option<Write> {
    if &next == read {
        return None;
    }
    next.version = read.version + 1;
    Some(Write::Put {
        key,
        item: Item::User(next),
        guard: Guard::Version(read.version),
    })
}

/// How the upload was checked, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadCheck {
    /// Sent to WeChat's asynchronous check: pending until the verdict.
    Asked(TraceId),
    /// Decided already (`off`; `lenient` when WeChat could not be asked).
    Settled(ContentCheck),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInput {
    pub key: AvatarKey,
    pub url: String,
    pub check: UploadCheck,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOutcome {
    /// The upload as it now stands (pending; active; refused, when WeChat's
    /// verdict had come first), and the images no item names any more.
    Stored {
        avatar: UploadedAvatar,
        retired: Vec<AvatarKey>,
    },
    /// The token's session has ended.
    SessionEnded,
}

/// Stores an upload on the caller's user: shown at once when it is settled,
/// else pending, with its `MEDIA#` item (or decided at once by the verdict
/// already waiting there).
pub fn upload(
    snapshot: &Snapshot,
    keys: &SessionKeys,
    input: &UploadInput,
    policy: &AvatarPolicy,
) -> Result<Step<UploadOutcome>, StoreError> {
    let read = match session::account(snapshot, keys)? {
        Account::Unread(keys) => return Ok(Step::Read(keys)),
        Account::Ended => return Ok(Step::Answer(UploadOutcome::SessionEnded)),
        Account::Live { user, .. } => user,
    };
    let now = keys.now;
    let mut user = settled(read, now, policy);
    let mut avatar = UploadedAvatar {
        key: input.key.clone(),
        url: input.url.clone(),
        state: AvatarState::Pending,
        trace_id: None,
        check: None,
        label: None,
        at: now,
    };
    let mut writes = Vec::new();
    match &input.check {
        UploadCheck::Settled(check) => {
            show(&mut user, avatar, *check);
            user.avatars.upload = None;
        }
        UploadCheck::Asked(trace) => {
            let media_key = Key::media_check(trace);
            avatar.trace_id = Some(trace.clone());
            user.avatars.upload = Some(avatar);
            let mut media = MediaCheckItem {
                user_id: Some(keys.user_id.clone()),
                avatar_key: Some(input.key.clone()),
                verdict: None,
                expires_at: now + MEDIA_CHECK_KEPT_SECS,
            };
            let guard = match snapshot.media_check(&media_key)? {
                Read::Unread => return Ok(Step::Read(vec![media_key])),
                Read::Absent => Guard::Absent,
                Read::Present(item) if item.user_id.is_some() => {
                    return Err(StoreError::Corrupt(format!(
                        "{media_key:?} is already an upload's"
                    )));
                }
                // WeChat's verdict came first: it decides now.
                Read::Present(item) => {
                    if let Some(verdict) = item.verdict {
                        decide_pending(&mut user, &verdict.into(), now, &policy.content);
                    }
                    media.verdict = item.verdict;
                    media.expires_at = item.expires_at;
                    Guard::Exists
                }
            };
            writes.push(Write::Put {
                key: media_key,
                item: Item::MediaCheck(media),
                guard,
            });
        }
    }
    // From the stored user: an image the deadline refused goes at this write.
    let retired = retired(read, Some(&input.key), &user);
    let avatar = latest(&user)
        .cloned()
        .ok_or_else(|| StoreError::Corrupt("an upload left no avatar".into()))?;
    writes.extend(user_write(keys.user.clone(), read, user));
    Ok(Step::Commit {
        writes,
        answer: UploadOutcome::Stored { avatar, retired },
    })
}

/// What a `wxa_media_check` push came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Applied to the user's avatar, which is now in `state`.
    Applied {
        user_id: UserId,
        state: AvatarState,
        retired: Vec<AvatarKey>,
    },
    /// Before the upload's commit: kept for it.
    Early,
    /// This verdict was applied already (WeChat retried, or a replay).
    Duplicate,
    /// About an avatar a later upload replaced, or of a deleted user.
    Stale { retired: Vec<AvatarKey> },
}

/// Applies WeChat's verdict on `trace`.
pub fn push(
    snapshot: &Snapshot,
    trace: &TraceId,
    verdict: PushedVerdict,
    now: u64,
    policy: &AvatarPolicy,
) -> Result<Step<PushOutcome>, StoreError> {
    let media_key = Key::media_check(trace);
    let item = match snapshot.media_check(&media_key)? {
        Read::Unread => return Ok(Step::Read(vec![media_key])),
        Read::Absent => {
            return Ok(Step::Commit {
                writes: vec![Write::Put {
                    key: media_key,
                    item: Item::MediaCheck(MediaCheckItem {
                        user_id: None,
                        avatar_key: None,
                        verdict: Some(verdict),
                        expires_at: now + MEDIA_CHECK_KEPT_SECS,
                    }),
                    guard: Guard::Absent,
                }],
                answer: PushOutcome::Early,
            });
        }
        Read::Present(item) => item,
    };
    let (None, Some(user_id), Some(avatar_key)) = (&item.verdict, &item.user_id, &item.avatar_key)
    else {
        return Ok(Step::Answer(PushOutcome::Duplicate));
    };
    // Marked decided in the same commit, so a second push finds it so.
    let marked = Write::Put {
        key: media_key.clone(),
        item: Item::MediaCheck(MediaCheckItem {
            verdict: Some(verdict),
            ..item.clone()
        }),
        guard: Guard::Exists,
    };
    let user_key = Key::user(user_id);
    let read = match snapshot.user(&user_key)? {
        Read::Unread => return Ok(Step::Read(vec![user_key])),
        Read::Absent => {
            return Ok(Step::Commit {
                writes: vec![marked],
                answer: PushOutcome::Stale {
                    retired: vec![avatar_key.clone()],
                },
            });
        }
        Read::Present(user) => user,
    };
    let mut user = settled(read, now, policy);
    let current = apply_verdict(&mut user, trace, &verdict.into(), now, &policy.content);
    let retired = retired(read, Some(avatar_key), &user);
    let answer = match (current, latest(&user)) {
        (true, Some(avatar)) => PushOutcome::Applied {
            user_id: user_id.clone(),
            state: avatar.state,
            retired,
        },
        _ => PushOutcome::Stale { retired },
    };
    let mut writes: Vec<Write> = user_write(user_key, read, user).into_iter().collect();
    writes.push(marked);
    Ok(Step::Commit { writes, answer })
}

#[cfg(test)]
mod tests;
