//! wxauth's common library. Everything the Lambda functions and the local
//! server share lives here, organised as ports and adapters:
//!
//! - [`domain`]: the types that carry meaning (ids, phone numbers, session
//!   keys, profiles) and [`domain::rules`], every account rule once, as plain
//!   functions over what was read.
//! - [`usecases`]: login, profile, phone, logout: read, let the rules decide,
//!   commit the guarded writes, read and decide again when a guard fails.
//! - ports: [`store::ItemStore`], [`objects::ObjectStore`], [`wechat::WeChatApi`],
//!   [`clock::Clock`].
//! - adapters: [`store::dynamo`] (production), [`store::embedded`] (local runs),
//!   [`store::memory`] (benchmarks, property tests), [`objects::S3Objects`]
//!   and [`objects::FileObjects`] (avatars: production, local runs),
//!   [`wechat::HttpWeChat`] (the real WeChat API or the simulator).
//! - [`tokens`]: our own RS256 JWTs and the JWKS document; [`authorizer`], the
//!   Lambda authorizer that verifies them for a team's own routes;
//!   [`custom_resource`], the deploy-time step that derives the verifiers'
//!   public keys from the signing key.
//! - [`crypto`]: WeChat's open-data decryption and signatures.
//! - the edge: [`api`] (framework-free HTTP routing, the error catalogue),
//!   [`lambda`] (the lambda_http adapter), [`config`], [`logging`], [`metrics`], [`setup`]
//!   (start-up wiring).

pub mod api;
pub mod authorizer;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod custom_resource;
pub mod domain;
pub mod lambda;
pub mod logging;
pub mod metrics;
pub mod objects;
pub mod open_data;
mod outbound;
pub mod passwords;
pub mod setup;
pub mod sms;
pub mod store;
pub mod tls;
pub mod tokens;
pub mod usecases;
pub mod wechat;
