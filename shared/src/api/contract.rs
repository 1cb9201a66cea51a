//! Keeps `docs/openapi.yaml` in step with the code: the router's routes, the
//! template's HttpApi routes and the error catalogue each equal the spec's,
//! and every error response names codes of its own status.

use super::{ErrorCode, Router};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const SPEC: &str = include_str!("../../../docs/openapi.yaml");
const TEMPLATE: &str = include_str!("../../../template.yaml");

/// The local server's name in `x-served-by`.
const LOCAL_SERVER: &str = "wxauth-dev";
/// The tag of routes behind the Lambda authorizer, served by a team's own
/// function and not by the router.
const AUTHORIZER_TAG: &str = "authorizer";
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

fn spec() -> Value {
    serde_norway::from_str(SPEC).expect("docs/openapi.yaml is YAML")
}

/// (path, lowercase method) → the operation.
fn operations(spec: &Value) -> BTreeMap<(String, String), &Value> {
    let paths = spec["paths"].as_object().expect("the spec has paths");
    let mut found = BTreeMap::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.insert((path.clone(), method.to_owned()), operation);
            }
        }
    }
    found
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn has_tag(operation: &Value, tag: &str) -> bool {
    strings(&operation["tags"]).contains(&tag)
}

/// The template's HttpApi routes, (path, lowercase method, the function's
/// binary), by a line scan: each function's `Binary:` comes before its
/// events, each event's `Method:` before its `Path:`.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let mut routes = BTreeSet::new();
    let (mut binary, mut method) = (String::new(), None::<String>);
    for line in TEMPLATE.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("Binary:") {
            binary = name.trim().to_owned();
        } else if let Some(m) = line.strip_prefix("Method:") {
            method = Some(m.trim().to_ascii_lowercase());
        } else if let Some(path) = line.strip_prefix("Path:") {
            let method = method.take().expect("a Method: before each Path:");
            routes.insert((path.trim().to_owned(), method, binary.clone()));
        }
    }
    routes
}

#[test]
fn the_spec_has_exactly_the_routers_routes() {
    let spec = spec();
    let operations = operations(&spec);
    let served: BTreeSet<(String, String)> = Router::routes()
        .map(|(path, method)| (path.to_owned(), method.as_str().to_ascii_lowercase()))
        .collect();
    let mut local = BTreeSet::new();
    for (key, operation) in &operations {
        let by = strings(&operation["x-served-by"]);
        assert!(
            by.contains(&LOCAL_SERVER),
            "{key:?} is not served by {LOCAL_SERVER}: the local server serves every route"
        );
        // A team's own routes are the local server's edge's (behind the
        // authorizer's decision, dev-server/src/http_edge.rs), not the router's.
        if !has_tag(operation, AUTHORIZER_TAG) {
            local.insert(key.clone());
        }
    }
    let missing: Vec<_> = served.difference(&local).collect();
    assert!(
        missing.is_empty(),
        "the router serves {missing:?}, absent from docs/openapi.yaml"
    );
    let extra: Vec<_> = local.difference(&served).collect();
    assert!(
        extra.is_empty(),
        "docs/openapi.yaml has {extra:?}, which the router does not serve"
    );
}

#[test]
fn the_spec_has_exactly_the_templates_routes_and_functions() {
    let spec = spec();
    let operations = operations(&spec);
    let template = template_routes();
    assert!(
        !template.is_empty(),
        "no HttpApi route found in template.yaml"
    );
    let in_template: BTreeSet<(String, String)> = template
        .iter()
        .map(|(path, method, _)| (path.clone(), method.clone()))
        .collect();
    let in_spec: BTreeSet<(String, String)> = operations.keys().cloned().collect();
    let missing: Vec<_> = in_template.difference(&in_spec).collect();
    assert!(
        missing.is_empty(),
        "template.yaml routes {missing:?}, absent from the spec"
    );
    let extra: Vec<_> = in_spec.difference(&in_template).collect();
    assert!(
        extra.is_empty(),
        "the spec has {extra:?}, which template.yaml does not route"
    );
    for (path, method, binary) in &template {
        let by = strings(&operations[&(path.clone(), method.clone())]["x-served-by"]);
        assert!(
            by.contains(&binary.as_str()),
            "{method} {path} is served by the function {binary}, not in its x-served-by {by:?}"
        );
    }
}

#[test]
fn the_error_codes_and_statuses_are_the_catalogues() {
    let spec = spec();
    let schema = &spec["components"]["schemas"]["ErrorCode"];
    let in_spec = strings(&schema["enum"]);
    let catalogue: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(
        in_spec, catalogue,
        "the ErrorCode enum is not ErrorCode::ALL, in order"
    );
    let statuses = schema["x-status"]
        .as_object()
        .expect("ErrorCode has x-status");
    let retries = schema["x-retry-after"]
        .as_object()
        .expect("ErrorCode has x-retry-after");
    assert_eq!(
        statuses.len(),
        catalogue.len(),
        "x-status has other codes than the enum"
    );
    for code in ErrorCode::ALL {
        let name = code.as_str();
        assert_eq!(
            statuses.get(name).and_then(Value::as_u64),
            Some(u64::from(code.status().as_u16())),
            "x-status of {name}"
        );
        assert_eq!(
            retries.get(name).and_then(Value::as_u64),
            code.retry_after().map(u64::from),
            "x-retry-after of {name}"
        );
    }
    let known: BTreeSet<&str> = catalogue.iter().copied().collect();
    for name in retries.keys() {
        assert!(known.contains(name.as_str()), "x-retry-after names {name}");
    }
}

#[test]
fn each_error_response_lists_codes_of_its_status() {
    let spec = spec();
    let by_name: BTreeMap<&str, ErrorCode> = ErrorCode::ALL
        .iter()
        .map(|code| (code.as_str(), *code))
        .collect();
    for ((path, method), operation) in operations(&spec) {
        if has_tag(operation, AUTHORIZER_TAG) {
            continue; // API Gateway's own answers, without our codes.
        }
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.contains_key("413"),
            "{method} {path}: every route answers 413 to an oversized body"
        );
        let protected = operation["security"]
            .as_array()
            .is_some_and(|schemes| !schemes.is_empty());
        if protected {
            let codes = strings(&responses["401"]["x-error-codes"]);
            for code in ["unauthorized", "token_expired", "session_ended"] {
                assert!(
                    codes.contains(&code),
                    "{method} {path}: a protected route's 401 lists {code}"
                );
            }
        }
        for (status, response) in responses {
            let status: u16 = status.parse().expect("statuses are numbers");
            let codes = strings(&response["x-error-codes"]);
            if status < 400 {
                assert!(
                    codes.is_empty(),
                    "{method} {path} {status} lists error codes"
                );
                continue;
            }
            assert!(
                !codes.is_empty(),
                "{method} {path} {status} lists no x-error-codes"
            );
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/Error",
                "{method} {path} {status} is not the Error schema"
            );
            for name in &codes {
                let code = by_name
                    .get(name)
                    .unwrap_or_else(|| panic!("{method} {path} {status}: {name} is no code"));
                assert_eq!(code.status().as_u16(), status, "{method} {path}: {name}");
                assert_ne!(
                    *code,
                    ErrorCode::InternalError,
                    "{method} {path}: a bug is no contract"
                );
            }
            // A Retry-After on exactly the statuses whose codes carry one.
            let retry = codes
                .iter()
                .filter(|name| by_name[*name].retry_after().is_some());
            let with_header = response["headers"].get("Retry-After").is_some();
            assert_eq!(
                retry.count(),
                if with_header { codes.len() } else { 0 },
                "{method} {path} {status}: Retry-After must come with every code or none"
            );
        }
    }
}
