//! `POST /auth/login` with the phone button's code, on both stores: the four
//! cases of a login with a number (returning, new and free, new and held by a
//! user without an openid in this mini-program, new and held by one with), and
//! a phone code redeemed only when the answer depends on it.

use serde_json::{Value, json};
use std::sync::Arc;
use wxauth_shared::domain::{PhoneNumber, Profile, UserId};
use wxauth_shared::store::{Commit, Guard, Item, Key, OwnerItem, UserItem, Write};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, error_code, token};
use wxauth_wechat_sim::PhoneSpec;

fn unique_number() -> String {
    format!("135{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// A login of `user` in `appid` carrying a phone code for `number`.
async fn login_with_phone(
    h: &Harness,
    user: &str,
    options: &str,
    appid: &str,
    number: &str,
) -> (u16, Value) {
    let phone_code = h
        .simulator()
        .mint_phone_code(appid, user, &PhoneSpec::china(number));
    let body = json!({
        "code": Harness::code(user, options),
        "appid": appid,
        "phoneCode": phone_code,
    });
    h.post("/auth/login", &body.to_string(), None).await
}

/// The caller's identities as `/auth/me` lists them: kinds in order.
async fn kinds(h: &Harness, answer: &Value) -> Vec<String> {
    let (status, account) = h.call("GET", "/auth/me", None, Some(&token(answer))).await;
    assert_eq!(status, 200, "{account}");
    account["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_returning_login_binds_a_number_only_when_it_has_none(kind: StoreKind) {
    let h = Harness::start(kind).await;
    let first = h.logged_in("pia", "", APP_A).await;
    assert_eq!(first["hasPhone"], false);
    let number = unique_number();
    let (status, again) = login_with_phone(&h, "pia", "", APP_A, &number).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["userId"], &again["hasPhone"], &again["phoneBound"]),
        (&first["userId"], &json!(true), &json!(true))
    );
    assert!(again.get("phoneError").is_none());
    assert_eq!(kinds(&h, &again).await, ["wechat", "phone"]);

    // A number already held: the code is not redeemed (WeChat bills each one).
    let redeemed = h.simulator().calls("getuserphonenumber");
    let (status, third) = login_with_phone(&h, "pia", "", APP_A, &unique_number()).await;
    assert_eq!(status, 200, "{third}");
    assert_eq!(h.simulator().calls("getuserphonenumber"), redeemed);
    assert_eq!(third["hasPhone"], true);
    assert!(third.get("phoneBound").is_none(), "{third}");

    // Another user's number: the login goes on, unbound, and says why.
    let taken = h.logged_in("quin", "", APP_A).await;
    let (status, answer) = login_with_phone(&h, "quin", "", APP_A, &number).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["userId"], taken["userId"]);
    assert_eq!(
        (
            &answer["phoneBound"],
            &answer["phoneError"],
            &answer["hasPhone"]
        ),
        (&json!(false), &json!("phone_taken"), &json!(false))
    );
    // A phone code WeChat refuses: likewise, with its code.
    let body = json!({
        "code": Harness::code("quin", ""),
        "appid": APP_A,
        "phoneCode": "not-a-phone-code",
    });
    let (status, answer) = h.post("/auth/login", &body.to_string(), None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneError"], "phone_code_invalid");
    // The token works: the login itself succeeded.
    assert_eq!(kinds(&h, &answer).await, ["wechat"]);
}

#[tokio::test]
async fn returning_with_a_phone_code_on_dynamodb() {
    a_returning_login_binds_a_number_only_when_it_has_none(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn returning_with_a_phone_code_on_the_embedded_store() {
    a_returning_login_binds_a_number_only_when_it_has_none(StoreKind::Embedded).await;
}

/// Puts a user that holds `number` and no WeChat identity: an account a team
/// made by phone in its app or on its web site.
async fn phone_first_user(h: &Harness, number: &str) -> UserId {
    let user_id = UserId::generate();
    let phone = PhoneNumber::from_parts("86", number).unwrap();
    let writes = [
        Write::Put {
            key: Key::user(&user_id),
            item: Item::User(UserItem {
                created_at: 1,
                identities: Vec::new(),
                union_id: None,
                phone: Some(phone.clone()),
                profile: Profile::default(),
                checks: Default::default(),
                avatars: Default::default(),
                password: None,
                version: 1,
            }),
            guard: Guard::Absent,
        },
        Write::Put {
            key: Key::phone(&phone),
            item: Item::Phone(OwnerItem {
                user_id: user_id.clone(),
                created_at: 1,
                session: None,
            }),
            guard: Guard::Absent,
        },
    ];
    assert_eq!(h.store.commit(&writes).await.unwrap(), Commit::Done);
    user_id
}

async fn a_new_openid_with_a_number(kind: StoreKind) {
    let h = Harness::start(kind).await;
    // Free number: a new user holding both identities.
    let number = unique_number();
    let (status, fresh) = login_with_phone(&h, "rio", "", APP_A, &number).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(
        (
            &fresh["isNewUser"],
            &fresh["hasPhone"],
            &fresh["phoneBound"]
        ),
        (&json!(true), &json!(true), &json!(true))
    );
    assert_eq!(kinds(&h, &fresh).await, ["wechat", "phone"]);

    // A number held by an account made by phone: the openid joins it.
    let number = unique_number();
    let account = phone_first_user(&h, &number).await;
    let (status, joined) = login_with_phone(&h, "sol", "", APP_A, &number).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(
        (
            joined["userId"].as_str(),
            &joined["isNewUser"],
            &joined["phoneBound"]
        ),
        (Some(account.as_str()), &json!(false), &json!(true))
    );
    assert_eq!(kinds(&h, &joined).await, ["wechat", "phone"]);
    // Then its openid in the other mini-program joins it too (no openid there yet).
    let (status, other_app) = login_with_phone(&h, "sol", "", APP_B, &number).await;
    assert_eq!(status, 200, "{other_app}");
    assert_eq!(other_app["userId"].as_str(), Some(account.as_str()));
    assert_eq!(kinds(&h, &other_app).await, ["wechat", "wechat", "phone"]);

    // The same number from another WeChat user of this mini-program: refused,
    // nothing written.
    let before = h.all_keys().await;
    let (status, answer) = login_with_phone(&h, "tam", "", APP_A, &number).await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("phone_taken")),
        "{answer}"
    );
    assert_eq!(h.all_keys().await, before, "nothing written");

    // A phone code WeChat refuses on a new openid: nothing written either.
    let body = json!({ "code": Harness::code("uma", ""), "appid": APP_A, "phoneCode": "nope" });
    let (status, answer) = h.post("/auth/login", &body.to_string(), None).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("phone_code_invalid"))
    );
    assert_eq!(h.all_keys().await, before, "nothing written");
}

#[tokio::test]
async fn new_openid_with_a_phone_code_on_dynamodb() {
    a_new_openid_with_a_number(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn new_openid_with_a_phone_code_on_the_embedded_store() {
    a_new_openid_with_a_number(StoreKind::Embedded).await;
}

/// Two new WeChat users of one mini-program with the same phone-first number
/// at once: one joins, the other is refused; one owner, no orphan.
#[tokio::test]
async fn two_new_openids_racing_for_one_phone_first_account() {
    let h = Harness::start(StoreKind::Dynamo).await;
    let h = Arc::new(h);
    let number = unique_number();
    let account = phone_first_user(&h, &number).await;
    let racers = ["vic", "wes"].map(|user| {
        let (h, number) = (h.clone(), number.clone());
        tokio::spawn(async move { login_with_phone(&h, user, "", APP_A, &number).await })
    });
    let mut answers = Vec::new();
    for racer in racers {
        answers.push(racer.await.unwrap());
    }
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!(answers[0].0, 200, "{:?}", answers);
    assert_eq!(answers[0].1["userId"].as_str(), Some(account.as_str()));
    assert_eq!(
        (answers[1].0, error_code(&answers[1].1)),
        (409, Some("phone_taken")),
        "{:?}",
        answers
    );
    let (_, me) = h
        .call("GET", "/auth/me", None, Some(&token(&answers[0].1)))
        .await;
    assert_eq!(me["identities"].as_array().unwrap().len(), 2, "{me}");
}

/// A user binding a number while a new WeChat user logs in with the phone
/// button and the same number: the bind is held before its commit, the login
/// makes a new user holding the number, and the bind, decided again, finds the
/// number taken. One owner, and only one of the two succeeded.
#[tokio::test]
async fn a_bind_racing_a_new_login_with_the_same_number_leaves_one_owner() {
    let (h, proxy) = Harness::with_proxy().await;
    let number = unique_number();
    let binder = h.logged_in("xia", "", APP_A).await;
    let code = h
        .simulator()
        .mint_phone_code(APP_A, "xia", &PhoneSpec::china(&number));
    let router = h.router_via(&proxy);
    let mut hold = proxy.hold(wxauth_tests::dynamo_proxy::WRITES, 1);
    let (body, binder_token) = (json!({ "code": code }).to_string(), token(&binder));
    let held = tokio::spawn(async move {
        wxauth_tests::harness::call_router(
            &router,
            "POST",
            "/auth/phone",
            Some(&body),
            Some(&binder_token),
        )
        .await
    });
    hold.reached().await;
    let (status, joined) = login_with_phone(&h, "yan", "", APP_A, &number).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(
        (&joined["isNewUser"], &joined["phoneBound"]),
        (&json!(true), &json!(true))
    );
    hold.release();
    let (status, answer) = held.await.unwrap();
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("phone_taken")),
        "{answer}"
    );
    let key = Key::phone(&PhoneNumber::from_parts("86", &number).unwrap());
    let Some(Item::Phone(owner)) = h
        .store
        .get(std::slice::from_ref(&key))
        .await
        .unwrap()
        .remove(&key)
    else {
        panic!("the number is held");
    };
    assert_eq!(Some(owner.user_id.as_str()), joined["userId"].as_str());
    assert_eq!(
        kinds(&h, &binder).await,
        ["wechat"],
        "the binder has no number"
    );
}
