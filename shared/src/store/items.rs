//! The item schema, one for both stores: what is kept under each key. Attribute
//! names are the DynamoDB table's; the embedded store keeps each item as the
//! very same JSON object. Items are plain data: who may write what is decided in
//! `domain::rules`, never here.
//!
//! Reading is lenient where earlier versions wrote differently: user items
//! written before versions carry none (read as 0), the local store's old
//! snake_case names are accepted as aliases, and a profile may be a JSON string
//! (DynamoDB) or an object (the local store before).

use super::StoreError;
use crate::domain::{
    AppId, AvatarKey, ContentChecks, Identity, OpenId, PasswordHash, PhoneNumber, Profile, Session,
    SessionKey, TraceId, UnionId, UploadedAvatar, UserId, Verdict,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// What kind of item a key names (its prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Identity,
    User,
    Union,
    Phone,
    /// A verification code sent to a number, for one purpose.
    SmsCode,
    /// How many codes a number was sent today, and when last.
    SmsNumber,
    /// How many codes one source address asked for this hour.
    SmsSource,
    /// Password attempts on a number in its current window.
    PasswordNumber,
    /// Password attempts from one source address this hour.
    PasswordSource,
    /// A login ticket, by its hash.
    Ticket,
    /// One of WeChat's asynchronous media checks, by its `trace_id`.
    MediaCheck,
}

impl KeyKind {
    const ALL: [KeyKind; 11] = [
        KeyKind::MediaCheck,
        KeyKind::Ticket,
        KeyKind::Identity,
        KeyKind::User,
        KeyKind::Union,
        KeyKind::Phone,
        KeyKind::SmsCode,
        KeyKind::SmsNumber,
        KeyKind::SmsSource,
        KeyKind::PasswordNumber,
        KeyKind::PasswordSource,
    ];

    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Identity => "IDENT#",
            KeyKind::User => "USER#",
            KeyKind::Union => "UNION#",
            KeyKind::Phone => "PHONE#",
            KeyKind::SmsCode => "SMSCODE#",
            KeyKind::SmsNumber => "SMSNUM#",
            KeyKind::SmsSource => "SMSIP#",
            KeyKind::PasswordNumber => "PWNUM#",
            KeyKind::PasswordSource => "PWIP#",
            KeyKind::Ticket => "TICKET#",
            KeyKind::MediaCheck => "MEDIA#",
        }
    }

    /// The `kind` attribute DynamoDB items carry, for people reading the table.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Identity => "identity",
            KeyKind::User => "user",
            KeyKind::Union => "union",
            KeyKind::Phone => "phone",
            KeyKind::SmsCode => "smsCode",
            KeyKind::SmsNumber => "smsNumber",
            KeyKind::SmsSource => "smsSource",
            KeyKind::PasswordNumber => "passwordNumber",
            KeyKind::PasswordSource => "passwordSource",
            KeyKind::Ticket => "ticket",
            KeyKind::MediaCheck => "mediaCheck",
        }
    }
}

/// A storage key (`pk`). `#` cannot occur in ids (see `domain::ids`), so keys
/// never collide.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(String);

impl Key {
    fn of(kind: KeyKind, rest: &str) -> Self {
        Self(format!("{}{rest}", kind.prefix()))
    }

    /// One WeChat identity: (appid, openid).
    pub fn identity(appid: &AppId, openid: &OpenId) -> Self {
        Self::of(KeyKind::Identity, &format!("{appid}#{openid}"))
    }

    pub fn user(user_id: &UserId) -> Self {
        Self::of(KeyKind::User, user_id.as_str())
    }

    /// Who holds a unionId.
    pub fn union(union_id: &UnionId) -> Self {
        Self::of(KeyKind::Union, union_id.as_str())
    }

    /// Who holds a phone number (E.164).
    pub fn phone(phone: &PhoneNumber) -> Self {
        Self::of(KeyKind::Phone, phone.e164())
    }

    /// The code sent to `phone` for `purpose` (`login`, `bind`, `password`).
    pub fn sms_code(purpose: &str, phone: &PhoneNumber) -> Self {
        Self::of(KeyKind::SmsCode, &format!("{purpose}#{}", phone.e164()))
    }

    /// A login ticket, by its hash.
    pub fn ticket(hash: &str) -> Self {
        Self::of(KeyKind::Ticket, hash)
    }

    /// WeChat's media check `trace_id` (no `#` in one: see `TraceId`).
    pub fn media_check(trace_id: &TraceId) -> Self {
        Self::of(KeyKind::MediaCheck, trace_id.as_str())
    }

    /// The sending count of a number.
    pub fn sms_number(phone: &PhoneNumber) -> Self {
        Self::of(KeyKind::SmsNumber, phone.e164())
    }

    /// The sending count of a source address (as API Gateway saw it; no `#`).
    pub fn sms_source(source: &str) -> Self {
        Self::of(KeyKind::SmsSource, source)
    }

    /// The password attempts on a number.
    pub fn password_number(phone: &PhoneNumber) -> Self {
        Self::of(KeyKind::PasswordNumber, phone.e164())
    }

    /// The password attempts from a source address.
    pub fn password_source(source: &str) -> Self {
        Self::of(KeyKind::PasswordSource, source)
    }

    /// Where an identity is kept, by its kind: a WeChat identity under
    /// `IDENT#`, a phone identity under `PHONE#` (the item that also says whose
    /// the number is).
    pub fn of_identity(identity: &Identity) -> Self {
        match identity {
            Identity::WeChat { appid, openid } => Self::identity(appid, openid),
            Identity::Phone(phone) => Self::phone(phone),
        }
    }

    /// A key read back from storage.
    pub fn parse(text: &str) -> Option<Self> {
        KeyKind::ALL
            .iter()
            .any(|k| text.starts_with(k.prefix()))
            .then(|| Self(text.to_owned()))
    }

    pub fn kind(&self) -> KeyKind {
        KeyKind::ALL
            .into_iter()
            .find(|k| self.0.starts_with(k.prefix()))
            .expect("keys are built with a known prefix")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys that end in a number print it masked like the number itself.
        match self.0.rsplit_once('#') {
            Some((head, e164)) if e164.starts_with('+') && e164.len() > 7 => write!(
                f,
                "{head}#{}****{}",
                &e164[..e164.len() - 8],
                &e164[e164.len() - 4..]
            ),
            _ => write!(f, "{}", self.0),
        }
    }
}

/// How a user item lists one of its identities: `appid#openid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentityRef(String);

impl IdentityRef {
    pub fn new(appid: &AppId, openid: &OpenId) -> Self {
        Self(format!("{appid}#{openid}"))
    }

    pub fn key(&self) -> Key {
        Key::of(KeyKind::Identity, &self.0)
    }

    /// Whether it is an identity in the mini-program `appid`.
    pub fn is_in(&self, appid: &AppId) -> bool {
        self.0
            .split_once('#')
            .is_some_and(|(app, _)| app == appid.as_str())
    }

    /// The WeChat identity it names.
    pub fn identity(&self) -> Option<Identity> {
        let (appid, openid) = self.0.split_once('#')?;
        Some(Identity::wechat(
            &AppId::parse(appid).ok()?,
            &OpenId::parse(openid).ok()?,
        ))
    }
}

/// One WeChat identity: whose it is, WeChat's latest session_key for it, and
/// our session of its latest login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityItem {
    #[serde(alias = "user_id")]
    pub user_id: UserId,
    #[serde(alias = "session_key", with = "session_key_text")]
    pub session_key: SessionKey,
    /// Unix seconds of the login that stored the session_key.
    #[serde(alias = "session_at")]
    pub session_at: u64,
    #[serde(alias = "created_at")]
    pub created_at: u64,
    /// The user's unionId, copied here so a returning login answers from this
    /// item alone.
    #[serde(alias = "union_id", default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<UnionId>,
    /// Whether the user holds a number, copied for the same reason.
    #[serde(alias = "has_phone", default)]
    pub has_phone: bool,
    /// The session its latest login started, until it ends (logout, expiry,
    /// reuse of a rotated refresh token, fold, deletion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
}

/// A user: its identities, unionId, number and profile. `version` grows by one
/// with every write, so a write can be guarded by "unchanged since read".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UserItemText", into = "UserItemText")]
pub struct UserItem {
    pub created_at: u64,
    pub identities: Vec<IdentityRef>,
    pub union_id: Option<UnionId>,
    pub phone: Option<PhoneNumber>,
    pub profile: Profile,
    /// How the profile's user-typed fields were checked (WeChat's content
    /// security), field by field.
    pub checks: ContentChecks,
    /// The avatars the user uploaded: the one shown, and the latest upload
    /// while WeChat checks it (or after it refused it). Boxed: most users
    /// have none, and items are moved around whole.
    pub avatars: Box<Avatars>,
    /// The password's argon2id hash, once the user has set one.
    pub password: Option<PasswordHash>,
    pub version: u64,
}

impl UserItem {
    /// Every identity the user holds: its WeChat identities and its number.
    pub fn all_identities(&self) -> Vec<Identity> {
        let mut all: Vec<Identity> = self
            .identities
            .iter()
            .filter_map(IdentityRef::identity)
            .collect();
        all.extend(self.phone.clone().map(Identity::Phone));
        all
    }
}

/// A user's uploaded avatars.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Avatars {
    /// The avatar the profile shows (`active`), when it was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<UploadedAvatar>,
    /// The latest upload not shown: `pending` while WeChat checks it,
    /// `refused` after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadedAvatar>,
}

impl Avatars {
    pub fn is_empty(&self) -> bool {
        self.shown.is_none() && self.upload.is_none()
    }

    /// The images that must be kept: the one shown and a pending one (a
    /// refused image is deleted).
    pub fn keys(&self) -> Vec<&AvatarKey> {
        self.shown
            .iter()
            .chain(&self.upload)
            .filter(|a| a.state != crate::domain::AvatarState::Refused)
            .map(|a| &a.key)
            .collect()
    }
}

/// A user item as stored: the number as E.164 plus its country code, the
/// profile as JSON text, the identities as a string set.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserItemText {
    #[serde(alias = "created_at")]
    created_at: u64,
    #[serde(
        with = "serde_dynamo::string_set",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    identities: Vec<IdentityRef>,
    #[serde(alias = "union_id", default, skip_serializing_if = "Option::is_none")]
    union_id: Option<UnionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(
        alias = "phone_country_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    phone_country_code: Option<String>,
    #[serde(
        default,
        with = "profile_text",
        skip_serializing_if = "Profile::is_empty"
    )]
    profile: Profile,
    #[serde(default, skip_serializing_if = "ContentChecks::is_empty")]
    content_checks: ContentChecks,
    #[serde(default, skip_serializing_if = "Avatars::is_empty")]
    avatars: Box<Avatars>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_hash: Option<String>,
    #[serde(default)]
    version: u64,
}

impl TryFrom<UserItemText> for UserItem {
    type Error = String;

    fn try_from(text: UserItemText) -> Result<Self, String> {
        let phone = match (&text.phone, &text.phone_country_code) {
            (Some(e164), Some(cc)) => {
                Some(PhoneNumber::from_e164(e164, cc).map_err(|e| e.to_string())?)
            }
            (None, _) => None,
            (Some(_), None) => return Err("phone without its country code".to_owned()),
        };
        Ok(Self {
            created_at: text.created_at,
            identities: text.identities,
            union_id: text.union_id,
            phone,
            profile: text.profile,
            checks: text.content_checks,
            avatars: text.avatars,
            password: text.password_hash.map(PasswordHash::from_phc),
            version: text.version,
        })
    }
}

impl From<UserItem> for UserItemText {
    fn from(user: UserItem) -> Self {
        Self {
            created_at: user.created_at,
            identities: user.identities,
            union_id: user.union_id,
            phone_country_code: user.phone.as_ref().map(|p| p.country_code().to_owned()),
            phone: user.phone.map(|p| p.e164().to_owned()),
            profile: user.profile,
            content_checks: user.checks,
            avatars: user.avatars,
            password_hash: user.password.map(|p| p.phc().to_owned()),
            version: user.version,
        }
    }
}

/// Who holds a unionId or a phone number. A number is also an identity that
/// logs in by itself (SMS code, password): its item holds the session of its
/// latest login, like a WeChat identity's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerItem {
    #[serde(alias = "user_id")]
    pub user_id: UserId,
    #[serde(alias = "created_at")]
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
}

/// A verification code sent and not yet used: only its keyed hash is kept.
/// `version` grows with every write (a wrong try, the use), so that two uses
/// of one code cannot both succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsCodeItem {
    pub code_hash: String,
    pub sent_at: u64,
    /// Unix seconds; refused from then on, and the table's TTL removes it.
    pub expires_at: u64,
    /// Wrong codes tried so far.
    pub attempts: u32,
    pub version: u64,
}

/// A login ticket: the openid it stands for and the session_key WeChat gave
/// with it, kept server-side for the identity it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketItem {
    pub app_id: AppId,
    pub open_id: OpenId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<UnionId>,
    #[serde(with = "session_key_text")]
    pub session_key: SessionKey,
    /// Unix seconds; refused from then on, and the table's TTL removes it.
    pub expires_at: u64,
}

/// A count within a window: codes sent (a number's day, a source's hour),
/// password attempts (a number's quarter hour, a source's hour).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitItem {
    /// When the window started (Unix seconds).
    pub window: u64,
    pub count: u32,
    /// When it last counted (named for its first use, the SMS sends).
    #[serde(rename = "lastSentAt")]
    pub last_at: u64,
    /// The window's end: the table's TTL removes it then.
    pub expires_at: u64,
    pub version: u64,
}

/// One asynchronous media check (`MEDIA#{trace_id}`): the avatar it is
/// for, and WeChat's verdict once it came. Whichever of the upload's commit
/// and WeChat's push comes second finds the other's half here, so a verdict
/// that overtakes the upload's commit is not lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaCheckItem {
    /// The user and image it checks, once the upload committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<AvatarKey>,
    /// WeChat's verdict, once its push came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<PushedVerdict>,
    /// Unix seconds; the table's TTL removes it then.
    pub expires_at: u64,
}

/// What WeChat's `wxa_media_check` event said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum PushedVerdict {
    /// `result {suggest, label}`.
    Verdict(Verdict),
    /// An `errcode` and no result (e.g. `-1008`: WeChat could not fetch the image).
    NoVerdict { errcode: i64 },
}

/// The table's TTL attribute (template.yaml): SMS codes and limits expire by
/// it (as did the `REVOKED#` items of earlier versions).
pub const EXPIRES_AT: &str = "expiresAt";
/// The attribute holding an identity's session, and its members that a
/// `Guard::Session` compares.
pub const SESSION: &str = "session";
pub const SESSION_ID: &str = "id";
pub const REFRESH_HASH: &str = "refreshHash";
/// The attribute a `Guard::Version` compares.
pub const VERSION: &str = "version";
/// The attribute a `Guard::OwnedBy` compares.
pub const USER_ID: &str = "userId";

/// Any item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Item {
    Identity(IdentityItem),
    User(UserItem),
    Union(OwnerItem),
    Phone(OwnerItem),
    SmsCode(SmsCodeItem),
    Limit(LimitItem),
    Ticket(TicketItem),
    MediaCheck(MediaCheckItem),
}

fn corrupt(key: &Key, e: impl fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{key:?}: {e}"))
}

impl Item {
    /// Reads the item stored under `key`, from anything serde can read
    /// (a JSON object, a DynamoDB attribute map).
    pub fn decode<'de, D: serde::Deserializer<'de>>(key: &Key, data: D) -> Result<Self, StoreError>
    where
        D::Error: fmt::Display,
    {
        let item = match key.kind() {
            KeyKind::Identity => IdentityItem::deserialize(data).map(Item::Identity),
            KeyKind::User => UserItem::deserialize(data).map(Item::User),
            KeyKind::Union => OwnerItem::deserialize(data).map(Item::Union),
            KeyKind::Phone => OwnerItem::deserialize(data).map(Item::Phone),
            KeyKind::SmsCode => SmsCodeItem::deserialize(data).map(Item::SmsCode),
            KeyKind::SmsNumber
            | KeyKind::SmsSource
            | KeyKind::PasswordNumber
            | KeyKind::PasswordSource => LimitItem::deserialize(data).map(Item::Limit),
            KeyKind::Ticket => TicketItem::deserialize(data).map(Item::Ticket),
            KeyKind::MediaCheck => MediaCheckItem::deserialize(data).map(Item::MediaCheck),
        };
        item.map_err(|e| corrupt(key, e))
    }

    /// The item as the JSON object the embedded store keeps.
    pub fn to_json(&self) -> Result<serde_json::Map<String, Value>, StoreError> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(StoreError::Corrupt("an item is not an object".into())),
            Err(e) => Err(StoreError::Corrupt(e.to_string())),
        }
    }
}

/// Changes to an identity (a WeChat identity's item, or a number's: only
/// `session` applies to those) that leave its other attributes alone, so that
/// a login refreshing the session and a user-level change never overwrite
/// each other. Only the fields that are `Some` are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPatch {
    /// WeChat's latest session_key and when it came.
    pub session_key: Option<(SessionKey, u64)>,
    /// Our session: a new one, or `Some(None)` to end it.
    pub session: Option<Option<Session>>,
    pub user_id: Option<UserId>,
    pub union_id: Option<UnionId>,
    pub has_phone: Option<bool>,
}

impl IdentityPatch {
    /// The attributes it sets, by name, as JSON values: the one mapping both
    /// stores apply. `null` removes the attribute.
    pub fn attributes(&self) -> Vec<(&'static str, Value)> {
        let mut set = Vec::new();
        if let Some((key, at)) = &self.session_key {
            set.push(("sessionKey", Value::from(key.expose_base64())));
            set.push(("sessionAt", Value::from(*at)));
        }
        if let Some(session) = &self.session {
            let value = match session {
                // A session is strings and numbers: it always serialises.
                Some(session) => serde_json::to_value(session).unwrap_or(Value::Null),
                None => Value::Null,
            };
            set.push((SESSION, value));
        }
        if let Some(user_id) = &self.user_id {
            set.push((USER_ID, Value::from(user_id.as_str())));
        }
        if let Some(union_id) = &self.union_id {
            set.push(("unionId", Value::from(union_id.as_str())));
        }
        if let Some(has_phone) = self.has_phone {
            set.push(("hasPhone", Value::from(has_phone)));
        }
        set
    }

    /// The same change applied to an item in memory.
    pub fn apply(&self, identity: &mut IdentityItem) {
        if let Some((key, at)) = &self.session_key {
            identity.session_key = key.clone();
            identity.session_at = *at;
        }
        if let Some(session) = &self.session {
            identity.session = session.clone();
        }
        if let Some(user_id) = &self.user_id {
            identity.user_id = user_id.clone();
        }
        if let Some(union_id) = &self.union_id {
            identity.union_id = Some(union_id.clone());
        }
        if let Some(has_phone) = self.has_phone {
            identity.has_phone = has_phone;
        }
    }
}

/// The session_key is stored as WeChat's base64 text. `SessionKey` itself has
/// no `Serialize`, so only items can write it.
mod session_key_text {
    use crate::domain::SessionKey;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &SessionKey, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(key.expose_base64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SessionKey, D::Error> {
        SessionKey::parse(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The profile as one JSON text attribute (DynamoDB); an object is read too
/// (the local store before this schema).
mod profile_text {
    use crate::domain::Profile;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(profile: &Profile, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(profile).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Object(Profile),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
        match Stored::deserialize(d)? {
            Stored::Text(text) => serde_json::from_str(&text).map_err(serde::de::Error::custom),
            Stored::Object(profile) => Ok(profile),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> SessionKey {
        SessionKey::parse("AAAAAAAAAAAAAAAAAAAAAA==").unwrap()
    }

    #[test]
    fn a_patch_through_json_equals_the_patch_in_memory() {
        let mut identity = IdentityItem {
            user_id: UserId::parse("u1").unwrap(),
            session_key: key(),
            session_at: 1,
            created_at: 1,
            union_id: None,
            has_phone: false,
            session: None,
        };
        let started = crate::domain::NewSession::draw(
            9,
            &crate::domain::SessionPolicy {
                access_ttl_secs: 900,
                refresh_ttl_secs: 1_000,
                max_lifetime_secs: 2_000,
                reuse_grace_secs: 5,
            },
        );
        let patch = IdentityPatch {
            session_key: Some((SessionKey::parse("AQEBAQEBAQEBAQEBAQEBAQ==").unwrap(), 9)),
            session: Some(Some(started.session)),
            user_id: Some(UserId::parse("u2").unwrap()),
            union_id: Some(UnionId::parse("x").unwrap()),
            has_phone: Some(true),
        };
        let Item::Identity(before) = Item::Identity(identity.clone()) else {
            unreachable!()
        };
        let mut json = Item::Identity(before).to_json().unwrap();
        for (name, value) in patch.attributes() {
            json.insert(name.to_owned(), value);
        }
        patch.apply(&mut identity);
        let k = Key::identity(&AppId::parse("wxa").unwrap(), &OpenId::parse("o").unwrap());
        assert_eq!(
            Item::decode(&k, Value::Object(json.clone())).unwrap(),
            Item::Identity(identity.clone())
        );
        // Ending the session: `null`, which the stores remove.
        let end = IdentityPatch {
            session: Some(None),
            ..IdentityPatch::default()
        };
        for (name, value) in end.attributes() {
            assert!(value.is_null());
            json.remove(name);
        }
        end.apply(&mut identity);
        assert_eq!(identity.session, None);
        assert_eq!(
            Item::decode(&k, Value::Object(json)).unwrap(),
            Item::Identity(identity)
        );
    }

    #[test]
    fn items_of_before_are_read() {
        // The local store's snake_case item and DynamoDB's profile text.
        let k = Key::user(&UserId::parse("u1").unwrap());
        let old_local = json!({
            "created_at": 5, "identities": ["wxa#o"], "union_id": null,
            "phone": "+8613800138000", "phone_country_code": "86",
            "profile": {"nickName": "Band"}
        });
        let Item::User(user) = Item::decode(&k, old_local).unwrap() else {
            panic!("a user")
        };
        assert_eq!(user.version, 0);
        assert_eq!(user.phone.unwrap().e164(), "+8613800138000");
        assert_eq!(user.profile.nick_name.as_deref(), Some("Band"));
        let dynamo_shape = json!({
            "createdAt": 5, "identities": ["wxa#o"], "profile": "{\"city\":\"Hangzhou\"}",
            "kind": "user", "userId": "u1", "pk": "USER#u1"
        });
        let Item::User(user) = Item::decode(&k, dynamo_shape).unwrap() else {
            panic!("a user")
        };
        assert_eq!(user.profile.city.as_deref(), Some("Hangzhou"));
        assert!(Item::decode(&k, json!({"createdAt": "x"})).is_err());
    }

    #[test]
    fn a_user_may_hold_a_number_and_no_wechat_identity() {
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        let user = UserItem {
            created_at: 5,
            identities: Vec::new(),
            union_id: None,
            phone: Some(phone.clone()),
            profile: Profile::default(),
            checks: ContentChecks::default(),
            avatars: Box::default(),
            password: None,
            version: 1,
        };
        assert_eq!(user.all_identities(), vec![Identity::Phone(phone.clone())]);
        assert_eq!(
            Key::of_identity(&Identity::Phone(phone.clone())),
            Key::phone(&phone)
        );
        let k = Key::user(&UserId::parse("u1").unwrap());
        let stored = Item::User(user.clone()).to_json().unwrap();
        assert!(
            !stored.contains_key("identities"),
            "an empty set is not stored"
        );
        assert_eq!(
            Item::decode(&k, Value::Object(stored)).unwrap(),
            Item::User(user.clone())
        );
        let dynamo: serde_dynamo::Item = serde_dynamo::to_item(&user).unwrap();
        let back: UserItem = serde_dynamo::from_item(dynamo).unwrap();
        assert_eq!(back, user);
    }

    #[test]
    fn phone_keys_print_masked() {
        let phone = PhoneNumber::from_parts("86", "13800138000").unwrap();
        assert_eq!(format!("{:?}", Key::phone(&phone)), "PHONE#+86138****8000");
    }
}
