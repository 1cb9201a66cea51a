//! A simulator of WeChat's servers (`api.weixin.qq.com`), for tests and local runs.
//!
//! WeChat can't be reached from CI or a developer laptop, so the login backend is
//! exercised against this simulator instead. It answers byte-for-byte like WeChat,
//! quirks included, so the client code that parses WeChat's answers is tested
//! against what it will really see:
//!
//! - `jscode2session` serves its JSON as `Content-Type: text/plain`, always with
//!   HTTP 200, escapes `/` as `\/`, and leaves `errcode` out on success;
//! - errors carry WeChat's `errmsg` texts with a `, rid: <id>` suffix, e.g.
//!   `{"errcode":40029,"errmsg":"invalid code, rid: 6561a0b2-1c3d5e7f-2a4b6c8d"}`;
//! - login codes are single-use (`40163 code been used`).
//!
//! Tests steer the simulator through the login code itself (the little
//! language is described on [`Simulator`]), so no side channel is needed: the
//! same code text works whether it goes through a mini-program mock, a Lambda
//! under test or the local dev server.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wxauth_wechat_sim::{Simulator, openid_for};
//!
//! let sim = Simulator::new([("wx0123456789abcdef", "app-secret")]);
//! let running = sim.start("127.0.0.1:0".parse().unwrap()).await?;
//! // Point the code under test at `running.base_url()` instead of
//! // `https://api.weixin.qq.com`, then log in with e.g. the code `alice;n=1`:
//! // the answer's openid is `openid_for("wx0123456789abcdef", "alice")`.
//! # let _ = openid_for("wx0123456789abcdef", "alice");
//! # Ok(()) }
//! ```

mod broken;
mod code;
mod errors;
mod identity;
mod jscode2session;
mod random;
mod reply;
mod server;
mod simulator;
mod state;

pub use identity::{openid_for, unionid_for};
pub use server::RunningSimulator;
pub use simulator::Simulator;
