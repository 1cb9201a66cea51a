//! Domain types. Values are parsed at the edge and trusted inside.

mod ids;
mod session_key;

pub use ids::{AppId, InvalidId, OpenId, UnionId, UserId};
pub use session_key::{InvalidSessionKey, SessionKey};
