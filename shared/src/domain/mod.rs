//! Domain types. Values are parsed at the edge and trusted inside.

mod ids;
mod phone;
mod session_key;

pub use ids::{AppId, InvalidId, OpenId, UnionId, UserId};
pub use phone::{InvalidPhone, PhoneNumber};
pub use session_key::{InvalidSessionKey, SessionKey};
