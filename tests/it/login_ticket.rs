//! `REGISTRATION=phone_required`: a new WeChat user without a number gets a
//! login ticket and no account; an SMS login redeems it (once, within five
//! minutes, in its own mini-program), attaching the openid to the number's
//! account or a new one. On both stores.

use serde_json::{Value, json};
use wxauth_tests::StoreKind;
use wxauth_tests::harness::{APP_A, APP_B, Harness, error_code, token};
use wxauth_wechat_sim::PhoneSpec;

fn unique_number() -> String {
    format!("132{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// Sends a login code to `number` and answers it.
async fn code_for(h: &Harness, number: &str) -> String {
    let body = json!({ "phone": number }).to_string();
    let (status, answer) = h.post("/auth/sms/send", &body, None).await;
    assert_eq!(status, 200, "{answer}");
    h.sms_codes_sent(&format!("+86{number}"))
        .pop()
        .expect("a code")
}

async fn redeem(
    h: &Harness,
    number: &str,
    code: &str,
    ticket: &str,
    appid: Option<&str>,
) -> (u16, Value) {
    let mut body = json!({ "phone": number, "code": code, "loginTicket": ticket });
    if let Some(appid) = appid {
        body["appid"] = appid.into();
    }
    h.post("/auth/sms/login", &body.to_string(), None).await
}

async fn a_new_openid_needs_a_number(kind: StoreKind) {
    let h = Harness::start_with(kind, &[("REGISTRATION", "phone_required")]).await;
    let before = h.all_keys().await;
    let (status, answer) = h.login(&Harness::code("nia", ""), Some(APP_A)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (&answer["registered"], &answer["ticketExpiresIn"]),
        (&json!(false), &json!(300))
    );
    assert!(
        answer.get("token").is_none() && answer.get("userId").is_none(),
        "{answer}"
    );
    let ticket = answer["loginTicket"].as_str().unwrap().to_owned();
    let after: Vec<_> = h
        .all_keys()
        .await
        .into_iter()
        .filter(|k| !before.contains(k))
        .collect();
    assert_eq!(after.len(), 1, "only the ticket: {after:?}");
    assert!(after[0].starts_with("TICKET#") && !after[0].contains(&ticket));
    // The ticket is not an access token.
    let (status, _) = h.call("GET", "/auth/me", None, Some(&ticket)).await;
    assert_eq!(status, 401);

    // Redeemed by an SMS login of a new number: a user holding both.
    let number = unique_number();
    let code = code_for(&h, &number).await;
    let (status, joined) = redeem(&h, &number, &code, &ticket, Some(APP_A)).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["isNewUser"], true);
    let (_, account) = h.call("GET", "/auth/me", None, Some(&token(&joined))).await;
    let kinds: Vec<_> = account["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("wechat"), json!("phone")]);
    // The session is the mini-program identity's: open data decrypts with the
    // session_key kept from the ticket's jscode2session.
    let payload =
        wxauth_wechat_sim::profile_payload(APP_A, "nia", "Nia", "https://wx.qlogo.cn/n/132", None);
    let data = h.simulator().mint_open_data(APP_A, "nia", payload).unwrap();
    let body = json!({ "encryptedData": data.encrypted_data, "iv": data.iv }).to_string();
    let (status, answer) = h.post("/auth/profile", &body, Some(&token(&joined))).await;
    assert_eq!(status, 200, "{answer}");
    // Now registered, the same WeChat user logs in by WeChat alone.
    let again = h.logged_in("nia", "", APP_A).await;
    assert_eq!(again["userId"], joined["userId"]);

    // Single use.
    h.clock.advance(61);
    let code = code_for(&h, &number).await;
    let (status, answer) = redeem(&h, &number, &code, &ticket, None).await;
    assert_eq!((status, error_code(&answer)), (400, Some("ticket_invalid")));
    // The refused ticket did not spend the code: it still logs in alone.
    let body = json!({ "phone": number, "code": code }).to_string();
    let (status, _) = h.post("/auth/sms/login", &body, None).await;
    assert_eq!(status, 200);

    // Another new WeChat user redeems a ticket with a number that has an
    // account already (made by SMS): the openid joins it.
    let phone_first = unique_number();
    let code = code_for(&h, &phone_first).await;
    let body = json!({ "phone": phone_first, "code": code }).to_string();
    let (_, by_sms) = h.post("/auth/sms/login", &body, None).await;
    let (_, answer) = h.login(&Harness::code("oda", ""), Some(APP_A)).await;
    let ticket = answer["loginTicket"].as_str().unwrap().to_owned();
    h.clock.advance(61);
    let code = code_for(&h, &phone_first).await;
    let (status, joined) = redeem(&h, &phone_first, &code, &ticket, None).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(
        (&joined["userId"], &joined["isNewUser"]),
        (&by_sms["userId"], &json!(false))
    );

    // A third WeChat user of the same app with that number: refused.
    let (_, answer) = h.login(&Harness::code("pax", ""), Some(APP_A)).await;
    let ticket = answer["loginTicket"].as_str().unwrap().to_owned();
    h.clock.advance(61);
    let code = code_for(&h, &phone_first).await;
    let (status, answer) = redeem(&h, &phone_first, &code, &ticket, None).await;
    assert_eq!(
        (status, error_code(&answer)),
        (409, Some("phone_taken")),
        "{answer}"
    );

    // The phone button at login still registers directly.
    let number = unique_number();
    let phone_code = h
        .simulator()
        .mint_phone_code(APP_B, "qi", &PhoneSpec::china(&number));
    let body = json!({ "code": Harness::code("qi", ""), "appid": APP_B, "phoneCode": phone_code });
    let (status, answer) = h.post("/auth/login", &body.to_string(), None).await;
    assert_eq!(
        (status, &answer["isNewUser"]),
        (200, &json!(true)),
        "{answer}"
    );
}

#[tokio::test]
async fn phone_required_on_dynamodb() {
    a_new_openid_needs_a_number(StoreKind::Dynamo).await;
}

#[tokio::test]
async fn phone_required_on_the_embedded_store() {
    a_new_openid_needs_a_number(StoreKind::Embedded).await;
}

/// A ticket expires after five minutes and belongs to its mini-program.
#[tokio::test]
async fn a_ticket_expires_and_stays_in_its_app() {
    let h = Harness::start_with(StoreKind::Embedded, &[("REGISTRATION", "phone_required")]).await;
    let number = unique_number();
    let (_, answer) = h.login(&Harness::code("rey", ""), Some(APP_A)).await;
    let ticket = answer["loginTicket"].as_str().unwrap().to_owned();
    let code = code_for(&h, &number).await;
    let (status, answer) = redeem(&h, &number, &code, &ticket, Some(APP_B)).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("ticket_invalid")),
        "another app"
    );
    h.clock.advance(300);
    let (status, answer) = redeem(&h, &number, &code, &ticket, Some(APP_A)).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("ticket_invalid")),
        "expired"
    );
    let (status, answer) = redeem(&h, &number, &code, "lt1.nope", None).await;
    assert_eq!(
        (status, error_code(&answer)),
        (400, Some("ticket_invalid")),
        "malformed"
    );
}
