//! The use cases: each reads what it needs from the store, lets the domain
//! decide (`crate::domain::rules`), and commits what the decision wrote.

pub mod login;
pub mod phone;
pub mod profile;
