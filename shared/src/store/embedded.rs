//! The embedded store for local runs: a redb database file in the data directory.
//! redb serialises write transactions, so each use-case step is one transaction
//! and races resolve by construction.

use super::{
    Account, LoginOutcome, LoginRecord, PhoneBind, PhoneBound, ProfileWrite, ProfileWritten,
    Revocation, Session, StoreError, UserRecord, UserStore, keys,
};
use crate::domain::{AppId, OpenId, PhoneNumber, Profile, SessionKey, UnionId, UserId};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::path::Path;
use std::sync::Arc;

/// One table of JSON items under the same keys as the DynamoDB table.
const ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("items");

#[derive(Serialize, Deserialize)]
struct IdentityItem {
    user_id: String,
    session_key: String,
    session_at: u64,
    created_at: u64,
    union_id: Option<String>,
    has_phone: bool,
}

/// A revoked token. Expired ones are never read (the token is refused anyway)
/// and are swept at the next revocation.
#[derive(Serialize, Deserialize)]
struct RevokedItem {
    user_id: String,
    expires_at: u64,
}

#[derive(Serialize, Deserialize)]
struct UserItem {
    created_at: u64,
    identities: Vec<String>,
    union_id: Option<String>,
    /// E.164, with its country code to split it again.
    phone: Option<String>,
    #[serde(default)]
    phone_country_code: Option<String>,
    #[serde(default)]
    profile: Profile,
}

impl UserItem {
    fn record(&self, user_id: UserId) -> Result<UserRecord, StoreError> {
        let phone = match (&self.phone, &self.phone_country_code) {
            (Some(e164), Some(cc)) => Some(PhoneNumber::from_e164(e164, cc).map_err(corrupt)?),
            _ => None,
        };
        Ok(UserRecord {
            user_id,
            identities: self.identities.clone(),
            union_id: self
                .union_id
                .clone()
                .map(UnionId::parse)
                .transpose()
                .map_err(corrupt)?,
            phone,
            profile: self.profile.clone(),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct UnionItem {
    user_id: String,
    created_at: u64,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn read<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match table.get(key).map_err(unavailable)? {
        Some(bytes) => serde_json::from_slice(bytes.value())
            .map(Some)
            .map_err(corrupt),
        None => Ok(None),
    }
}

fn write_item<T: Serialize>(
    table: &mut Table<&str, &[u8]>,
    key: &str,
    item: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(item).map_err(corrupt)?;
    table.insert(key, bytes.as_slice()).map_err(unavailable)?;
    Ok(())
}

/// The embedded adapter. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens (or creates) `wxauth.redb` in `data_dir`, creating the directory.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(unavailable)?;
        let db = Database::create(data_dir.join("wxauth.redb")).map_err(unavailable)?;
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(ITEMS).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Runs blocking database work off the async threads.
    async fn blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(unavailable)?
    }
}

fn record_login_in(db: &Database, login: &LoginRecord) -> Result<LoginOutcome, StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    let outcome = {
        let mut items = txn.open_table(ITEMS).map_err(unavailable)?;
        let identity_key = keys::identity(&login.appid, &login.openid);
        let existing: Option<IdentityItem> = read(&items, &identity_key)?;
        match existing {
            Some(mut identity) => {
                identity.session_key = login.session_key.expose_base64().to_owned();
                identity.session_at = login.now;
                if let (None, Some(unionid)) = (&identity.union_id, &login.unionid) {
                    link_union(&mut items, &mut identity, unionid, login.now)?;
                }
                write_item(&mut items, &identity_key, &identity)?;
                outcome_of(&identity, false)?
            }
            None => {
                let owner = match &login.unionid {
                    Some(u) => read::<UnionItem>(&items, &keys::union(u))?.map(|item| item.user_id),
                    None => None,
                };
                let identity_ref = keys::identity_ref(&login.appid, &login.openid);
                let (user_id, is_new, has_phone) = match owner {
                    Some(owner) => {
                        let user_key = keys::user(&parse_user_id(&owner)?);
                        let mut user: UserItem = read(&items, &user_key)?.ok_or_else(|| {
                            corrupt(format!("union points to missing user {owner}"))
                        })?;
                        user.identities.push(identity_ref);
                        write_item(&mut items, &user_key, &user)?;
                        (owner, false, user.phone.is_some())
                    }
                    None => {
                        let user_id = UserId::generate();
                        let user = UserItem {
                            created_at: login.now,
                            identities: vec![identity_ref],
                            union_id: login.unionid.as_ref().map(|u| u.as_str().to_owned()),
                            phone: None,
                            phone_country_code: None,
                            profile: Profile::default(),
                        };
                        write_item(&mut items, &keys::user(&user_id), &user)?;
                        if let Some(u) = &login.unionid {
                            let union = UnionItem {
                                user_id: user_id.as_str().to_owned(),
                                created_at: login.now,
                            };
                            write_item(&mut items, &keys::union(u), &union)?;
                        }
                        (user_id.as_str().to_owned(), true, false)
                    }
                };
                let identity = IdentityItem {
                    user_id,
                    session_key: login.session_key.expose_base64().to_owned(),
                    session_at: login.now,
                    created_at: login.now,
                    union_id: login.unionid.as_ref().map(|u| u.as_str().to_owned()),
                    has_phone,
                };
                write_item(&mut items, &identity_key, &identity)?;
                outcome_of(&identity, is_new)?
            }
        }
    };
    txn.commit().map_err(unavailable)?;
    Ok(outcome)
}

/// Links a unionid the identity's user did not have, when nobody else holds it.
fn link_union(
    items: &mut Table<&str, &[u8]>,
    identity: &mut IdentityItem,
    unionid: &UnionId,
    now: u64,
) -> Result<(), StoreError> {
    let union_key = keys::union(unionid);
    if let Some(holder) = read::<UnionItem>(items, &union_key)? {
        if holder.user_id != identity.user_id {
            tracing::warn!(user_id = %identity.user_id, "unionid already linked to another user; left unlinked");
            return Ok(());
        }
    } else {
        write_item(
            items,
            &union_key,
            &UnionItem {
                user_id: identity.user_id.clone(),
                created_at: now,
            },
        )?;
    }
    let user_key = keys::user(&parse_user_id(&identity.user_id)?);
    if let Some(mut user) = read::<UserItem>(items, &user_key)? {
        user.union_id
            .get_or_insert_with(|| unionid.as_str().to_owned());
        write_item(items, &user_key, &user)?;
    }
    identity.union_id = Some(unionid.as_str().to_owned());
    Ok(())
}

fn write_profile_in(db: &Database, write: &ProfileWrite) -> Result<ProfileWritten, StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    let written = {
        let mut items = txn.open_table(ITEMS).map_err(unavailable)?;
        let me = write.user.user_id.as_str();
        let user_key = keys::user(&write.user.user_id);
        let mut user: UserItem =
            read(&items, &user_key)?.ok_or_else(|| unavailable("user vanished"))?;
        let owner = match &write.union_id {
            Some(u) => read::<UnionItem>(&items, &keys::union(u))?.map(|item| item.user_id),
            None => None,
        };
        match (&write.union_id, owner) {
            // A different unionId than the user's own cannot be the same person.
            (Some(u), _)
                if user
                    .union_id
                    .as_deref()
                    .is_some_and(|mine| mine != u.as_str()) =>
            {
                ProfileWritten::Conflict
            }
            (Some(u), Some(owner)) if owner != me => {
                // Judged on the item as this transaction reads it, not the caller's copy.
                if user.identities.len() > 1 || user.phone.is_some() {
                    ProfileWritten::Conflict
                } else {
                    let owner_id = parse_user_id(&owner)?;
                    let owner_key = keys::user(&owner_id);
                    let mut owner_item: UserItem = read(&items, &owner_key)?
                        .ok_or_else(|| corrupt("union points to a missing user"))?;
                    let identity_key = keys::identity(&write.appid, &write.openid);
                    let mut identity: IdentityItem = read(&items, &identity_key)?
                        .ok_or_else(|| unavailable("identity vanished"))?;
                    identity.user_id = owner.clone();
                    identity.union_id = Some(u.as_str().to_owned());
                    identity.has_phone = owner_item.phone.is_some();
                    owner_item
                        .identities
                        .push(keys::identity_ref(&write.appid, &write.openid));
                    owner_item.profile = write.profile.merged_over(&owner_item.profile);
                    let profile = owner_item.profile.clone();
                    write_item(&mut items, &identity_key, &identity)?;
                    write_item(&mut items, &owner_key, &owner_item)?;
                    items.remove(user_key.as_str()).map_err(unavailable)?;
                    ProfileWritten::Folded {
                        owner: owner_id,
                        union_id: u.clone(),
                        profile,
                    }
                }
            }
            (union_id, _) => {
                if let Some(u) = union_id.as_ref().filter(|_| user.union_id.is_none()) {
                    write_item(
                        &mut items,
                        &keys::union(u),
                        &UnionItem {
                            user_id: me.to_owned(),
                            created_at: write.now,
                        },
                    )?;
                    user.union_id = Some(u.as_str().to_owned());
                    for identity_ref in &user.identities {
                        let key = keys::identity_from_ref(identity_ref);
                        if let Some(mut identity) = read::<IdentityItem>(&items, &key)? {
                            identity.union_id = Some(u.as_str().to_owned());
                            write_item(&mut items, &key, &identity)?;
                        }
                    }
                }
                user.profile = write.profile.merged_over(&user.profile);
                write_item(&mut items, &user_key, &user)?;
                let union_id = user
                    .union_id
                    .clone()
                    .map(UnionId::parse)
                    .transpose()
                    .map_err(corrupt)?;
                ProfileWritten::Stored {
                    user_id: write.user.user_id.clone(),
                    union_id,
                    profile: user.profile,
                }
            }
        }
    };
    txn.commit().map_err(unavailable)?;
    Ok(written)
}

#[derive(Serialize, Deserialize)]
struct PhoneItem {
    user_id: String,
    created_at: u64,
}

fn bind_phone_in(db: &Database, bind: &PhoneBind) -> Result<PhoneBound, StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    let bound = {
        let mut items = txn.open_table(ITEMS).map_err(unavailable)?;
        let me = bind.user.user_id.as_str();
        let user_key = keys::user(&bind.user.user_id);
        let mut user: UserItem =
            read(&items, &user_key)?.ok_or_else(|| unavailable("user vanished"))?;
        let phone_key = keys::phone(&bind.phone);
        match read::<PhoneItem>(&items, &phone_key)? {
            Some(holder) if holder.user_id == me => PhoneBound::AlreadyYours,
            Some(_) => PhoneBound::Taken,
            None => {
                if let (Some(old), Some(cc)) = (&user.phone, &user.phone_country_code) {
                    let old = PhoneNumber::from_e164(old, cc).map_err(corrupt)?;
                    items
                        .remove(keys::phone(&old).as_str())
                        .map_err(unavailable)?;
                }
                write_item(
                    &mut items,
                    &phone_key,
                    &PhoneItem {
                        user_id: me.to_owned(),
                        created_at: bind.now,
                    },
                )?;
                user.phone = Some(bind.phone.e164().to_owned());
                user.phone_country_code = Some(bind.phone.country_code().to_owned());
                write_item(&mut items, &user_key, &user)?;
                for identity_ref in &user.identities {
                    let key = keys::identity_from_ref(identity_ref);
                    if let Some(mut identity) = read::<IdentityItem>(&items, &key)? {
                        identity.has_phone = true;
                        write_item(&mut items, &key, &identity)?;
                    }
                }
                PhoneBound::Bound
            }
        }
    };
    txn.commit().map_err(unavailable)?;
    Ok(bound)
}

fn parse_user_id(text: &str) -> Result<UserId, StoreError> {
    UserId::parse(text).map_err(corrupt)
}

fn outcome_of(identity: &IdentityItem, is_new_user: bool) -> Result<LoginOutcome, StoreError> {
    Ok(LoginOutcome {
        user_id: parse_user_id(&identity.user_id)?,
        is_new_user,
        union_id: identity
            .union_id
            .clone()
            .map(UnionId::parse)
            .transpose()
            .map_err(corrupt)?,
        has_phone: identity.has_phone,
    })
}

#[async_trait::async_trait]
impl UserStore for EmbeddedStore {
    async fn record_login(&self, login: &LoginRecord) -> Result<LoginOutcome, StoreError> {
        let login = login.clone();
        self.blocking(move |db| record_login_in(db, &login)).await
    }

    async fn session(&self, appid: &AppId, openid: &OpenId) -> Result<Option<Session>, StoreError> {
        let key = keys::identity(appid, openid);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let items = txn.open_table(ITEMS).map_err(unavailable)?;
            read::<IdentityItem>(&items, &key)?
                .map(session_of)
                .transpose()
        })
        .await
    }

    async fn write_profile(&self, write: &ProfileWrite) -> Result<ProfileWritten, StoreError> {
        let write = write.clone();
        self.blocking(move |db| write_profile_in(db, &write)).await
    }

    async fn bind_phone(&self, bind: &PhoneBind) -> Result<PhoneBound, StoreError> {
        let bind = bind.clone();
        self.blocking(move |db| bind_phone_in(db, &bind)).await
    }

    async fn account(
        &self,
        user_id: &UserId,
        appid: &AppId,
        openid: &OpenId,
        token_id: &str,
    ) -> Result<Option<Account>, StoreError> {
        let (identity_key, user_key, user_id) = (
            keys::identity(appid, openid),
            keys::user(user_id),
            user_id.clone(),
        );
        let revoked_key = keys::revoked(token_id);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let items = txn.open_table(ITEMS).map_err(unavailable)?;
            let identity = read::<IdentityItem>(&items, &identity_key)?
                .filter(|i| i.user_id == user_id.as_str());
            let (Some(identity), Some(user)) = (identity, read::<UserItem>(&items, &user_key)?)
            else {
                return Ok(None);
            };
            if read::<RevokedItem>(&items, &revoked_key)?.is_some() {
                return Ok(None);
            }
            Ok(Some(Account {
                session: session_of(identity)?,
                user: user.record(user_id)?,
            }))
        })
        .await
    }

    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let revocation = revocation.clone();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            {
                let mut items = txn.open_table(ITEMS).map_err(unavailable)?;
                // Sweep what has expired (DynamoDB's TTL does this there).
                let now = crate::clock::Clock::now_unix(&crate::clock::SystemClock);
                let mut expired = Vec::new();
                for entry in items.range("REVOKED#".."REVOKED$").map_err(unavailable)? {
                    let (key, value) = entry.map_err(unavailable)?;
                    let item: RevokedItem =
                        serde_json::from_slice(value.value()).map_err(corrupt)?;
                    if item.expires_at < now {
                        expired.push(key.value().to_owned());
                    }
                }
                for key in expired {
                    items.remove(key.as_str()).map_err(unavailable)?;
                }
                let item = RevokedItem {
                    user_id: revocation.user_id.to_string(),
                    expires_at: revocation.expires_at,
                };
                write_item(&mut items, &keys::revoked(&revocation.token_id), &item)?;
            }
            txn.commit().map_err(unavailable)
        })
        .await
    }

    async fn is_revoked(&self, token_id: &str) -> Result<bool, StoreError> {
        let key = keys::revoked(token_id);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let items = txn.open_table(ITEMS).map_err(unavailable)?;
            Ok(read::<RevokedItem>(&items, &key)?.is_some())
        })
        .await
    }
}

fn session_of(identity: IdentityItem) -> Result<Session, StoreError> {
    let outcome = outcome_of(&identity, false)?;
    Ok(Session {
        user_id: outcome.user_id,
        session_key: SessionKey::parse(identity.session_key).map_err(corrupt)?,
        union_id: outcome.union_id,
        has_phone: identity.has_phone,
        updated_at: identity.session_at,
    })
}
