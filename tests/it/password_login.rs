//! Login by number and password through the HTTP surface, on both stores: a
//! right, wrong or unset password; an unknown number registered only with a
//! proof of it (an SMS code, the phone button); the tries counted per number
//! and per source address, before the check, racing guesses included;
//! setting and changing a password (a change ends the other sessions); a
//! login ticket redeemed by a password login; a stale hash replaced.

use serde_json::{Value, json};
use wxauth_shared::domain::{Password, PhoneNumber, UserId};
use wxauth_shared::passwords::PasswordHasher;
use wxauth_shared::store::{Commit, Guard, Item, Key, Write};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, error_code, text, token};
use wxauth_wechat_sim::{PhoneSpec, openid_for};

const PASSWORD: &str = "青山绿水 2026";

fn unique_number() -> String {
    format!("134{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

async fn password_login(h: &Harness, body: Value) -> (u16, Value) {
    h.post("/auth/password/login", &body.to_string(), None)
        .await
}

/// Sends a code for `purpose` to `number` and answers it, from the outbox.
async fn code_for(h: &Harness, number: &str, purpose: &str) -> String {
    let body = json!({ "phone": number, "purpose": purpose });
    let (status, answer) = h.post("/auth/sms/send", &body.to_string(), None).await;
    assert_eq!(status, 200, "{answer}");
    h.sms_codes_sent(&format!("+86{number}"))
        .pop()
        .expect("a code in the outbox")
}

/// Registers `number` with [`PASSWORD`], proven by SMS.
async fn registered(h: &Harness, number: &str) -> Value {
    let code = code_for(h, number, "login").await;
    let (status, answer) = password_login(
        h,
        json!({ "phone": number, "password": PASSWORD, "smsCode": code }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

fn user_keys(keys: &[String]) -> usize {
    keys.iter()
        .filter(|k| k.starts_with("USER#") || k.starts_with("PHONE#"))
        .count()
}

async fn passwords_log_in_and_register_only_proven_numbers(kind: StoreKind) {
    let h = Harness::start(kind).await;
    // An unknown number without a proof: nothing but the try is written.
    let number = unique_number();
    let before = user_keys(&h.all_keys().await);
    let (status, answer) =
        password_login(&h, json!({ "phone": number, "password": PASSWORD })).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("phone_unverified")),
        "{answer}"
    );
    assert_eq!(user_keys(&h.all_keys().await), before);

    // A weak password is refused before the code is spent.
    let code = code_for(&h, &number, "login").await;
    for weak in ["short", "12345678", number.as_str()] {
        let body = json!({ "phone": number, "password": weak, "smsCode": code });
        let (status, answer) = password_login(&h, body).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, Some("weak_password")),
            "{weak}: {answer}"
        );
    }
    // Proven by SMS: a new user holding the number, with the password.
    let body = json!({ "phone": number, "password": PASSWORD, "smsCode": code });
    let (status, first) = password_login(&h, body).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["isNewUser"], true);
    let (status, me) = h.call("GET", "/auth/me", None, Some(&token(&first))).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (&me["hasPassword"], &me["identities"][0]["kind"]),
        (&json!(true), &json!("phone"))
    );
    // No trace of the password or its hash in an answer.
    assert!(!me.to_string().contains("argon2"), "{me}");

    // The right password logs the same user in; the new session replaces the last.
    let typed = format!("+86 {number}");
    let (status, again) = password_login(&h, json!({ "phone": typed, "password": PASSWORD })).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["userId"], &again["isNewUser"]),
        (&first["userId"], &json!(false))
    );
    let (status, answer) = h.call("GET", "/auth/me", None, Some(&token(&first))).await;
    assert_eq!((status, error_code(&answer)), (401, Some("session_ended")));
    let (status, renewed) = h.refresh(&text(&again, "refreshToken")).await;
    assert_eq!(status, 200, "{renewed}");

    // A wrong password.
    let (status, answer) =
        password_login(&h, json!({ "phone": number, "password": "青山绿水 2025" })).await;
    assert_eq!((status, error_code(&answer)), (401, Some("wrong_password")));

    // A number whose account has no password (made by SMS login).
    let sms_only = unique_number();
    let code = code_for(&h, &sms_only, "login").await;
    let body = json!({ "phone": sms_only, "code": code });
    assert_eq!(
        h.post("/auth/sms/login", &body.to_string(), None).await.0,
        200
    );
    let (status, answer) =
        password_login(&h, json!({ "phone": sms_only, "password": PASSWORD })).await;
    assert_eq!(
        (status, error_code(&answer)),
        (401, Some("password_not_set"))
    );

    // Proven by the phone button instead: its number must be the one given.
    let by_button = unique_number();
    let phone_code = h
        .simulator()
        .mint_phone_code(APP_A, "pia", &PhoneSpec::china(&by_button));
    let body = json!({ "phone": unique_number(), "password": PASSWORD, "phoneCode": phone_code });
    let (status, answer) = password_login(&h, body).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("phone_unverified")),
        "another number's code: {answer}"
    );
    let phone_code = h
        .simulator()
        .mint_phone_code(APP_A, "pia", &PhoneSpec::china(&by_button));
    let body = json!({ "phone": by_button, "password": PASSWORD, "phoneCode": phone_code, "appid": APP_A });
    let (status, answer) = password_login(&h, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["isNewUser"], true);
}

#[tokio::test]
async fn password_login_on_dynamodb() {
    passwords_log_in_and_register_only_proven_numbers(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn password_login_on_the_embedded_store() {
    passwords_log_in_and_register_only_proven_numbers(StoreKind::Embedded).await;
}

async fn five_wrong_tries_lock_the_number_for_fifteen_minutes(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let number = unique_number();
    registered(&h, &number).await;
    let wrong = json!({ "phone": number, "password": "not the password" });
    for _ in 0..4 {
        assert_eq!(password_login(&h, wrong.clone()).await.0, 401);
    }
    // A right password starts the count again.
    let right = json!({ "phone": number, "password": PASSWORD });
    assert_eq!(password_login(&h, right.clone()).await.0, 200);
    for _ in 0..5 {
        assert_eq!(password_login(&h, wrong.clone()).await.0, 401);
    }
    h.clock.advance(60);
    // Locked, the right password too, with the wait in Retry-After.
    let event = wxauth_tests::events::http_api_event(
        "POST",
        "/auth/password/login",
        Some(&right.to_string()),
        None,
    );
    let response =
        wxauth_shared::lambda::handle(&h.router, wxauth_tests::events::request(&event)).await;
    // 840 s after the first of the five, give or take the emulator's second.
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((835..=840).contains(&wait), "{wait}");
    let (status, answer) = wxauth_tests::events::status_and_json(response);
    assert_eq!(
        (status, error_code(&answer)),
        (429, Some("too_many_attempts"))
    );
    // SMS still logs the user in.
    let code = code_for(&h, &number, "login").await;
    let body = json!({ "phone": number, "code": code });
    assert_eq!(
        h.post("/auth/sms/login", &body.to_string(), None).await.0,
        200
    );
    // Fifteen minutes after the first of the five, it opens again.
    h.clock.advance(840);
    assert_eq!(password_login(&h, right).await.0, 200);
}

#[tokio::test]
async fn lockout_on_dynamodb() {
    five_wrong_tries_lock_the_number_for_fifteen_minutes(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn lockout_on_the_embedded_store() {
    five_wrong_tries_lock_the_number_for_fifteen_minutes(StoreKind::Embedded).await;
}

/// Eight wrong guesses at once on DynamoDB: each is counted before its check,
/// so at most five are checked, whatever the interleaving.
#[tokio::test]
async fn racing_guesses_get_no_more_than_five_checks() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let number = unique_number();
    registered(&h, &number).await;
    let wrong = json!({ "phone": number, "password": "a guess, again" });
    let answers = futures_join_all(&h, &wrong, 8).await;
    let checked = answers.iter().filter(|(s, _)| *s == 401).count();
    let refused = answers
        .iter()
        .filter(|(s, a)| {
            matches!(
                (*s, error_code(a)),
                (429, Some("too_many_attempts")) | (503, Some("storage_unavailable"))
            )
        })
        .count();
    assert!(checked <= 5, "{answers:?}");
    assert_eq!(checked + refused, 8, "{answers:?}");
    let (status, answer) =
        password_login(&h, json!({ "phone": number, "password": PASSWORD })).await;
    if checked == 5 {
        assert_eq!(
            (status, error_code(&answer)),
            (429, Some("too_many_attempts"))
        );
    }
}

async fn futures_join_all(h: &Harness, body: &Value, n: usize) -> Vec<(u16, Value)> {
    let calls = (0..n).map(|_| password_login(h, body.clone()));
    let mut answers = Vec::new();
    let mut pending: Vec<_> = calls.map(Box::pin).collect();
    // Polled together on this task: the requests interleave at every await.
    while !pending.is_empty() {
        let (answer, _, rest) = select_all(pending).await;
        answers.push(answer);
        pending = rest;
    }
    answers
}

/// A minimal `select_all`: the first of `futures` to finish, and the rest.
async fn select_all<F: std::future::Future + Unpin>(
    mut futures: Vec<F>,
) -> (F::Output, usize, Vec<F>) {
    std::future::poll_fn(move |cx| {
        for i in 0..futures.len() {
            if let std::task::Poll::Ready(out) = std::pin::Pin::new(&mut futures[i]).poll(cx) {
                let mut rest = std::mem::take(&mut futures);
                rest.remove(i);
                return std::task::Poll::Ready((out, i, rest));
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// One source address gets 100 tries an hour, across numbers.
#[tokio::test]
async fn one_source_is_bounded_per_hour() {
    let h = Harness::start(StoreKind::Embedded).await;
    for _ in 0..100 {
        let body = json!({ "phone": unique_number(), "password": PASSWORD });
        assert_eq!(password_login(&h, body).await.0, 400);
    }
    let body = json!({ "phone": unique_number(), "password": PASSWORD });
    let (status, answer) = password_login(&h, body.clone()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (429, Some("too_many_attempts"))
    );
    h.clock.advance(3600);
    assert_eq!(password_login(&h, body).await.0, 400);
}

async fn setting_and_changing_a_password(kind: StoreKind) {
    let h = Harness::start(kind).await;
    // A WeChat user without a number cannot set one.
    let bare = h.logged_in("lin", "", APP_A).await;
    let set = |password: &str| json!({ "password": password }).to_string();
    let (status, answer) = h
        .post("/auth/password", &set(PASSWORD), Some(&token(&bare)))
        .await;
    assert_eq!((status, error_code(&answer)), (409, Some("phone_required")));

    // A number-first account (SMS), then the same person in the mini-program
    // with the phone button: two sessions, the number's and the openid's.
    let number = unique_number();
    let code = code_for(&h, &number, "login").await;
    let body = json!({ "phone": number, "code": code });
    let (status, by_sms) = h.post("/auth/sms/login", &body.to_string(), None).await;
    assert_eq!(status, 200, "{by_sms}");
    let phone_code = h
        .simulator()
        .mint_phone_code(APP_A, "kai", &PhoneSpec::china(&number));
    let body = json!({ "code": Harness::code("kai", ""), "appid": APP_A, "phoneCode": phone_code });
    let (status, in_app) = h.post("/auth/login", &body.to_string(), None).await;
    assert_eq!(status, 200, "{in_app}");
    assert_eq!(in_app["userId"], by_sms["userId"]);
    let app_token = token(&in_app);

    // The first password: the token is enough, and no session ends.
    let (status, answer) = h
        .post("/auth/password", &set("short"), Some(&app_token))
        .await;
    assert_eq!((status, error_code(&answer)), (400, Some("weak_password")));
    let (status, answer) = h
        .post("/auth/password", &set(PASSWORD), Some(&app_token))
        .await;
    assert_eq!((status, answer), (200, json!({"passwordSet": true})));
    let (status, _) = h.call("GET", "/auth/me", None, Some(&token(&by_sms))).await;
    assert_eq!(status, 200, "setting a first password ends no session");
    let (status, by_password) =
        password_login(&h, json!({ "phone": number, "password": PASSWORD })).await;
    assert_eq!(status, 200, "{by_password}");

    // A change needs the current password or a code.
    let new = "a new password!";
    let (status, answer) = h.post("/auth/password", &set(new), Some(&app_token)).await;
    assert_eq!((status, error_code(&answer)), (400, Some("bad_request")));
    let tries_from_here = || async {
        let key = Key::password_source("203.0.113.7");
        match h
            .store
            .get(std::slice::from_ref(&key))
            .await
            .unwrap()
            .remove(&key)
        {
            Some(Item::Limit(limit)) => limit.count,
            _ => 0,
        }
    };
    let before = tries_from_here().await;
    let body = json!({ "password": new, "currentPassword": "not it" }).to_string();
    let (status, answer) = h.post("/auth/password", &body, Some(&app_token)).await;
    assert_eq!((status, error_code(&answer)), (401, Some("wrong_password")));
    assert_eq!(
        tries_from_here().await,
        before + 1,
        "counted per source address too"
    );
    let body = json!({ "password": new, "currentPassword": PASSWORD }).to_string();
    let (status, _) = h.post("/auth/password", &body, Some(&app_token)).await;
    assert_eq!(status, 200);
    // Every other session ended; the caller's stays.
    let (status, answer) = h
        .call("GET", "/auth/me", None, Some(&token(&by_password)))
        .await;
    assert_eq!((status, error_code(&answer)), (401, Some("session_ended")));
    let (status, me) = h.call("GET", "/auth/me", None, Some(&app_token)).await;
    assert_eq!((status, &me["sessions"]), (200, &json!(1)), "{me}");
    let (status, answer) =
        password_login(&h, json!({ "phone": number, "password": PASSWORD })).await;
    assert_eq!((status, error_code(&answer)), (401, Some("wrong_password")));

    // Forgotten: a code sent for "password" proves the number instead (a
    // minute after the last code to the number).
    h.clock.advance(61);
    let code = code_for(&h, &number, "password").await;
    let body = json!({ "password": "the third one", "smsCode": code }).to_string();
    let (status, answer) = h.post("/auth/password", &body, Some(&app_token)).await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) =
        password_login(&h, json!({ "phone": number, "password": "the third one" })).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn set_and_change_on_dynamodb() {
    setting_and_changing_a_password(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn set_and_change_on_the_embedded_store() {
    setting_and_changing_a_password(StoreKind::Embedded).await;
}

async fn a_password_login_redeems_a_login_ticket(kind: StoreKind) {
    let h = Harness::start_with(kind, &[("REGISTRATION", "phone_required")]).await;
    let (status, answer) = h.login(&Harness::code("tao", ""), Some(APP_A)).await;
    assert_eq!((status, &answer["registered"]), (200, &json!(false)));
    let ticket = text(&answer, "loginTicket");

    // A bad ticket is refused before the try is counted or the code spent.
    let number = unique_number();
    let code = code_for(&h, &number, "login").await;
    let body = json!({ "phone": number, "password": PASSWORD, "smsCode": code, "loginTicket": "lt1.bogus" });
    let (status, answer) = password_login(&h, body).await;
    assert_eq!((status, error_code(&answer)), (400, Some("ticket_invalid")));
    assert!(
        !h.all_keys().await.iter().any(|k| k.starts_with("PWNUM#")),
        "no try counted"
    );

    // Registered by password with the ticket: one user, both identities, and
    // the session is the mini-program's.
    let body = json!({ "phone": number, "password": PASSWORD, "smsCode": code, "loginTicket": ticket, "appid": APP_A });
    let (status, joined) = password_login(&h, body.clone()).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["isNewUser"], true);
    let (_, me) = h.call("GET", "/auth/me", None, Some(&token(&joined))).await;
    let kinds: Vec<&str> = me["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        (kinds, &me["hasPassword"]),
        (vec!["wechat", "phone"], &json!(true))
    );
    assert!(h.identity(APP_A, &openid_for(APP_A, "tao")).await.is_some());

    // Used up.
    let body = json!({ "phone": number, "password": PASSWORD, "loginTicket": ticket });
    let (status, answer) = password_login(&h, body).await;
    assert_eq!((status, error_code(&answer)), (400, Some("ticket_invalid")));

    // A known number's password with a new ticket: the openid joins it.
    let (_, answer) = h.login(&Harness::code("tao2", ""), Some(APP_B)).await;
    let body = json!({ "phone": number, "password": PASSWORD, "loginTicket": text(&answer, "loginTicket"), "appid": APP_B });
    let (status, second) = password_login(&h, body).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(
        (&second["userId"], &second["isNewUser"]),
        (&joined["userId"], &json!(false))
    );
}

#[tokio::test]
async fn ticket_redeemed_by_password_on_dynamodb() {
    a_password_login_redeems_a_login_ticket(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn ticket_redeemed_by_password_on_the_embedded_store() {
    a_password_login_redeems_a_login_ticket(StoreKind::Embedded).await;
}

/// A hash made with weaker parameters (an older version's) still logs in, and
/// is replaced by one of today's on that login.
#[tokio::test]
async fn a_stale_hash_is_replaced_at_login() {
    let h = Harness::start(StoreKind::Embedded).await;
    let number = unique_number();
    let first = registered(&h, &number).await;
    let key = Key::user(&UserId::parse(text(&first, "userId")).unwrap());
    let Some(Item::User(mut user)) = h
        .store
        .get(std::slice::from_ref(&key))
        .await
        .unwrap()
        .remove(&key)
    else {
        panic!("the user");
    };
    let password = Password::parse(PASSWORD.to_owned()).unwrap();
    user.password = Some(PasswordHasher::new(8 * 1024, 1, 1).hash(&password));
    let old_version = user.version;
    user.version += 1;
    let write = Write::Put {
        key: key.clone(),
        item: Item::User(user),
        guard: Guard::Version(old_version),
    };
    assert_eq!(h.store.commit(&[write]).await.unwrap(), Commit::Done);

    let (status, _) = password_login(&h, json!({ "phone": number, "password": PASSWORD })).await;
    assert_eq!(status, 200);
    let Some(Item::User(user)) = h
        .store
        .get(std::slice::from_ref(&key))
        .await
        .unwrap()
        .remove(&key)
    else {
        panic!("the user");
    };
    let phc = user.password.unwrap();
    assert!(
        phc.phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "rehashed at today's parameters"
    );
    assert_eq!(
        user.phone,
        Some(PhoneNumber::from_parts("86", &number).unwrap())
    );
}
