//! A simulator of WeChat's servers (`api.weixin.qq.com`), for tests and local runs.
//!
//! WeChat can't be reached from CI or a developer laptop, so the login backend is
//! exercised against this simulator instead. It answers byte-for-byte like WeChat,
//! quirks included, so the client code that parses WeChat's answers is tested
//! against what it will really see:
//!
//! - `jscode2session` serves its JSON as `Content-Type: text/plain`, always with
//!   HTTP 200, escapes `/` as `\/`, and leaves `errcode` out on success;
//! - `stable_token`, `getuserphonenumber`, `checksession`,
//!   `resetusersessionkey` and `msg_sec_check` serve `application/json; encoding=utf-8`, also
//!   always with HTTP 200; a token is `{"access_token","expires_in"}` without
//!   `errcode`, the others answer with `"errcode":0,"errmsg":"ok"`;
//! - errors carry WeChat's `errmsg` texts with a `, rid: <id>` suffix, e.g.
//!   `{"errcode":40029,"errmsg":"invalid code, rid: 6561a0b2-1c3d5e7f-2a4b6c8d"}`;
//! - login and phone codes are single-use (`40163 code been used`, `40029`).
//!
//! Endpoints (details on [`Simulator`]):
//!
//! | endpoint                                              | counted as              |
//! |-------------------------------------------------------|-------------------------|
//! | `GET /sns/jscode2session`                             | `"jscode2session"`      |
//! | `POST /cgi-bin/stable_token`                          | `"stable_token"`        |
//! | `POST /wxa/business/getuserphonenumber?access_token=` | `"getuserphonenumber"`  |
//! | `GET /wxa/checksession?access_token=`                 | `"checksession"`        |
//! | `GET /wxa/resetusersessionkey?access_token=`          | `"resetusersessionkey"` |
//! | `POST /wxa/msg_sec_check?access_token=`               | `"msg_sec_check"`       |
//! | `POST /wxa/media_check_async?access_token=`           | `"media_check_async"`   |
//!
//! Tests steer logins through the login code itself (the little language is
//! described on [`Simulator`]), so no side channel is needed: the same code
//! text works whether it goes through a mini-program mock, a Lambda under test
//! or the local dev server. What the mini-program gets from WeChat's buttons
//! (phone codes, encrypted user info and phone data) is minted from Rust
//! ([`Simulator::mint_phone_code`], [`Simulator::mint_open_data`]) or over HTTP
//! through the simulator's own control routes (`POST /sim/mint/profile`,
//! `/sim/mint/phone-code`, `/sim/mint/phone-data`). A stand-in for the
//! WeChat client library gets its `wx.login` codes the same way
//! ([`Simulator::mint_login_code`], `POST /sim/mint/login-code`) and asks
//! `POST /sim/check-session` what `wx.checkSession` would answer
//! ([`Simulator::is_login_current`]). Access-token trouble is
//! injected with [`Simulator::fail_next_access_token_use`] and
//! [`Simulator::expire_access_tokens`]. A stored session key is checked with
//! `checksession` and replaced with `resetusersessionkey`, both signed with
//! [`session_signature`].
//!
//! Text checks (`msg_sec_check`, version 2) decide by a word list: text
//! containing `违规` is `risky` (label 20001), `赌博` risky (20006), `诈骗`
//! risky (20008), `广告` `review` (10001), anything else `pass` (100). The
//! openid must be a user who logged in to the token's app within the last 2
//! hours (61010 otherwise). [`Simulator::fail_next_access_token_use`] injects
//! its errors (`-1` busy, `61010`, `45009` daily quota, ...) and
//! [`Simulator::delay_next_msg_sec_check`] a late answer.
//!
//! Image checks (`media_check_async`, version 2) answer a `trace_id` at once
//! (same errors as `msg_sec_check`, plus 40004 when `media_type` is not 2),
//! then, as WeChat does, fetch `media_url` and push the verdict as a
//! `wxa_media_check` event to the app's message-push URL
//! ([`Simulator::set_push_target`], secure mode, JSON; or
//! [`PushTarget::from_env`] for a host's configuration). The verdict comes
//! from a marker in the image's bytes: `WXSIM-RISKY` is `risky` (label
//! 20002), `WXSIM-REVIEW` `review` (21000), anything else `pass` (100); an
//! image that can't be downloaded (not status 200, no connection) gets an
//! event with `errcode` -1008 and no `result`. The event's `ToUserName` is
//! [`original_id_for`]`(appid)`. [`Simulator::hold_media_events`] and
//! [`Simulator::release_media_events`] time the events, and
//! [`Simulator::delivered_pushes`] records each push with its answer.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wxauth_wechat_sim::{PhoneSpec, Simulator, openid_for, profile_payload};
//!
//! let sim = Simulator::new([("wx0123456789abcdef", "app-secret")]);
//! let running = sim.start("127.0.0.1:0".parse().unwrap()).await?;
//! // Point the code under test at `running.base_url()` instead of
//! // `https://api.weixin.qq.com`, then log in with e.g. the code `alice;n=1`:
//! // the answer's openid is `openid_for("wx0123456789abcdef", "alice")`.
//! # let _ = openid_for("wx0123456789abcdef", "alice");
//! // Then hand the backend what alice's mini-program would send:
//! let code = sim.mint_phone_code("wx0123456789abcdef", "alice", &PhoneSpec::china("13800138000"));
//! let profile = profile_payload("wx0123456789abcdef", "alice", "Alice", "https://a/x.png", None);
//! let data = sim.mint_open_data("wx0123456789abcdef", "alice", profile); // None before login
//! # let _ = (code, data);
//! # Ok(()) }
//! ```

// Dependencies run one way, down this chain: `server` serves the `router`,
// which mounts the `handlers`, which work on the `simulator` handle (and
// `delivery`, its image checks after the answer); below it come `mint`, then
// `state`, `outbox`, then `access_token`, `phone`, `push`, `media` and the
// other leaves. No module uses one above it.
mod access_token;
mod broken;
mod clock;
mod code;
mod content;
mod delivery;
mod errors;
mod handlers;
mod identity;
mod media;
mod mint;
mod open_data;
mod outbox;
mod phone;
mod push;
mod random;
mod reply;
mod router;
mod server;
mod signature;
mod simulator;
mod state;

pub use identity::{openid_for, original_id_for, phone_for, unionid_for};
pub use open_data::{OpenData, profile_payload};
pub use outbox::DeliveredPush;
pub use phone::{PhoneSpec, phone_payload};
pub use push::{PUSH_AES_KEY_VAR, PUSH_TOKEN_VAR, PUSH_URL_VAR, PushTarget};
pub use server::RunningSimulator;
pub use signature::session_signature;
pub use simulator::Simulator;
