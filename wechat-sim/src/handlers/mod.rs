//! The HTTP handlers: one module per WeChat endpoint, and the simulator's own
//! `/sim/` control routes. They work on the [`Simulator`](crate::Simulator)
//! handle and the world behind it; [`crate::router`] mounts them, and nothing
//! here knows the router.

pub(crate) mod checksession;
pub(crate) mod control;
pub(crate) mod getuserphonenumber;
pub(crate) mod jscode2session;
pub(crate) mod media_check_async;
pub(crate) mod msg_sec_check;
pub(crate) mod resetusersessionkey;
pub(crate) mod stable_token;
