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
