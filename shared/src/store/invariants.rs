//! The invariants of stored accounts, over every item of a table: what no
//! request may break, however it ends (a race, a fault, a timeout). Checked
//! by the tests, never by a function: after every commit of the property
//! tests of the rules (`shared/tests/account_rules.rs`, over [`super::memory`])
//! and after every run of the DynamoDB fault tests (`tests/it/dynamo_faults.rs`,
//! over the whole emulated table).

use super::{Item, Items, Key};
use std::collections::{BTreeMap, HashMap};

/// Checks that the stored accounts are whole:
///
/// - every identity points to a user that lists it, and every listed identity
///   exists and points back (no half-made or half-deleted account);
/// - `hasPhone` on every identity is true exactly when its user holds a
///   number, and every identity carries its user's unionId;
/// - one user per unionId and per number, each held by its item, and no such
///   item left to a missing user or a user that no longer holds it;
/// - no nickname check outlives its nickname.
pub fn check(items: &Items) -> Result<(), String> {
    let mut users = BTreeMap::new();
    let mut identities = BTreeMap::new();
    let mut unions = BTreeMap::new();
    let mut phones = BTreeMap::new();
    for (key, item) in items {
        match item {
            Item::User(user) => drop(users.insert(key.clone(), user)),
            Item::Identity(identity) => drop(identities.insert(key.clone(), identity)),
            Item::Union(owner) => drop(unions.insert(key.clone(), owner)),
            Item::Phone(owner) => drop(phones.insert(key.clone(), owner)),
            Item::SmsCode(_) | Item::Limit(_) | Item::Ticket(_) | Item::MediaCheck(_) => {}
        }
    }
    for (key, identity) in &identities {
        let user_key = Key::user(&identity.user_id);
        let user = users
            .get(&user_key)
            .ok_or(format!("{key:?} points to missing {user_key:?}"))?;
        if !user.identities.iter().any(|r| &r.key() == key) {
            return Err(format!("{user_key:?} does not list {key:?}"));
        }
        if identity.has_phone != user.phone.is_some() {
            return Err(format!(
                "{key:?} hasPhone {} but the user's number is {:?}",
                identity.has_phone, user.phone
            ));
        }
        if identity.union_id != user.union_id {
            return Err(format!(
                "{key:?} unionId {:?}, its user's {:?}",
                identity.union_id, user.union_id
            ));
        }
    }
    let mut held_unions = HashMap::new();
    let mut held_numbers = HashMap::new();
    for (user_key, user) in &users {
        if user.profile.nick_name.is_none() && user.checks.nick_name.is_some() {
            return Err(format!("{user_key:?} keeps a check of no nickname"));
        }
        for entry in &user.identities {
            match identities.get(&entry.key()) {
                Some(identity) if &Key::user(&identity.user_id) == user_key => {}
                other => return Err(format!("{user_key:?} lists {entry:?}, which is {other:?}")),
            }
        }
        if let Some(union_id) = &user.union_id {
            if let Some(other) = held_unions.insert(union_id.clone(), user_key.clone()) {
                return Err(format!("{union_id:?} held by {other:?} and {user_key:?}"));
            }
            match unions.get(&Key::union(union_id)) {
                Some(owner) if &Key::user(&owner.user_id) == user_key => {}
                other => {
                    return Err(format!(
                        "{user_key:?} has {union_id:?}, whose item is {other:?}"
                    ));
                }
            }
        }
        if let Some(phone) = &user.phone {
            if let Some(other) = held_numbers.insert(phone.clone(), user_key.clone()) {
                return Err(format!("{phone:?} held by {other:?} and {user_key:?}"));
            }
            match phones.get(&Key::phone(phone)) {
                Some(owner) if &Key::user(&owner.user_id) == user_key => {}
                other => {
                    return Err(format!(
                        "{user_key:?} has {phone:?}, whose item is {other:?}"
                    ));
                }
            }
        }
    }
    for (key, owner) in unions.iter().chain(phones.iter()) {
        let user_key = Key::user(&owner.user_id);
        if !users.contains_key(&user_key) {
            return Err(format!("{key:?} is held by missing {user_key:?}"));
        }
    }
    if phones.len() != held_numbers.len() || unions.len() != held_unions.len() {
        return Err(format!(
            "{} number items for {} held numbers, {} union items for {} held unionIds",
            phones.len(),
            held_numbers.len(),
            unions.len(),
            held_unions.len()
        ));
    }
    Ok(())
}
