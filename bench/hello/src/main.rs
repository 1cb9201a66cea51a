//! The smallest Lambda function there is: `lambda_runtime` answering every event
//! with a greeting. Its init time is the floor the real functions are held to.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({"message": "hello"}))
    }))
    .await
}
