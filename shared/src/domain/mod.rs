//! Domain types. Values are parsed at the edge and trusted inside.

mod ids;
mod phone;
mod profile;
pub mod rules;
mod session_key;

pub use ids::{AppId, InvalidId, OpenId, UnionId, UserId};
pub use phone::{InvalidPhone, PhoneNumber};
pub use profile::{PLACEHOLDER_AVATAR_PATH, PLACEHOLDER_NICKNAME, Profile};
pub use session_key::{InvalidSessionKey, SessionKey};
