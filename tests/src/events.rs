//! API Gateway HTTP API (payload v2) events, parsed by lambda_http exactly as the
//! Lambda runtime would hand them to a function.

use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

/// An HTTP API v2 event for `method path` with an optional JSON body and bearer token.
pub fn http_api_event(method: &str, path: &str, body: Option<&str>, token: Option<&str>) -> Value {
    let mut headers = json!({
        "content-type": "application/json",
        "user-agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 miniProgram",
        "host": "abc123.execute-api.cn-north-1.amazonaws.com.cn",
    });
    if let Some(token) = token {
        headers["authorization"] = json!(format!("Bearer {token}"));
    }
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.cn-north-1.amazonaws.com.cn",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 miniProgram"
            },
            "requestId": format!("req-{}", uuid::Uuid::new_v4().simple()),
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "21/Nov/2026:08:00:00 +0000",
            "timeEpoch": 1_795_248_000_000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// Parses an event the way lambda_http does for a function.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string())
        .expect("event parses as an API Gateway v2 request")
}

/// Status and JSON body of a function's answer.
pub fn status_and_json(response: Response<Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8(bytes.clone()).expect("utf-8 body"),
        _ => String::new(),
    };
    let json = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {body:?}"));
    (status, json)
}

/// The event fixture `events/<name>` (e.g. `login/success.json`), as committed.
pub fn fixture(name: &str) -> Value {
    let path = crate::cargo_lambda::workspace_root()
        .join("events")
        .join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// Every `{{name}}` placeholder left in `event` (its JSON body included).
pub fn placeholders(event: &Value) -> Vec<String> {
    let text = event.to_string().replace("\\\"", "\"");
    let mut found = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        found.push(rest[start + 2..start + len].to_owned());
        rest = &rest[start + len + 2..];
    }
    found
}

/// `event` with its `{{name}}` placeholders replaced by `values`. A JSON `body`
/// is parsed, filled and serialized again, so values are escaped correctly.
pub fn fill(event: &Value, values: &[(&str, &str)]) -> Value {
    fn fill_value(value: &Value, values: &[(&str, &str)], parse_body: bool) -> Value {
        match value {
            Value::String(text) => Value::String(values.iter().fold(text.clone(), |t, (k, v)| {
                t.replace(&format!("{{{{{k}}}}}"), v)
            })),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| fill_value(v, values, false)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| {
                        let filled = match (parse_body && k == "body", v.as_str()) {
                            (true, Some(body)) => match serde_json::from_str::<Value>(body) {
                                Ok(json) => {
                                    Value::String(fill_value(&json, values, false).to_string())
                                }
                                Err(_) => fill_value(v, values, false),
                            },
                            _ => fill_value(v, values, false),
                        };
                        (k.clone(), filled)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let filled = fill_value(event, values, true);
    let left = placeholders(&filled);
    assert!(left.is_empty(), "placeholders left unfilled: {left:?}");
    filled
}
