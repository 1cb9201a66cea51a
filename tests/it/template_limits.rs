//! Throttling and cost protection, read from `template.yaml` as CloudFormation
//! expands it: every route has the stage's limits, the routes that cost money
//! or draw abuse tighter ones, each a parameter whose default both READMEs
//! (English and Chinese) state; reserved concurrency is off unless a team sets it.

use wxauth_tests::cargo_lambda::workspace_root;
use wxauth_tests::template::{self, EVERY_OPTION, Limits, TemplateFacts};

/// The routes with limits of their own, and the parameters that set them.
const TIGHTER: &[(&str, &str)] = &[
    ("POST /auth/login", "Login"),
    ("POST /auth/sms/send", "SmsSend"),
    ("POST /auth/password/login", "PasswordLogin"),
    ("POST /auth/phone", "Phone"),
];

fn route_keys(facts: &TemplateFacts) -> Vec<String> {
    facts
        .functions
        .values()
        .flat_map(|f| f.routes.iter().map(|(m, p)| format!("{m} {p}")))
        .collect()
}

fn default_of(facts: &TemplateFacts, parameter: &str) -> String {
    facts.parameter_defaults[parameter]
        .clone()
        .unwrap_or_else(|| panic!("{parameter} has no default"))
}

#[test]
fn the_costly_routes_are_throttled_tighter_than_the_rest() {
    template::require();
    let facts = template::facts(EVERY_OPTION, &[]);
    let stage = facts.throttling.default;
    assert_eq!(
        stage,
        Limits {
            rate: Some(default_of(&facts, "ApiRateLimit").parse().unwrap()),
            burst: Some(default_of(&facts, "ApiBurstLimit").parse().unwrap()),
        }
    );
    let keys: Vec<&str> = facts.throttling.routes.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = TIGHTER.iter().map(|(key, _)| *key).collect();
    expected.sort();
    assert_eq!(keys, expected);

    // A route setting whose route is absent fails the deployment
    // ("Unable to find Route by key"): each must name a route of the API.
    let routes = route_keys(&facts);
    println!("stage: {stage:?} on each of {} routes", routes.len());
    for (key, parameter) in TIGHTER {
        assert!(routes.iter().any(|r| r == key), "{key} is not a route");
        let limits = facts.throttling.routes[*key];
        assert_eq!(
            limits.rate,
            Some(
                default_of(&facts, &format!("{parameter}RateLimit"))
                    .parse()
                    .unwrap()
            )
        );
        assert_eq!(
            limits.burst,
            Some(
                default_of(&facts, &format!("{parameter}BurstLimit"))
                    .parse()
                    .unwrap()
            )
        );
        assert!(
            limits.rate < stage.rate && limits.burst < stage.burst,
            "{key}"
        );
        assert!(
            limits.burst >= limits.rate.map(|r| r.ceil() as u64),
            "{key}"
        );
        println!("{key:<28} {limits:?}");
    }
}

#[test]
fn a_route_left_out_takes_its_limits_with_it() {
    template::require();
    // No SMS provider: no sms function, and no setting naming its route.
    let without_sms = template::options_but(&["TencentSms", "AwsSms", "SmsProvider"], &[]);
    let facts = template::facts(&without_sms, &[]);
    assert!(!facts.functions.contains_key("SmsFunction"));
    assert!(!facts.throttling.routes.contains_key("POST /auth/sms/send"));
    let routes = route_keys(&facts);
    for key in facts.throttling.routes.keys() {
        assert!(routes.contains(key), "{key} is not a route");
    }
}

#[test]
fn limits_and_reserved_concurrency_follow_their_parameters() {
    template::require();
    let facts = template::facts(EVERY_OPTION, &[]);
    for (name, function) in &facts.functions {
        assert_eq!(
            function.reserved_concurrency, None,
            "{name}: shared pool by default"
        );
    }

    let mut set = EVERY_OPTION.to_vec();
    set.extend([
        ("ApiRateLimit", "50"),
        ("ApiBurstLimit", "80"),
        ("SmsSendRateLimit", "0.5"),
        ("SmsSendBurstLimit", "3"),
        ("SmsReservedConcurrency", "0"),
        ("LoginReservedConcurrency", "40"),
    ]);
    let facts = template::facts(&set, &[]);
    assert_eq!(
        facts.throttling.default,
        Limits {
            rate: Some(50.0),
            burst: Some(80)
        }
    );
    assert_eq!(
        facts.throttling.routes["POST /auth/sms/send"],
        Limits {
            rate: Some(0.5),
            burst: Some(3)
        }
    );
    for (name, function) in &facts.functions {
        let expected = match name.as_str() {
            "SmsFunction" => Some(0),
            "LoginFunction" => Some(40),
            _ => None,
        };
        assert_eq!(function.reserved_concurrency, expected, "{name}");
    }
}

/// The READMEs' tables (README.md and README.zh-CN.md) state each limit's
/// parameter with the template's default: change one, and this asks for the other.
#[test]
fn the_readme_states_each_limit_and_its_default() {
    template::require();
    let facts = template::facts(EVERY_OPTION, &[]);
    let readmes = ["README.md", "README.zh-CN.md"].map(|name| {
        let text = std::fs::read_to_string(workspace_root().join(name)).unwrap();
        (name, text)
    });
    let mut pairs: Vec<(String, String)> = vec![("ApiRateLimit".into(), "ApiBurstLimit".into())];
    pairs.extend(
        TIGHTER
            .iter()
            .map(|(_, p)| (format!("{p}RateLimit"), format!("{p}BurstLimit"))),
    );
    for (rate, burst) in pairs {
        let row = format!(
            "`{rate}` / `{burst}` | {} / {} |",
            default_of(&facts, &rate),
            default_of(&facts, &burst)
        );
        for (name, readme) in &readmes {
            assert_eq!(
                readme.matches(&row).count(),
                1,
                "{name}'s table needs one row starting {row:?}"
            );
        }
    }
    for function in [
        "Login",
        "DecryptProfile",
        "Avatar",
        "BindPhone",
        "Account",
        "Sms",
        "Password",
        "Authorizer",
    ] {
        let parameter = format!("{function}ReservedConcurrency");
        assert!(
            facts.parameter_defaults.contains_key(&parameter),
            "{parameter}"
        );
        for (name, readme) in &readmes {
            assert!(
                readme.contains(&format!("`{parameter}`")),
                "{name} names {parameter}"
            );
        }
    }
}
