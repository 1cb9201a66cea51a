//! What `GET /example/me` answers: the caller as the wxauth authorizer
//! described them. The Lambda function (`main.rs`) and the local server,
//! which puts the same authorizer decision in front of it, both answer this.

use serde_json::{Value, json};
use std::collections::HashMap;

/// The status and body for a request whose authorizer context is `caller`
/// (`requestContext.authorizer.lambda`), or none when the route was reached
/// without the authorizer.
pub fn answer(caller: Option<&HashMap<String, Value>>) -> (u16, Value) {
    let field = |caller: &HashMap<String, Value>, name: &str| {
        caller.get(name).and_then(Value::as_str).map(str::to_owned)
    };
    match caller.and_then(|c| Some((field(c, "userId")?, c))) {
        Some((user_id, caller)) => (
            200,
            json!({
                "userId": user_id,
                "appid": field(caller, "appid"),
                "openid": field(caller, "openid"),
            }),
        ),
        // Only reachable when the route is deployed without the authorizer.
        None => (
            401,
            json!({"error": {"code": "unauthorized", "message": "this route needs the wxauth authorizer"}}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_is_answered_and_no_caller_is_unauthorized() {
        let caller = HashMap::from([
            ("userId".to_owned(), json!("u1")),
            ("appid".to_owned(), json!("wx1")),
            ("openid".to_owned(), json!("o1")),
            ("expiresAt".to_owned(), json!(1)),
        ]);
        assert_eq!(
            answer(Some(&caller)),
            (200, json!({"userId": "u1", "appid": "wx1", "openid": "o1"}))
        );
        let phone_user = HashMap::from([("userId".to_owned(), json!("u2"))]);
        assert_eq!(
            answer(Some(&phone_user)),
            (200, json!({"userId": "u2", "appid": null, "openid": null}))
        );
        assert_eq!(answer(None).0, 401);
        assert_eq!(answer(Some(&HashMap::new())).0, 401);
    }
}
