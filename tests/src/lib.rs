//! The test rig: the DynamoDB emulator (and its S3), the WeChat simulator, Tencent SMS and
//! AWS SMS stand-ins, the EMF checker, and the HTTP surface driven with API Gateway HTTP API (v2)
//! events, exactly as Lambda delivers them, with `wx.uploadFile` bodies.

pub mod aws_sms;
pub mod cargo_lambda;
pub mod dynamo_proxy;
pub mod emf;
pub mod emulator;
pub mod events;
pub mod fault_proxy;
pub mod harness;
pub mod held_store;
pub mod http_front;
pub mod invariants;
pub mod local_stack;
pub mod scripted_session;
pub mod template;
pub mod tencent_sms;
pub mod upload;
pub mod upstream;

pub use harness::{Harness, StoreKind};
