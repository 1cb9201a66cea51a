//! Every account rule, once: plain functions over what a use case has read
//! ([`Snapshot`]), answering what to read next, or the answer and the guarded
//! writes that make it true ([`Step`]). The stores only read and commit; when a
//! guard fails the use case reads again and asks these functions again
//! (`usecases::decider`).
//!
//! - [`session`]: whether a token's session is still live (identity still the
//!   token's user's, user still there, token not revoked).
//! - [`login`]: new user, returning user, joining a user through its unionId,
//!   linking a unionId that arrives later.
//! - [`profile`]: merging a profile, linking a unionId, folding an empty user
//!   into the unionId's owner, conflicts.
//! - [`phone`]: one number per user, one user per number, releasing the old number.

pub mod login;
pub mod phone;
pub mod profile;
pub mod session;
mod snapshot;

pub use snapshot::{Read, Snapshot, Step};

#[cfg(test)]
mod fixtures;
