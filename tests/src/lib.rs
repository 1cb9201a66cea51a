//! The test rig: the DynamoDB emulator, the WeChat simulator, Tencent SMS and
//! AWS SMS stand-ins, and the HTTP surface driven with API Gateway HTTP API (v2)
//! events, exactly as Lambda delivers them.

pub mod aws_sms;
pub mod cargo_lambda;
pub mod dynamo_proxy;
pub mod emulator;
pub mod events;
pub mod harness;
pub mod held_store;
pub mod tencent_sms;

pub use harness::{Harness, StoreKind};
