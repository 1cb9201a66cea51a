//! Integration tests. Under `scripts/test.sh` the DynamoDB tests run against the
//! emulator it starts; see `wxauth_tests::emulator`.

mod account_lifecycle;
mod account_races;
mod avatar_flow;
mod aws_sms;
mod concurrency;
mod conformance;
mod dynamo_faults;
mod ended_sessions;
mod items_of_before;

mod key_rotation;
mod lambda_invoke;
mod log_capture;
mod login_errors;
mod login_flow;
mod login_ticket;
mod logout_flow;
mod metrics_emf;
mod nickname_flow;
mod objects;
mod password_login;
mod phone_flow;
mod phone_login;
mod profile_flow;
mod request_budget;
mod sessions;
mod sms_login;
mod start_up;
mod template_limits;
mod template_secrets;
mod tencent_sms;
mod wechat_client;
