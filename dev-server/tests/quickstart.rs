//! Runs the README's "Run it locally" commands as written: the local server
//! (the binary `cargo run -p wxauth-dev` runs) and the curl login against it;
//! and its walk-throughs, which README.zh-CN.md shows with the same commands.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The `sh` blocks of README.md's section `heading`, after checking that
/// README.zh-CN.md's section `zh_heading` shows exactly the same commands.
fn sh_blocks_in_both(heading: &str, zh_heading: &str) -> Vec<String> {
    let blocks = sh_blocks(&read("README.md"), heading);
    assert_eq!(
        sh_blocks(&read("README.zh-CN.md"), zh_heading),
        blocks,
        "README.zh-CN.md's {zh_heading} shows the commands of README.md's {heading}"
    );
    blocks
}

/// The `sh` code blocks of the section `heading` of a README, one string each.
fn sh_blocks(readme: &str, heading: &str) -> Vec<String> {
    let section = readme.split(heading).nth(1).expect("section exists");
    let section = section.split("\n## ").next().unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().trim().to_owned())
        .collect()
}

struct Server {
    child: Child,
    base_url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the local server as a fresh user would (no WeChat settings, no key),
/// on a free port, and waits for its banner.
fn start(data_dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxauth-dev"))
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .env_remove("WECHAT_APPID")
        .env_remove("WECHAT_SECRET")
        .env_remove("WECHAT_API_BASE")
        .env_remove("TOKEN_SIGNING_KEY")
        .env_remove("PORT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wxauth-dev");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut banner = String::new();
    let base_url = loop {
        let line = lines
            .next()
            .expect("server printed its banner")
            .expect("read stderr");
        banner.push_str(&line);
        banner.push('\n');
        if let Some(url) = line.strip_prefix("wxauth-dev listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base_url }
}

fn run_sh(command: &str) -> serde_json::Value {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .expect("run sh");
    assert!(output.status.success(), "{command} failed: {output:?}");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{command}: not JSON ({e}): {output:?}"))
}

#[test]
fn readme_local_run_serves_a_simulated_login_to_curl() {
    let blocks = sh_blocks_in_both("## Run it locally", "## 本地运行");
    assert_eq!(
        blocks[0], "cargo run -p wxauth-dev",
        "the README's run command"
    );
    let curl = &blocks[1];
    assert!(
        curl.starts_with("curl ") && curl.contains("http://127.0.0.1:3000/auth/login"),
        "{curl}"
    );
    // The Chinese README shows the test command too.
    let test = sh_blocks_in_both("## Test", "## 测试");
    assert_eq!(test[0], "scripts/test.sh", "the test command");

    let data_dir: PathBuf =
        std::env::temp_dir().join(format!("wxauth-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let server = start(&data_dir);
    let on = |base_url: &str, command: &str| command.replace("http://127.0.0.1:3000", base_url);

    let first = run_sh(&on(&server.base_url, curl));
    assert_eq!(first["tokenType"], "Bearer", "{first}");
    assert_eq!(first["isNewUser"], true, "{first}");
    let jwks = run_sh(&on(
        &server.base_url,
        "curl -s http://127.0.0.1:3000/.well-known/jwks.json",
    ));
    let kid = jwks["keys"][0]["kid"].clone();
    assert!(kid.is_string());
    drop(server);

    // Restarted on the same data directory: same users, same signing key.
    let server = start(&data_dir);
    let again = run_sh(&on(&server.base_url, &curl.replace("n=1", "n=2")));
    assert_eq!(again["isNewUser"], false, "{again}");
    assert_eq!(again["userId"], first["userId"]);
    let jwks = run_sh(&on(
        &server.base_url,
        "curl -s http://127.0.0.1:3000/.well-known/jwks.json",
    ));
    assert_eq!(jwks["keys"][0]["kid"], kid, "the generated key was kept");
    let reused = run_sh(&on(&server.base_url, &curl.replace("n=1", "n=2")));
    assert_eq!(
        reused["error"]["code"], "code_used",
        "codes are single-use: {reused}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn bad_settings_stop_the_server_naming_them() {
    let output = Command::new(env!("CARGO_BIN_EXE_wxauth-dev"))
        .args(["--port", "0", "--data-dir"])
        .arg(std::env::temp_dir().join(format!("wxauth-badcfg-{}", std::process::id())))
        .env("WECHAT_APPID", "wx1")
        .env("WECHAT_SECRET", "s1")
        .env("TOKEN_TTL_SECS", "forever")
        .output()
        .expect("run wxauth-dev");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOKEN_TTL_SECS"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_wxauth-dev"))
        .args(["--port", "nope"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("port"));
}

/// A second server on a port already taken says which port, and what to do.
#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_wxauth-dev"))
        .args(["--port", &port, "--data-dir"])
        .arg(std::env::temp_dir().join(format!("wxauth-port-{}", std::process::id())))
        .env_remove("WECHAT_SECRET")
        .output()
        .expect("run wxauth-dev");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is in use on 127.0.0.1"))
            && stderr.contains("--port"),
        "{stderr}"
    );
}

#[test]
fn readme_walk_through_runs_as_written() {
    let answers = run_walk_through(
        "## Walk-through: login, profile, phone",
        "## 流程演示：登录、资料、手机号",
        "walk",
    );
    let stdout = serde_json::to_string(&answers).unwrap();
    assert_eq!(answers.len(), 2, "{stdout}");
    assert_eq!(answers[0]["profile"]["nickName"], "Alice", "{stdout}");
    assert!(answers[0]["unionId"].is_string(), "{stdout}");
    assert!(
        answers[0]["profile"].get("avatarUrl").is_none(),
        "the grey placeholder is not stored"
    );
    assert_eq!(answers[1]["phoneNumber"], "+8613815823931", "{stdout}");
    assert_eq!(answers[1]["userId"], answers[0]["userId"]);
}

/// What the documented commands leave in the repository is git-ignored:
/// the local server's data, cargo's and SAM's builds, the scripts'
/// virtualenv, the SDK's packages, and the signing key README "Deploy" has
/// a team make.
#[test]
fn what_the_documented_commands_leave_is_git_ignored() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for path in [
        ".wxauth/data/users.db",
        ".wxauth/sms-outbox.jsonl",
        "target/debug/wxauth-dev",
        ".aws-sam/build.toml",
        ".venv/bin/python",
        "client/node_modules/typescript/package.json",
        "examples/node-verify/node_modules/jose/package.json",
        "key.pem",
    ] {
        let status = Command::new("git")
            .args(["check-ignore", "--quiet", "--no-index", path])
            .current_dir(&root)
            .status()
            .expect("git runs");
        assert!(status.success(), "{path} is not in .gitignore");
    }
}

/// Runs the one `sh` block of the README section `heading` as written, from
/// the directory where a fresh server keeps `.wxauth/` (the outbox is read
/// there), after checking that README.zh-CN.md's section `zh_heading` shows
/// the same commands; the JSON answers it printed.
fn run_walk_through(heading: &str, zh_heading: &str, name: &str) -> Vec<serde_json::Value> {
    let blocks = sh_blocks_in_both(heading, zh_heading);
    assert_eq!(blocks.len(), 1);
    let work_dir: PathBuf =
        std::env::temp_dir().join(format!("wxauth-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work_dir);
    std::fs::create_dir_all(&work_dir).unwrap();
    // Run as from the repository's root: the files the commands name are there.
    if blocks[0].contains("tests/fixtures/images/") {
        let images = work_dir.join("tests/fixtures/images");
        std::fs::create_dir_all(&images).unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/images");
        for entry in std::fs::read_dir(fixtures).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), images.join(entry.file_name())).unwrap();
        }
    }
    let server = start(&work_dir.join(".wxauth"));
    let script = format!(
        "set -e\n{}",
        blocks[0].replace("http://127.0.0.1:3000", &server.base_url)
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(&work_dir)
        .output()
        .expect("run sh");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{heading} failed: {output:?}");
    drop(server);
    // A walk-through writes nothing where it runs but the server's data: no
    // file for a user to clean up or to commit by mistake.
    let left: Vec<String> = std::fs::read_dir(&work_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".wxauth" && name != "tests")
        .collect();
    assert!(left.is_empty(), "{heading} left {left:?} behind");
    let _ = std::fs::remove_dir_all(&work_dir);
    serde_json::Deserializer::from_str(&stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("JSON answers")
}

/// The README's SMS walk-through, run as written.
#[test]
fn readme_sms_walk_through_runs_as_written() {
    let answers = run_walk_through("## Walk-through: SMS login", "## 流程演示：短信登录", "sms");
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(
        answers[0],
        serde_json::json!({"sent": true, "resendAfter": 60})
    );
    assert_eq!(answers[1]["isNewUser"], true, "{answers:?}");
    assert!(answers[1]["token"].is_string() && answers[1]["refreshToken"].is_string());
}

/// The README's password walk-through, run as written: a registration proven
/// by SMS, a login by the password, a wrong one.
#[test]
fn readme_password_walk_through_runs_as_written() {
    let answers = run_walk_through(
        "## Walk-through: password login",
        "## 流程演示：密码登录",
        "password",
    );
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert_eq!(answers[0]["sent"], true);
    assert_eq!(answers[1]["isNewUser"], true, "{answers:?}");
    assert_eq!(
        (&answers[2]["isNewUser"], &answers[2]["userId"]),
        (&serde_json::json!(false), &answers[1]["userId"]),
        "{answers:?}"
    );
    assert!(answers[2]["token"].is_string());
    assert_eq!(answers[3]["error"]["code"], "wrong_password", "{answers:?}");
}

/// The README's nickname and avatar walk-through, run as written: a nickname
/// WeChat passes is stored trimmed, a risky one is refused; an avatar the
/// simulator fetches and passes becomes the profile's, a risky one is
/// refused; `/auth/me` shows both with their checks.
#[test]
fn readme_nickname_and_avatar_walk_through_runs_as_written() {
    let answers = run_walk_through(
        "## Walk-through: a nickname and an avatar the user chose",
        "## 流程演示：用户自选的昵称和头像",
        "nickname",
    );
    assert_eq!(answers.len(), 5, "{answers:?}");
    assert_eq!(answers[0]["profile"]["nickName"], "小 明", "{answers:?}");
    assert_eq!(
        answers[0]["contentChecks"]["nickName"]["state"], "passed",
        "{answers:?}"
    );
    assert_eq!(
        answers[1]["error"]["code"], "content_rejected",
        "{answers:?}"
    );
    // Pending, or active already if the simulator's verdict came first.
    assert!(
        ["pending", "active"].contains(&answers[2]["avatar"]["state"].as_str().unwrap_or("")),
        "{answers:?}"
    );
    let first = answers[2]["avatar"]["url"].as_str().unwrap();
    assert!(
        first.contains("/avatars/") && first.ends_with(".png"),
        "{first}"
    );
    // The risky one: pending, or refused already if the verdict came first.
    assert!(
        answers[3]["avatar"]["state"] == "pending"
            || answers[3]["error"]["code"] == "content_rejected",
        "{answers:?}"
    );
    let me = &answers[4];
    assert_eq!(me["profile"]["nickName"], "小 明", "{answers:?}");
    assert_eq!(me["contentChecks"]["nickName"]["state"], "passed");
    assert_eq!(me["profile"]["avatarUrl"], first, "{me}");
    assert_eq!(me["contentChecks"]["avatar"]["state"], "passed", "{me}");
    assert_eq!(me["avatar"]["state"], "refused", "{me}");
    assert_eq!(me["avatar"]["label"], 20002, "{me}");
}

/// The README's walk-through of a team's own route, run as written: the
/// example route answers a live session's caller, then API Gateway's bare
/// 403 after the logout, and its bare 401 without a token.
#[test]
fn readme_own_route_walk_through_runs_as_written() {
    let answers = run_walk_through(
        "## Walk-through: your own route behind the authorizer",
        "## 流程演示：authorizer 保护的自有接口",
        "own-route",
    );
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert!(answers[0]["userId"].is_string(), "{answers:?}");
    assert_eq!(answers[0]["appid"], "wx5e1a0d0c0de0b0b0", "{answers:?}");
    assert_eq!(
        answers[0]["openid"],
        wxauth_wechat_sim::openid_for("wx5e1a0d0c0de0b0b0", "olivia"),
        "{answers:?}"
    );
    assert_eq!(answers[1], serde_json::json!({"loggedOut": true}));
    assert_eq!(answers[2], serde_json::json!({"message": "Forbidden"}));
    assert_eq!(answers[3], serde_json::json!({"message": "Unauthorized"}));
}

/// README "Developing in WeChat DevTools": with the team's AppID and secret
/// set, the local server talks to `WECHAT_API_BASE` (WeChat itself, by
/// default; here a simulator standing in for it) instead of its own
/// simulator, and `--host 0.0.0.0` serves every address of the machine, as
/// a phone on the same network needs.
#[tokio::test(flavor = "current_thread")]
async fn with_real_wechat_settings_the_local_server_talks_to_wechat_on_every_address() {
    const APPID: &str = "wx1234567890abcdef";
    const SECRET: &str = "the-team-s-real-secret";
    let wechat = wxauth_wechat_sim::Simulator::new([(APPID, SECRET)]);
    let running = wechat.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let code = wechat.mint_login_code(APPID, "devtools-user");
    let data_dir = std::env::temp_dir().join(format!("wxauth-devtools-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxauth-dev"))
        .args(["--host", "0.0.0.0", "--port", "0", "--data-dir"])
        .arg(&data_dir)
        .env("WECHAT_APPID", APPID)
        .env("WECHAT_SECRET", SECRET)
        .env("WECHAT_API_BASE", running.base_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wxauth-dev");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut banner = Vec::new();
    let port = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the server stopped: {banner:?}"))
            .expect("stderr");
        banner.push(line.clone());
        if let Some(url) = line.strip_prefix("wxauth-dev listening on http://0.0.0.0:") {
            break url.trim().to_owned();
        }
    };
    let wechat_line = lines.next().expect("data directory").unwrap();
    let wechat_line = if wechat_line.contains("data directory") {
        lines.next().expect("the WeChat line").unwrap()
    } else {
        wechat_line
    };
    assert_eq!(
        wechat_line.trim(),
        format!("WeChat: {}", running.base_url()),
        "{banner:?}"
    );
    std::thread::spawn(move || for _ in lines {});
    let login = format!(
        "curl -s -X POST http://127.0.0.1:{port}/auth/login -H 'content-type: application/json' -d '{{\"code\":\"{code}\"}}'"
    );
    let answer = tokio::task::spawn_blocking(move || run_sh(&login))
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
    assert!(answer["token"].is_string(), "{answer}");
    assert_eq!(
        wechat.calls("jscode2session"),
        1,
        "the code went to WECHAT_API_BASE"
    );
}
