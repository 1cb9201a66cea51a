//! The metrics: every EMF document the backend prints during real flows (over
//! the DynamoDB emulator, behind a proxy that can throttle) is one a CloudWatch
//! Logs would extract metrics from, the flows' figures are in them, each
//! request's in its own document, and nothing secret is.

use serde_json::{Value, json};
use std::sync::{Arc, Mutex, OnceLock};
use wxauth_shared::authorizer::AuthorizerRequest;
use wxauth_shared::metrics;
use wxauth_tests::emf::{self, Metric};
use wxauth_tests::harness::{APP_A, Harness, SECRET_A, call_router};
use wxauth_wechat_sim::openid_for;

/// The documents printed by this test binary, installed once as the
/// process's metrics output (the other tests' documents land here too, which
/// only widens the check).
fn captured() -> &'static Arc<Mutex<Vec<String>>> {
    static LINES: OnceLock<Arc<Mutex<Vec<String>>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        assert!(
            metrics::print_to(move |line| sink.lock().unwrap().push(line.to_owned())),
            "no other metrics output in this test binary"
        );
        lines
    })
}

fn login_body(user: &str, options: &str) -> String {
    json!({ "code": Harness::code(user, options), "appid": APP_A }).to_string()
}

/// Each document's metrics, by its request id.
fn documents(lines: &[String]) -> Vec<(String, Vec<Metric>)> {
    lines
        .iter()
        .map(|line| {
            let metrics =
                emf::valid(line).unwrap_or_else(|| panic!("a metrics line without _aws: {line}"));
            let id: Value = serde_json::from_str(line).unwrap();
            (
                id["request_id"].as_str().unwrap_or_default().to_owned(),
                metrics,
            )
        })
        .collect()
}

fn value(metrics: &[Metric], name: &str) -> Option<f64> {
    metrics
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.values.iter().sum())
}

#[tokio::test]
async fn every_metrics_document_is_valid_emf_and_counts_the_flows() {
    let lines = captured();
    let (h, proxy) = Harness::with_proxy().await;
    let router = h.router_via(&proxy);
    let post = |path: &'static str, body: String, token: Option<String>| {
        let router = &router;
        async move { call_router(router, "POST", path, Some(&body), token.as_deref()).await }
    };
    let mut secrets = vec![SECRET_A.to_owned()];

    // A new login, then the same user returning (its first DynamoDB request
    // throttled once: the SDK retries), then a refresh.
    let (status, first) = post("/auth/login", login_body("emf-ann", ""), None).await;
    assert_eq!(
        (status, first["isNewUser"].as_bool()),
        (200, Some(true)),
        "{first}"
    );
    proxy.throttle(1);
    let (status, again) = post("/auth/login", login_body("emf-ann", ""), None).await;
    assert_eq!(
        (status, again["isNewUser"].as_bool()),
        (200, Some(false)),
        "{again}"
    );
    let refresh = json!({ "refreshToken": again["refreshToken"] }).to_string();
    let (status, renewed) = post("/auth/refresh", refresh, None).await;
    assert_eq!(status, 200, "{renewed}");
    for answer in [&first, &again, &renewed] {
        secrets.push(answer["token"].as_str().unwrap().to_owned());
        secrets.push(answer["refreshToken"].as_str().unwrap().to_owned());
    }
    secrets.push(
        h.simulator()
            .current_session_key(APP_A, &openid_for(APP_A, "emf-ann"))
            .unwrap(),
    );
    // WeChat errcodes: a bad code (40029), WeChat busy on every try (-1),
    // WeChat's rate limit (45011).
    for (options, code) in [
        ("errcode=40029", "invalid_code"),
        ("errcode=-1", "wechat_busy"),
        ("errcode=45011", "rate_limited"),
    ] {
        let (_, answer) = post("/auth/login", login_body("emf-bob", options), None).await;
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    // Two new users at once: each request's figures stay its own.
    let (one, two) = tokio::join!(
        post("/auth/login", login_body("emf-cat", ""), None),
        post("/auth/login", login_body("emf-dan", ""), None)
    );
    assert_eq!((one.0, two.0), (200, 200));
    // An SMS sent.
    let number = "13512345678";
    let (status, _) = post(
        "/auth/sms/send",
        json!({ "phone": number }).to_string(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    secrets.extend(h.sms_codes_sent("+8613512345678"));
    secrets.extend([number.to_owned(), "+8613512345678".to_owned()]);
    // The authorizer: allowed, then denied.
    let authorizer = h.authorizer();
    for (request_id, token) in [
        ("emf-authorizer-allowed", renewed["token"].as_str().unwrap()),
        ("emf-authorizer-denied", "not-a-token"),
    ] {
        let request = AuthorizerRequest {
            identity_source: Some(vec![format!("Bearer {token}")]),
            headers: None,
        };
        authorizer.invoke(request_id, &request).await.unwrap();
    }

    let lines = lines.lock().unwrap().clone();
    let documents = documents(&lines);
    emf::assert_names(
        "seen",
        documents.iter().map(|(_, metrics)| metrics.as_slice()),
        emf::FLOW_METRICS.iter().copied().chain([
            "Error_wechat_busy",
            "Error_rate_limited",
            "Error_unauthorized",
            "WeChatErrcode_40029",
            "WeChatErrcode_-1",
            "WeChatErrcode_45011",
            "DynamoDBRetries",
        ]),
    );
    for (_, metrics) in &documents {
        assert!(metrics.iter().all(|m| m.namespace == metrics::NAMESPACE));
        for metric in metrics {
            let expected = if metric.name.ends_with("Latency") {
                "Milliseconds"
            } else {
                "Count"
            };
            assert_eq!(metric.unit.as_deref(), Some(expected), "{metric:?}");
        }
        // One request, at most one login: concurrent requests never mix.
        let logins = value(metrics, "LoginNew").unwrap_or(0.0)
            + value(metrics, "LoginReturning").unwrap_or(0.0);
        assert!(logins <= 1.0, "{metrics:?}");
    }
    // A login's document carries its own WeChat and DynamoDB figures; the
    // throttled one counts the SDK's retry.
    let returning = documents
        .iter()
        .map(|(_, m)| m)
        .find(|m| {
            value(m, "LoginReturning") == Some(1.0) && value(m, "DynamoDBRetries") >= Some(1.0)
        })
        .expect("the throttled returning login's document");
    assert!(
        value(returning, "WeChatLatency").is_some()
            && value(returning, "DynamoDBLatency").is_some()
    );
    // -1 is retried: one document counts every try.
    assert!(
        documents
            .iter()
            .any(|(_, m)| value(m, "WeChatErrcode_-1") >= Some(2.0))
    );
    let allowed = documents
        .iter()
        .find(|(id, _)| id == "emf-authorizer-allowed")
        .map(|(_, m)| m)
        .expect("the authorizer's document");
    assert_eq!(value(allowed, "Authorizations"), Some(1.0));
    assert!(
        value(allowed, "DynamoDBLatency").is_some(),
        "the session read"
    );
    let denied = documents
        .iter()
        .find(|(id, _)| id == "emf-authorizer-denied")
        .map(|(_, m)| m)
        .expect("the denial's document");
    assert_eq!(value(denied, "Error_unauthorized"), Some(1.0));
    let text = lines.join("\n");
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret in the metrics: {secret}"
        );
    }
}

/// A change that makes a document invalid.
type Breaks = fn(&mut Value);

/// The checker refuses what CloudWatch would not extract, so the check above
/// can fail.
#[test]
fn the_checker_refuses_what_is_not_emf() {
    let good = json!({
        "_aws": {"Timestamp": 1_764_000_000_000u64, "CloudWatchMetrics": [{
            "Namespace": "wxauth", "Dimensions": [["Function"]],
            "Metrics": [{"Name": "Requests", "Unit": "Count"}, {"Name": "T", "Unit": "Milliseconds"}]}]},
        "Function": "f", "Requests": 1, "T": [1.5, 2.0]
    });
    assert_eq!(emf::parse(&good.to_string()).unwrap().unwrap().len(), 2);
    assert_eq!(emf::parse(r#"{"level":"INFO"}"#), Ok(None));
    let broken: [(&str, Breaks); 9] = [
        ("timestamp in seconds", |d| {
            d["_aws"]["Timestamp"] = json!(1_764_000_000u64)
        }),
        ("timestamp as text", |d| {
            d["_aws"]["Timestamp"] = json!("2025-11-24")
        }),
        ("no directive", |d| {
            d["_aws"]["CloudWatchMetrics"] = json!([])
        }),
        ("a missing dimension", |d| {
            d.as_object_mut().unwrap().remove("Function");
        }),
        ("a missing metric", |d| {
            d.as_object_mut().unwrap().remove("Requests");
        }),
        ("a unit CloudWatch lacks", |d| {
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("Requests")
        }),
        ("a value as text", |d| d["Requests"] = json!("1")),
        ("too many values", |d| d["T"] = json!(vec![1.0; 101])),
        ("too many dimensions", |d| {
            let names: Vec<String> = (0..31).map(|i| format!("D{i}")).collect();
            for name in &names {
                d[name.as_str()] = json!("x");
            }
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!([names]);
        }),
    ];
    for (why, break_it) in broken {
        let mut document = good.clone();
        break_it(&mut document);
        assert!(emf::parse(&document.to_string()).is_err(), "{why} passed");
    }
    // Nested under a log event's field, as a wrapped logger would print it.
    let wrapped = json!({"level": "INFO", "message": good.to_string()}).to_string();
    assert_eq!(
        emf::parse(&wrapped),
        Ok(None),
        "not EMF, and not claiming to be"
    );
}
