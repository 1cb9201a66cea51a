//! The use cases: each reads what it needs from the store, lets the account
//! rules of `crate::domain::rules` decide, and commits what they wrote, again
//! and again while guards fail ([`decider`]).

pub mod account;
pub mod avatar;
pub mod decider;
pub mod login;
pub mod logout;
pub mod nickname;
pub mod number_login;
pub mod password;
pub mod phone;
pub mod profile;
pub mod push;
pub mod refresh;
pub mod sessions;
pub mod sms;
mod undecryptable;
