//! The loopback world the functions run in: the WeChat simulator, a fresh table
//! on the DynamoDB emulator behind the counting proxy, and for each function a
//! workload: the events of its normal successful request (a returning user's
//! login, a profile decrypt, a phone bind by code, an authorizer allow, an SMS
//! code sent through the Tencent stand-in, a password login, …) and the check
//! that each answer is that success.

use crate::cpu_quota::CpuQuota;
use crate::process::FunctionProcess;
use crate::stats::median_f64;
use crate::tls_front::{TestCa, socket_of};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wxauth_shared::clock::SystemClock;
use wxauth_tests::dynamo_proxy::DynamoProxy;
use wxauth_tests::events::{fill, fixture, http_api_event};
use wxauth_tests::harness::{APP_A, SECRET_A, signing_key_pem, verify_keys_pem};
use wxauth_tests::tencent_sms::{self, TencentSmsStandIn};
use wxauth_wechat_sim::{PhoneSpec, RunningSimulator, Simulator, profile_payload};

/// The functions of `functions/`, and the hello-world baseline.
pub const FUNCTIONS: &[&str] = &[
    "login",
    "decrypt-profile",
    "bind-phone",
    "account",
    "sms",
    "password",
    "authorizer",
    "example-me",
];
pub const HELLO: &str = "hello-lambda";

/// The simulator, the emulator's table behind the proxy, and where the
/// binaries and logs are.
pub struct Stage {
    pub simulator: Simulator,
    _running: RunningSimulator,
    pub proxy: DynamoProxy,
    /// Tencent Cloud SMS as the `sms` function reaches it (TC3 checked).
    pub sms: TencentSmsStandIn,
    /// The emulator, for the tables the functions are pointed at.
    emulator: aws_sdk_dynamodb::Client,
    /// The functions' table (`TABLE_NAME`), added to each launch's environment:
    /// a run can move to a fresh one ([`Stage::move_to_fresh_table`]).
    table: Mutex<String>,
    /// The functions' environment but `TABLE_NAME`.
    env: Vec<(String, String)>,
    /// [`env`](Self::env) with DynamoDB and WeChat behind TLS fronts, and
    /// `SSL_CERT_FILE` naming the public roots plus the test CA.
    tls_env: Vec<(String, String)>,
    bin_dir: PathBuf,
    log_dir: PathBuf,
}

/// Builds one event for the next invocation.
pub type EventMaker = Box<dyn FnMut() -> String + Send>;

/// A function's normal request, repeated.
pub struct Workload {
    pub function: &'static str,
    pub next_event: EventMaker,
    /// What every answer must look like, or the figure measures an error path.
    pub check: fn(&Value) -> bool,
}

/// A logged-in user, as the login function answered.
pub struct LoggedIn {
    pub label: String,
    pub token: String,
    pub refresh_token: String,
    pub user_id: String,
}

impl Stage {
    /// Starts the simulator and the proxy, and makes a fresh table, on the
    /// emulator at `AWS_ENDPOINT_URL_DYNAMODB`.
    pub async fn start(bin_dir: &Path, log_dir: &Path) -> Result<Self, String> {
        let emulator = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
            .map_err(|_| "AWS_ENDPOINT_URL_DYNAMODB is not set: run scripts/bench.sh".to_owned())?;
        let (client, _) = wxauth_tests::emulator::client().await;
        let table = wxauth_tests::emulator::fresh_table(&client).await;
        // The account function deletes a user's avatar images with it.
        let bucket = wxauth_tests::emulator::new_bucket().await;
        let proxy = DynamoProxy::start(&emulator).await;
        let simulator = Simulator::new([(APP_A, SECRET_A)]);
        let running = simulator
            .start("127.0.0.1:0".parse().expect("address"))
            .await
            .map_err(|e| e.to_string())?;
        let sms = TencentSmsStandIn::start(Arc::new(SystemClock)).await;
        let sms_endpoint = sms.endpoint();
        let env: Vec<(String, String)> = [
            ("SMS_PROVIDER", "tencent"),
            ("TENCENT_SMS_SECRET_ID", tencent_sms::SECRET_ID),
            ("TENCENT_SMS_SECRET_KEY", tencent_sms::SECRET_KEY),
            ("TENCENT_SMS_SDK_APP_ID", tencent_sms::SDK_APP_ID),
            ("TENCENT_SMS_SIGN_NAME", tencent_sms::SIGN_NAME),
            ("TENCENT_SMS_TEMPLATE_ID", tencent_sms::TEMPLATE_ID),
            ("TENCENT_SMS_ENDPOINT", sms_endpoint.as_str()),
            ("WECHAT_APPID", APP_A),
            ("WECHAT_SECRET", SECRET_A),
            ("WECHAT_API_BASE", running.base_url()),
            ("TOKEN_SIGNING_KEY", signing_key_pem()),
            ("TOKEN_VERIFY_KEYS", verify_keys_pem()),
            ("LOG_LEVEL", "info"), // the template's default
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "bench"),
            ("AWS_SECRET_ACCESS_KEY", "bench"),
            ("AWS_ENDPOINT_URL_DYNAMODB", proxy.url().as_str()),
            ("AVATAR_BUCKET", bucket.as_str()),
            ("AWS_ENDPOINT_URL_S3", emulator.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        std::fs::create_dir_all(log_dir).map_err(|e| e.to_string())?;
        let ca = TestCa::generate()?;
        let roots = ca.write_roots(&log_dir.join("tls"))?;
        let dynamodb = ca.front(socket_of(&proxy.url())?).await?;
        let wechat = ca.front(socket_of(running.base_url())?).await?;
        let tls_env = tls_env(&env, dynamodb, wechat, &roots);
        Ok(Self {
            simulator,
            _running: running,
            proxy,
            sms,
            emulator: client,
            table: Mutex::new(table),
            env,
            tls_env,
            bin_dir: bin_dir.to_owned(),
            log_dir: log_dir.to_owned(),
        })
    }

    /// Starts a fresh process of `function` (a name of [`FUNCTIONS`] or [`HELLO`]).
    pub async fn launch(&self, function: &str) -> Result<FunctionProcess, String> {
        let log = self.log_dir.join(format!("{function}.log"));
        let env = self.with_table(&self.env);
        FunctionProcess::start(function, &self.bin_dir.join(function), &env, &log).await
    }

    /// `env` and `TABLE_NAME`.
    fn with_table(&self, env: &[(String, String)]) -> Vec<(String, String)> {
        let mut env = env.to_vec();
        env.push(("TABLE_NAME".into(), self.table()));
        env
    }

    /// Points the functions launched from now on at a fresh, empty table, and
    /// answers the one they used. The emulator copies a whole table for each
    /// transaction (to roll it back), so a table that grows over a long run
    /// slows every transaction until one outlasts the functions' DynamoDB
    /// budget: runs that log many users in each take a table of their own.
    pub async fn move_to_fresh_table(&self) -> String {
        let fresh = wxauth_tests::emulator::fresh_table(&self.emulator).await;
        std::mem::replace(&mut *self.table.lock().expect("table"), fresh)
    }

    /// Points the functions launched from now on at `table` again, and
    /// deletes the one they used.
    pub async fn move_back_to(&self, table: String) -> Result<(), String> {
        let used = std::mem::replace(&mut *self.table.lock().expect("table"), table);
        self.emulator
            .delete_table()
            .table_name(&used)
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("deleting the table {used}: {e:?}"))
    }

    /// Starts a fresh process of `function` in `quota`'s cgroup (a function
    /// of `memory_mb`), reaching DynamoDB and WeChat over TLS; with
    /// `SSL_CERT_FILE` naming the roots that include the test CA when
    /// `roots`, else with the roots the function finds on its own.
    pub async fn launch_tls(
        &self,
        function: &str,
        quota: &CpuQuota,
        memory_mb: u32,
        roots: bool,
    ) -> Result<FunctionProcess, String> {
        let log = self.log_dir.join(format!("{function}-tls.log"));
        let env: Vec<(String, String)> = self
            .with_table(&self.tls_env)
            .into_iter()
            .filter(|(name, _)| roots || name != "SSL_CERT_FILE")
            .collect();
        let binary = self.bin_dir.join(function);
        let launcher = self.bin_dir.join("wxauth-cgroup-exec");
        FunctionProcess::start_in(quota, &launcher, memory_mb, function, &binary, &env, &log).await
    }

    /// Runs `wxauth-init-probe` `runs` times with the functions' environment
    /// and `extra`: each init piece's first-time cost, median ms, by name.
    pub fn init_pieces(
        &self,
        runs: usize,
        extra: &[(&str, &str)],
    ) -> Result<Vec<(String, f64)>, String> {
        let mut samples: Vec<(String, Vec<f64>)> = Vec::new();
        for _ in 0..runs {
            let output = std::process::Command::new(self.bin_dir.join("wxauth-init-probe"))
                .env_clear()
                .envs(self.with_table(&self.env))
                .envs(extra.iter().copied())
                .output()
                .map_err(|e| format!("wxauth-init-probe: {e}"))?;
            let text = String::from_utf8_lossy(&output.stdout);
            let timings: serde_json::Map<String, Value> = serde_json::from_str(&text)
                .map_err(|e| format!("wxauth-init-probe printed {text:?}: {e}"))?;
            for (i, (name, micros)) in timings.into_iter().enumerate() {
                if samples.len() <= i {
                    samples.push((name, Vec::new()));
                }
                samples[i]
                    .1
                    .push(micros.as_f64().unwrap_or(f64::NAN) / 1_000.0);
            }
        }
        Ok(samples
            .into_iter()
            .map(|(name, ms)| (name, median_f64(ms)))
            .collect())
    }

    /// Logs `label` in through the login function.
    pub async fn log_in(&self, login: &FunctionProcess, label: &str) -> Result<LoggedIn, String> {
        let (_, answer) = login.invoke(login_event(label)).await?;
        let body = http_body(&answer).ok_or_else(|| format!("login of {label}: {answer}"))?;
        match (
            body["token"].as_str(),
            body["refreshToken"].as_str(),
            body["userId"].as_str(),
        ) {
            (Some(token), Some(refresh_token), Some(user_id)) => Ok(LoggedIn {
                label: label.to_owned(),
                token: token.to_owned(),
                refresh_token: refresh_token.to_owned(),
                user_id: user_id.to_owned(),
            }),
            _ => Err(format!("login of {label} failed: {answer}")),
        }
    }

    /// A number registered with [`BENCH_PASSWORD`] through the `sms` and
    /// `password` functions, as a user would: a code, then a password login
    /// proven by it. The answer's body.
    pub async fn register_by_password(&self, number: &str) -> Result<Value, String> {
        let sms = self.launch("sms").await?;
        let (_, answer) = sms.invoke(sms_send_event(number)).await?;
        http_body(&answer).ok_or_else(|| format!("SMS send failed: {answer}"))?;
        let code = self
            .sms
            .last_code_to(&format!("+86{number}"))
            .ok_or("the stand-in received no code")?;
        let password = self.launch("password").await?;
        let body = json!({ "phone": number, "password": BENCH_PASSWORD, "smsCode": code });
        let (_, answer) = password
            .invoke(from_anywhere(http_api_event(
                "POST",
                "/auth/password/login",
                Some(&body.to_string()),
                None,
            )))
            .await?;
        http_body(&answer).ok_or_else(|| format!("password registration failed: {answer}"))
    }

    /// The workloads of every function and the hello-world, with users logged
    /// in for those that need one.
    pub async fn workloads(&self) -> Result<Vec<Workload>, String> {
        let login = self.launch("login").await?;
        let profile_user = self.log_in(&login, "bench-profile").await?;
        let phone_user = self.log_in(&login, "bench-phone").await?;
        let authorized = self.log_in(&login, "bench-authorizer").await?;
        drop(login);
        let password_number = fresh_number();
        self.register_by_password(&password_number).await?;

        let profile_event = self.profile_event(&profile_user)?;
        let simulator = self.simulator.clone();
        let authorizer_event = authorizer_event(&authorized);
        let example_event = fill(
            &fixture("example-me/success.json"),
            &[
                ("token", authorized.token.as_str()),
                ("user_id", authorized.user_id.as_str()),
                ("appid", APP_A),
                (
                    "openid",
                    &wxauth_wechat_sim::openid_for(APP_A, "bench-authorizer"),
                ),
            ],
        )
        .to_string();
        let http_ok: fn(&Value) -> bool = |answer| answer["statusCode"] == 200;
        Ok(vec![
            Workload {
                function: "login",
                // A returning user, each time with a fresh code.
                next_event: Box::new(|| login_event("bench-login")),
                check: http_ok,
            },
            Workload {
                function: "decrypt-profile",
                next_event: Box::new(move || profile_event.clone()),
                check: http_ok,
            },
            Workload {
                function: "bind-phone",
                // A phone code is single-use: a new one each time, for the same number.
                next_event: Box::new(move || phone_event(&simulator, &phone_user, "13912345678")),
                check: http_ok,
            },
            Workload {
                function: "sms",
                // A code to a new number each time (the limits are per number
                // and per address): the stand-in answers like Tencent.
                next_event: Box::new(|| sms_send_event(&fresh_number())),
                check: http_ok,
            },
            Workload {
                function: "password",
                // A returning user's password login: one argon2id verify.
                next_event: Box::new(move || password_login_event(&password_number)),
                check: http_ok,
            },
            Workload {
                function: "authorizer",
                next_event: Box::new(move || authorizer_event.clone()),
                check: |answer| answer["isAuthorized"] == true,
            },
            Workload {
                function: "example-me",
                next_event: Box::new(move || example_event.clone()),
                check: http_ok,
            },
            Workload {
                function: HELLO,
                next_event: Box::new(|| json!({"hello": "world"}).to_string()),
                check: |answer| answer["message"] == "hello",
            },
        ])
    }

    /// A decrypt-profile event for `user`, minted under their current session key.
    pub fn profile_event(&self, user: &LoggedIn) -> Result<String, String> {
        // The user's own open-platform account: a shared one would fold users.
        let payload = profile_payload(
            APP_A,
            &user.label,
            "跑分用户",
            "https://thirdwx.qlogo.cn/mmopen/vi_32/bench/132",
            Some(&user.label),
        );
        let data = self
            .simulator
            .mint_open_data(APP_A, &user.label, payload)
            .ok_or_else(|| format!("{} never logged in", user.label))?;
        let body = json!({
            "encryptedData": data.encrypted_data,
            "iv": data.iv,
            "rawData": data.raw_data,
            "signature": data.signature,
        });
        Ok(http_api_event(
            "POST",
            "/auth/profile",
            Some(&body.to_string()),
            Some(&user.token),
        )
        .to_string())
    }

    /// A bind-phone event with a fresh code for `user`.
    pub fn phone_event_for(&self, user: &LoggedIn, phone: &str) -> String {
        phone_event(&self.simulator, user, phone)
    }

    /// The functions' table (`TABLE_NAME`).
    pub fn table(&self) -> String {
        self.table.lock().expect("table").clone()
    }
}

/// `env` with DynamoDB at `dynamodb` and WeChat at `wechat` over TLS, and
/// the roots in `SSL_CERT_FILE`.
fn tls_env(
    env: &[(String, String)],
    dynamodb: SocketAddr,
    wechat: SocketAddr,
    roots: &Path,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = env
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "AWS_ENDPOINT_URL_DYNAMODB" | "WECHAT_API_BASE"
            )
        })
        .cloned()
        .collect();
    env.push((
        "AWS_ENDPOINT_URL_DYNAMODB".into(),
        format!("https://{dynamodb}"),
    ));
    env.push(("WECHAT_API_BASE".into(), format!("https://{wechat}")));
    env.push(("SSL_CERT_FILE".into(), roots.display().to_string()));
    env
}

/// The password the bench's users register with.
pub const BENCH_PASSWORD: &str = "bench password 2026";

/// A mainland mobile number nobody has used yet.
pub fn fresh_number() -> String {
    format!("135{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// `event` as if from one of 64 addresses: the SMS and password limits count
/// per source address, and the bench is many users, not one. A pool, not a
/// new address each time: every address is an item the emulator keeps.
fn from_anywhere(mut event: Value) -> String {
    let [a, ..] = uuid::Uuid::new_v4().into_bytes();
    event["requestContext"]["http"]["sourceIp"] = format!("198.18.0.{}", a % 64).into();
    event.to_string()
}

/// `POST /auth/sms/send` of a login code to `number`.
pub fn sms_send_event(number: &str) -> String {
    let body = json!({ "phone": number, "purpose": "login" }).to_string();
    from_anywhere(http_api_event("POST", "/auth/sms/send", Some(&body), None))
}

/// `POST /auth/sms/login` with `code` for `number`.
pub fn sms_login_event(number: &str, code: &str) -> String {
    let body = json!({ "phone": number, "code": code }).to_string();
    from_anywhere(http_api_event("POST", "/auth/sms/login", Some(&body), None))
}

/// `POST /auth/password/login` of `number` with [`BENCH_PASSWORD`].
pub fn password_login_event(number: &str) -> String {
    let body = json!({ "phone": number, "password": BENCH_PASSWORD }).to_string();
    from_anywhere(http_api_event(
        "POST",
        "/auth/password/login",
        Some(&body),
        None,
    ))
}

/// A login event for user `label` with a fresh, single-use code.
pub fn login_event(label: &str) -> String {
    let code = format!("user={label};n={}", uuid::Uuid::new_v4().simple());
    let body = json!({ "code": code }).to_string();
    http_api_event("POST", "/auth/login", Some(&body), None).to_string()
}

/// A refresh event with `user`'s refresh token.
pub fn refresh_event(user: &LoggedIn) -> String {
    let body = json!({ "refreshToken": user.refresh_token }).to_string();
    http_api_event("POST", "/auth/refresh", Some(&body), None).to_string()
}

/// A logout event with `user`'s token (`{"all": true}` when `everywhere`).
pub fn logout_event(user: &LoggedIn, everywhere: bool) -> String {
    let body = if everywhere { r#"{"all":true}"# } else { "" };
    http_api_event("POST", "/auth/logout", Some(body), Some(&user.token)).to_string()
}

/// The authorizer's event for `user`'s token.
pub fn authorizer_event(user: &LoggedIn) -> String {
    fill(
        &fixture("authorizer/allowed.json"),
        &[("token", user.token.as_str())],
    )
    .to_string()
}

/// A bind-phone event for `user` with a fresh, single-use code for `phone`
/// (a Chinese mobile number without country code).
fn phone_event(simulator: &Simulator, user: &LoggedIn, phone: &str) -> String {
    let code = simulator.mint_phone_code(APP_A, &user.label, &PhoneSpec::china(phone));
    let body = json!({ "code": code }).to_string();
    http_api_event("POST", "/auth/phone", Some(&body), Some(&user.token)).to_string()
}

/// The JSON body of an API Gateway answer with status 200.
pub fn http_body(answer: &Value) -> Option<Value> {
    if answer["statusCode"] != 200 {
        return None;
    }
    serde_json::from_str(answer["body"].as_str()?).ok()
}
