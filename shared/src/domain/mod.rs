//! Domain types. Values are parsed at the edge and trusted inside.

mod avatar;
mod content_check;
mod identity;
mod ids;
mod nickname;
mod password;
mod phone;
mod profile;
pub mod rules;
mod session;
mod session_key;
mod sms_code;
mod ticket;

pub use avatar::{AvatarImage, AvatarKey, ImageError, ImageKind, MAX_AVATAR_BYTES};
pub use content_check::{CheckState, ContentCheck, ContentChecks, Suggest, Verdict};
pub use identity::{Identity, mask_openid};
pub use ids::{AppId, InvalidId, OpenId, SessionId, UnionId, UserId};
pub use nickname::{InvalidNickName, MAX_NICKNAME_CHARS, NickName};
pub use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Password, PasswordHash, Weakness};
pub use phone::{InvalidPhone, PhoneNumber};
pub use profile::{PLACEHOLDER_AVATAR_PATH, PLACEHOLDER_NICKNAME, Profile};
pub use session::{NewSession, RefreshHash, RefreshSecret, Session, SessionPolicy};
pub use session_key::{InvalidSessionKey, SessionKey};
pub use sms_code::SmsCode;
pub use ticket::LoginTicket;
