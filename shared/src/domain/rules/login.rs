//! Who a login is: a returning identity keeps its user (latest session_key
//! wins) and links a unionId it did not have when nobody else holds it; a new
//! openid joins the user holding its unionId; a new openid with a number from
//! the phone button joins the user holding that number when that user has no
//! openid in this mini-program yet (a phone-first account), is refused when it
//! has one, and otherwise becomes a new user holding both; otherwise it is a
//! new user, created once however many first logins race (every item put only
//! if absent).

use super::password::{PasswordProof, StillProven, still_proven};
use super::{Read, Snapshot, Step, carry_union, claim};
use crate::domain::{
    AppId, OpenId, PasswordHash, PhoneNumber, Profile, Session, SessionKey, UnionId, UserId,
};
use crate::store::{
    Guard, IdentityItem, IdentityPatch, IdentityRef, Item, Key, StoreError, UserItem, Write,
};

/// Who may become a new user by WeChat login alone (`REGISTRATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Registration {
    /// Any new openid becomes a new user.
    #[default]
    Open,
    /// A new openid needs a number: the phone button's code, or an SMS or
    /// password login that redeems the login ticket it gets instead.
    PhoneRequired,
}

/// A successful `jscode2session`, to be recorded.
#[derive(Debug, Clone)]
pub struct LoginInput {
    pub appid: AppId,
    pub openid: OpenId,
    pub unionid: Option<UnionId>,
    pub session_key: SessionKey,
    /// Unix seconds.
    pub now: u64,
    /// The id a new user gets (drawn by the caller: rules stay pure).
    pub new_user_id: UserId,
    /// The session this login starts on the identity (replacing its last).
    pub session: Session,
    /// The number from the phone button, redeemed because the answer depends
    /// on it (a new openid). A returning login binds it afterwards with the
    /// bind rule (`rules::phone`); this rule uses it only for a new openid.
    pub phone: Option<PhoneNumber>,
    pub registration: Registration,
    /// The password a new user starts with (a password registration, proven
    /// by SMS or the phone button); an existing user's is left alone.
    pub new_user_password: Option<PasswordHash>,
    /// A login ticket redeemed by a password login: what the password proved
    /// about `phone`, which must still hold for a new openid to join by it
    /// (and which never makes a new user).
    pub number_proof: Option<PasswordProof>,
}

/// What the login answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOutcome {
    pub user_id: UserId,
    /// True only for the one login that created the user.
    pub is_new_user: bool,
    pub union_id: Option<UnionId>,
    pub has_phone: bool,
    /// The login's number is now the user's (it created or joined by it).
    pub phone_bound: bool,
}

/// A login that cannot be: nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// The number's user already has another openid in this mini-program.
    PhoneTaken,
    /// The number's user holds another unionId than this openid's.
    AccountConflict,
    /// A new openid without a number where registration needs one (the
    /// caller hands out a login ticket instead).
    Unregistered,
    /// The number moved, or its user's password changed, after the password
    /// that proved it was checked.
    ProofStale,
}

/// What a login decides: who it is, or why not.
pub type LoginDecision = Result<LoginOutcome, LoginRefusal>;

impl LoginInput {
    pub fn identity_key(&self) -> Key {
        Key::identity(&self.appid, &self.openid)
    }

    /// The returning user's one request: WeChat's latest session_key and our
    /// new session on the identity, if it exists ([`Guard::Exists`]). Its
    /// result seeds the snapshot.
    pub fn session_patch(&self) -> IdentityPatch {
        IdentityPatch {
            session_key: Some((self.session_key.clone(), self.now)),
            session: Some(Some(self.session.clone())),
            ..IdentityPatch::default()
        }
    }
}

/// Decides the login. `session_written`: the session patch already happened.
pub fn decide(
    snapshot: &Snapshot,
    input: &LoginInput,
    session_written: bool,
) -> Result<Step<LoginDecision>, StoreError> {
    let identity_key = input.identity_key();
    match snapshot.identity(&identity_key)? {
        Read::Present(identity) => {
            Ok(returning(snapshot, input, identity, session_written)?.map(Ok))
        }
        Read::Absent => new_identity(snapshot, input),
        Read::Unread => {
            let mut keys = vec![identity_key];
            if let Some(unionid) = &input.unionid {
                let union_key = Key::union(unionid);
                if let Read::Present(owner) = snapshot.owner(&union_key)? {
                    keys.push(Key::user(&owner.user_id));
                }
                keys.push(union_key);
            }
            Ok(Step::Read(snapshot.unread(keys)))
        }
    }
}

fn returning(
    snapshot: &Snapshot,
    input: &LoginInput,
    identity: &IdentityItem,
    session_written: bool,
) -> Result<Step<LoginOutcome>, StoreError> {
    let me = &identity.user_id;
    let mut outcome = LoginOutcome {
        user_id: me.clone(),
        is_new_user: false,
        union_id: identity.union_id.clone(),
        has_phone: identity.has_phone,
        phone_bound: false,
    };
    let mut patch = IdentityPatch::default();
    if !session_written {
        patch = input.session_patch();
    }
    let mut writes = Vec::new();
    if let (None, Some(unionid)) = (&identity.union_id, &input.unionid) {
        // The app was bound to an Open Platform account since the first login.
        let (union_key, user_key) = (Key::union(unionid), Key::user(me));
        let unread = snapshot.unread([union_key.clone(), user_key.clone()]);
        if !unread.is_empty() {
            return Ok(Step::Read(unread));
        }
        let Read::Present(user) = snapshot.user(&user_key)? else {
            // Deleted since the identity was read: read both again.
            return snapshot.dangling(&input.identity_key(), &user_key);
        };
        let union_free = match snapshot.owner(&union_key)? {
            Read::Present(owner) => (&owner.user_id == me).then_some(false),
            _ => Some(true),
        };
        let user_agrees = user.union_id.as_ref().is_none_or(|u| u == unionid);
        match union_free {
            Some(free) if user_agrees => {
                writes.push(claim(union_key, me, input.now, !free));
                if user.union_id.is_none() {
                    let mut linked = user.clone();
                    linked.union_id = Some(unionid.clone());
                    linked.version += 1;
                    writes.push(Write::Put {
                        key: user_key,
                        item: Item::User(linked),
                        guard: Guard::Version(user.version),
                    });
                    // The user's other identities carry its unionId too (one
                    // joined by number, say, before the link).
                    let this = input.identity_key();
                    writes.extend(carry_union(&user.identities, Some(&this), unionid, me));
                }
                patch.union_id = Some(unionid.clone());
                outcome.union_id = Some(unionid.clone());
            }
            // Another user holds it: the login goes on, unlinked.
            _ => tracing::warn!(user_id = %me, "unionid held by another user; left unlinked"),
        }
    }
    if patch != IdentityPatch::default() {
        writes.push(Write::Patch {
            key: input.identity_key(),
            patch,
            guard: Guard::OwnedBy(me.clone()),
        });
    }
    Ok(if writes.is_empty() {
        Step::Answer(outcome)
    } else {
        Step::Commit {
            writes,
            answer: outcome,
        }
    })
}

fn new_identity(
    snapshot: &Snapshot,
    input: &LoginInput,
) -> Result<Step<LoginDecision>, StoreError> {
    let union_key = input.unionid.as_ref().map(Key::union);
    if let Some(phone) = &input.phone {
        // Who holds the unionId and who holds the number decide: read both.
        let unread = snapshot.unread(union_key.iter().cloned().chain([Key::phone(phone)]));
        if !unread.is_empty() {
            return Ok(Step::Read(unread));
        }
    }
    // Unread: assume nobody holds the unionId; the union's put-if-absent checks that.
    if let (Some(unionid), Some(union_key)) = (&input.unionid, &union_key)
        && let Read::Present(owner) = snapshot.owner(union_key)?
    {
        let owner_key = Key::user(&owner.user_id);
        return match snapshot.user(&owner_key)? {
            Read::Unread => Ok(Step::Read(vec![owner_key])),
            // Deleted since the unionId was read: read both again.
            Read::Absent => snapshot.dangling(union_key, &owner_key),
            // The number, if any, is bound afterwards like a returning login's.
            Read::Present(user) => Ok(join(input, unionid, &owner.user_id, user).map(Ok)),
        };
    }
    let Some(phone) = &input.phone else {
        if input.registration == Registration::PhoneRequired {
            return Ok(Step::Answer(Err(LoginRefusal::Unregistered)));
        }
        return Ok(create(input).map(Ok));
    };
    if let Some(proof) = &input.number_proof {
        return Ok(match still_proven(snapshot, phone, proof)? {
            StillProven::Unread(keys) => Step::Read(keys),
            StillProven::No => Step::Answer(Err(LoginRefusal::ProofStale)),
            // Its write of the user is guarded by the version read here.
            StillProven::Yes(user) => join_by_phone(input, phone, &proof.user_id, user),
        });
    }
    let phone_key = Key::phone(phone);
    let Read::Present(holder) = snapshot.owner(&phone_key)? else {
        return Ok(create(input).map(Ok));
    };
    let holder_key = Key::user(&holder.user_id);
    match snapshot.user(&holder_key)? {
        Read::Unread => Ok(Step::Read(vec![holder_key])),
        Read::Absent => snapshot.dangling(&phone_key, &holder_key),
        Read::Present(user) => Ok(join_by_phone(input, phone, &holder.user_id, user)),
    }
}

fn identity_item(input: &LoginInput, user_id: &UserId, has_phone: bool) -> Item {
    Item::Identity(IdentityItem {
        user_id: user_id.clone(),
        session_key: input.session_key.clone(),
        session_at: input.now,
        created_at: input.now,
        union_id: input.unionid.clone(),
        has_phone,
        session: Some(input.session.clone()),
    })
}

/// A new user holding this identity (and its unionId, and its number).
fn create(input: &LoginInput) -> Step<LoginOutcome> {
    let user_id = &input.new_user_id;
    let has_phone = input.phone.is_some();
    let mut writes = vec![
        Write::Put {
            key: input.identity_key(),
            item: identity_item(input, user_id, has_phone),
            guard: Guard::Absent,
        },
        Write::Put {
            key: Key::user(user_id),
            item: Item::User(UserItem {
                created_at: input.now,
                identities: vec![IdentityRef::new(&input.appid, &input.openid)],
                union_id: input.unionid.clone(),
                phone: input.phone.clone(),
                profile: Profile::default(),
                checks: Default::default(),
                avatars: Default::default(),
                password: input.new_user_password.clone(),
                version: 1,
            }),
            guard: Guard::Absent,
        },
    ];
    if let Some(unionid) = &input.unionid {
        writes.push(claim(Key::union(unionid), user_id, input.now, false));
    }
    if let Some(phone) = &input.phone {
        writes.push(claim(Key::phone(phone), user_id, input.now, false));
    }
    Step::Commit {
        writes,
        answer: LoginOutcome {
            user_id: user_id.clone(),
            is_new_user: true,
            union_id: input.unionid.clone(),
            has_phone,
            phone_bound: has_phone,
        },
    }
}

/// The openid joins the user holding its number, as that user is now: only
/// when that user has no openid in this mini-program yet (an account made by
/// phone in an app or on the web), and holds no other unionId.
fn join_by_phone(
    input: &LoginInput,
    phone: &PhoneNumber,
    holder: &UserId,
    user: &UserItem,
) -> Step<LoginDecision> {
    if user.identities.iter().any(|r| r.is_in(&input.appid)) {
        return Step::Answer(Err(LoginRefusal::PhoneTaken));
    }
    if let (Some(theirs), Some(mine)) = (&user.union_id, &input.unionid)
        && theirs != mine
    {
        return Step::Answer(Err(LoginRefusal::AccountConflict));
    }
    let mut joined = user.clone();
    joined
        .identities
        .push(IdentityRef::new(&input.appid, &input.openid));
    joined.version += 1;
    let mut writes = vec![Write::Check {
        key: Key::phone(phone),
        guard: Guard::OwnedBy(holder.clone()),
    }];
    // This openid's unionId, linked to the user that had none (nobody holds
    // it: it was read absent, and its put-if-absent checks that).
    let mut identity = identity_item(input, holder, true);
    match (&user.union_id, &input.unionid) {
        (None, Some(unionid)) => {
            joined.union_id = Some(unionid.clone());
            writes.push(claim(Key::union(unionid), holder, input.now, false));
            writes.extend(carry_union(&user.identities, None, unionid, holder));
        }
        (Some(theirs), _) => {
            if let Item::Identity(item) = &mut identity {
                item.union_id = Some(theirs.clone());
            }
        }
        (None, None) => {}
    }
    writes.push(Write::Put {
        key: input.identity_key(),
        item: identity,
        guard: Guard::Absent,
    });
    writes.push(Write::Put {
        key: Key::user(holder),
        item: Item::User(joined.clone()),
        guard: Guard::Version(user.version),
    });
    Step::Commit {
        writes,
        answer: Ok(LoginOutcome {
            user_id: holder.clone(),
            is_new_user: false,
            union_id: joined.union_id,
            has_phone: true,
            phone_bound: true,
        }),
    }
}

/// The openid joins the user holding its unionId, as that user is now.
fn join(
    input: &LoginInput,
    unionid: &UnionId,
    owner: &UserId,
    user: &UserItem,
) -> Step<LoginOutcome> {
    let has_phone = user.phone.is_some();
    let mut joined = user.clone();
    let identity_ref = IdentityRef::new(&input.appid, &input.openid);
    if !joined.identities.contains(&identity_ref) {
        joined.identities.push(identity_ref);
    }
    joined.version += 1;
    Step::Commit {
        writes: vec![
            Write::Put {
                key: input.identity_key(),
                item: identity_item(input, owner, has_phone),
                guard: Guard::Absent,
            },
            Write::Put {
                key: Key::user(owner),
                item: Item::User(joined),
                guard: Guard::Version(user.version),
            },
            Write::Check {
                key: Key::union(unionid),
                guard: Guard::OwnedBy(owner.clone()),
            },
        ],
        answer: LoginOutcome {
            user_id: owner.clone(),
            is_new_user: false,
            union_id: Some(unionid.clone()),
            has_phone,
            phone_bound: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    /// The step of a login that is not refused.
    fn ok(step: Step<LoginDecision>) -> Step<LoginOutcome> {
        step.map(|decision| decision.expect("not refused"))
    }

    fn input(union: Option<u8>) -> LoginInput {
        LoginInput {
            appid: appid(),
            openid: openid(1),
            unionid: union.map(union_id),
            session_key: key(),
            now: 9,
            new_user_id: user_id(1),
            session: live_session_fixture(),
            phone: None,
            registration: Registration::Open,
            new_user_password: None,
            number_proof: None,
        }
    }

    fn after_touch(input: &LoginInput, identity: Option<IdentityItem>) -> Snapshot {
        let mut s = Snapshot::default();
        s.set(input.identity_key(), identity.map(Item::Identity));
        s
    }

    #[test]
    fn an_unknown_openid_is_a_new_user_whose_items_are_put_only_if_absent() {
        let input = input(Some(7));
        let Step::Commit { writes, answer } =
            ok(decide(&after_touch(&input, None), &input, false).unwrap())
        else {
            panic!("a new user");
        };
        assert!(answer.is_new_user);
        assert_eq!(writes.len(), 3);
        assert!(writes.iter().all(|w| w.guard() == &Guard::Absent));
    }

    #[test]
    fn an_unknown_openid_whose_union_is_held_joins_that_user_as_it_is() {
        let input = input(Some(7));
        let mut s = after_touch(&input, None);
        s.set(Key::union(&union_id(7)), Some(Item::Union(owner(5))));
        assert_eq!(
            ok(decide(&s, &input, false).unwrap()),
            Step::Read(vec![Key::user(&user_id(5))])
        );
        let mut holder = user(&[3], 4);
        holder.phone = Some(phone(1));
        s.set(Key::user(&user_id(5)), Some(Item::User(holder)));
        let Step::Commit { writes, answer } = ok(decide(&s, &input, false).unwrap()) else {
            panic!("a join");
        };
        assert_eq!(
            (answer.user_id, answer.is_new_user, answer.has_phone),
            (user_id(5), false, true)
        );
        assert_eq!(writes[1].guard(), &Guard::Version(4));
        assert_eq!(writes[2].guard(), &Guard::OwnedBy(user_id(5)));
    }

    #[test]
    fn a_union_whose_holder_was_deleted_meanwhile_is_read_again_not_corrupt() {
        let input = input(Some(7));
        let (union_key, owner_key) = (Key::union(&union_id(7)), Key::user(&user_id(5)));
        let mut s = after_touch(&input, None);
        s.set(union_key.clone(), Some(Item::Union(owner(5))));
        // The holder read by a later request: deleted in between.
        s.set(owner_key.clone(), None);
        assert_eq!(
            ok(decide(&s, &input, false).unwrap()),
            Step::Read(vec![union_key.clone(), owner_key.clone()])
        );
        // Read again together: both gone, a new user.
        let asked = [union_key.clone(), owner_key.clone()];
        s.absorb(&asked, Default::default());
        assert!(matches!(
            ok(decide(&s, &input, false).unwrap()),
            Step::Commit {
                answer: LoginOutcome {
                    is_new_user: true,
                    ..
                },
                ..
            }
        ));
        // Read together and still disagreeing: that is corruption.
        let mut found = crate::store::Items::new();
        found.insert(union_key.clone(), Item::Union(owner(5)));
        s.absorb(&asked, found);
        assert!(matches!(
            decide(&s, &input, false),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn a_returning_login_answers_from_its_identity_and_links_a_late_union() {
        let input = input(None);
        let s = after_touch(&input, Some(identity(2)));
        let Step::Answer(answer) = ok(decide(&s, &input, true).unwrap()) else {
            panic!("nothing to write");
        };
        assert_eq!((answer.user_id, answer.is_new_user), (user_id(2), false));
        // Found on a re-read (the session patch did not happen): write it.
        assert!(matches!(
            ok(decide(&s, &input, false).unwrap()),
            Step::Commit { .. }
        ));

        let linking = super::tests::input(Some(7));
        let mut s = after_touch(&linking, Some(identity(2)));
        assert_eq!(
            ok(decide(&s, &linking, true).unwrap()),
            Step::Read(vec![Key::union(&union_id(7)), Key::user(&user_id(2))])
        );
        s.set(Key::union(&union_id(7)), None);
        s.set(Key::user(&user_id(2)), Some(Item::User(user(&[1], 3))));
        let Step::Commit { writes, answer } = ok(decide(&s, &linking, true).unwrap()) else {
            panic!("a link");
        };
        assert_eq!(answer.union_id, Some(union_id(7)));
        assert_eq!(writes.len(), 3);
        // Held by another user: the login goes on, unlinked.
        s.set(Key::union(&union_id(7)), Some(Item::Union(owner(6))));
        let Step::Answer(answer) = ok(decide(&s, &linking, true).unwrap()) else {
            panic!("nothing to write");
        };
        assert_eq!(answer.union_id, None);
    }

    fn with_phone(union: Option<u8>) -> LoginInput {
        LoginInput {
            phone: Some(phone(1)),
            ..input(union)
        }
    }

    #[test]
    fn a_ticket_redeemed_by_password_joins_only_while_the_proof_holds() {
        let hash = PasswordHash::from_phc("checked".into());
        let input = LoginInput {
            number_proof: Some(PasswordProof {
                user_id: user_id(5),
                hash: hash.clone(),
            }),
            ..with_phone(None)
        };
        let read = |holder: Option<u8>, password: &str| {
            let mut s = after_touch(&input, None);
            s.set(Key::phone(&phone(1)), holder.map(|n| Item::Phone(owner(n))));
            let mut u = user(&[], 3);
            u.password = Some(PasswordHash::from_phc(password.into()));
            s.set(Key::user(&user_id(5)), Some(Item::User(u)));
            s
        };
        let Step::Commit { writes, answer } =
            ok(decide(&read(Some(5), "checked"), &input, false).unwrap())
        else {
            panic!("a join");
        };
        assert_eq!(answer.user_id, user_id(5));
        assert!(
            writes
                .iter()
                .any(|w| w.key() == &Key::user(&user_id(5)) && w.guard() == &Guard::Version(3)),
            "the user's write is guarded by the version whose password was checked"
        );
        // Freed (never a new user on a password's word), another's, changed.
        for (holder, password) in [
            (None, "checked"),
            (Some(6), "checked"),
            (Some(5), "changed"),
        ] {
            assert_eq!(
                decide(&read(holder, password), &input, false).unwrap(),
                Step::Answer(Err(LoginRefusal::ProofStale)),
                "{holder:?} {password}"
            );
        }
    }

    #[test]
    fn a_new_openid_with_a_free_number_is_a_new_user_holding_both() {
        let input = with_phone(None);
        let s = after_touch(&input, None);
        assert_eq!(
            decide(&s, &input, false).unwrap(),
            Step::Read(vec![Key::phone(&phone(1))]),
            "the number is read: the answer depends on it"
        );
        let mut s = s;
        s.set(Key::phone(&phone(1)), None);
        let Step::Commit { writes, answer } = ok(decide(&s, &input, false).unwrap()) else {
            panic!("a new user");
        };
        assert!(answer.is_new_user && answer.has_phone && answer.phone_bound);
        assert_eq!(
            (writes[2].key(), writes[2].guard()),
            (&Key::phone(&phone(1)), &Guard::Absent)
        );
        let Write::Put {
            item: Item::User(user),
            ..
        } = &writes[1]
        else {
            panic!("the user");
        };
        assert_eq!(user.phone, Some(phone(1)));
    }

    #[test]
    fn a_new_openid_joins_a_phone_first_user_and_not_one_with_an_openid_here() {
        let input = with_phone(Some(7));
        let mut s = after_touch(&input, None);
        s.set(Key::union(&union_id(7)), None);
        s.set(Key::phone(&phone(1)), Some(Item::Phone(owner(5))));
        assert_eq!(
            decide(&s, &input, false).unwrap(),
            Step::Read(vec![Key::user(&user_id(5))])
        );
        // A user made by phone elsewhere: no openid in this app.
        let mut phone_first = user(&[], 3);
        phone_first.phone = Some(phone(1));
        s.set(
            Key::user(&user_id(5)),
            Some(Item::User(phone_first.clone())),
        );
        let Step::Commit { writes, answer } = ok(decide(&s, &input, false).unwrap()) else {
            panic!("a join");
        };
        assert_eq!(
            (answer.user_id, answer.is_new_user, answer.phone_bound),
            (user_id(5), false, true)
        );
        let guards: Vec<_> = writes
            .iter()
            .map(|w| (w.key().clone(), w.guard().clone()))
            .collect();
        assert_eq!(
            guards,
            vec![
                (Key::phone(&phone(1)), Guard::OwnedBy(user_id(5))),
                (Key::union(&union_id(7)), Guard::Absent),
                (input.identity_key(), Guard::Absent),
                (Key::user(&user_id(5)), Guard::Version(3)),
            ]
        );
        // Another openid of this app holds the account: refused, nothing written.
        let mut taken = phone_first.clone();
        taken.identities = vec![IdentityRef::new(&appid(), &openid(2))];
        s.set(Key::user(&user_id(5)), Some(Item::User(taken)));
        assert_eq!(
            decide(&s, &input, false).unwrap(),
            Step::Answer(Err(LoginRefusal::PhoneTaken))
        );
        // The account has another unionId: a conflict, nothing written.
        let mut other_union = phone_first;
        other_union.union_id = Some(union_id(8));
        s.set(Key::user(&user_id(5)), Some(Item::User(other_union)));
        assert_eq!(
            decide(&s, &input, false).unwrap(),
            Step::Answer(Err(LoginRefusal::AccountConflict))
        );
    }

    #[test]
    fn registration_by_phone_only_turns_a_new_openid_without_a_number_away() {
        let strict = LoginInput {
            registration: Registration::PhoneRequired,
            ..input(None)
        };
        assert_eq!(
            decide(&after_touch(&strict, None), &strict, false).unwrap(),
            Step::Answer(Err(LoginRefusal::Unregistered))
        );
        // A returning openid, and one with a number, go on as usual.
        assert!(matches!(
            decide(&after_touch(&strict, Some(identity(2))), &strict, true).unwrap(),
            Step::Answer(Ok(_))
        ));
        let with_number = LoginInput {
            phone: Some(phone(1)),
            ..strict
        };
        let mut s = after_touch(&with_number, None);
        s.set(Key::phone(&phone(1)), None);
        assert!(matches!(
            decide(&s, &with_number, false).unwrap(),
            Step::Commit { answer: Ok(_), .. }
        ));
    }

    #[test]
    fn a_union_holder_comes_before_the_number() {
        let input = with_phone(Some(7));
        let mut s = after_touch(&input, None);
        s.set(Key::union(&union_id(7)), Some(Item::Union(owner(5))));
        s.set(Key::phone(&phone(1)), Some(Item::Phone(owner(6))));
        s.set(Key::user(&user_id(5)), Some(Item::User(user(&[3], 2))));
        let Step::Commit { answer, .. } = ok(decide(&s, &input, false).unwrap()) else {
            panic!("a join");
        };
        assert_eq!(
            (answer.user_id, answer.phone_bound),
            (user_id(5), false),
            "joined by unionId; the number is for the bind rule"
        );
    }
}
