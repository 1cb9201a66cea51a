//! CPU per request of each handler's path without network (see
//! `wxauth_bench::fixtures`), and the pieces the report sets beside them: the
//! RS256 signature alone, and the decrypt + verify + sign path that the Python
//! baseline (`bench/python/baseline.py`) runs too.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use wxauth_bench::fixtures::{handle_event, offline_routes, open_data_example};
use wxauth_shared::domain::{AppId, Identity, OpenId, SessionId, SessionKey, UserId};
use wxauth_shared::open_data::{EncryptedOpenData, Expectations, open};
use wxauth_shared::tokens::{SigningKey, TokenIssuer, TokenSubject, TokenVerifier};

fn signing_key_pem() -> &'static str {
    wxauth_tests::harness::signing_key_pem()
}

fn handlers(c: &mut Criterion) {
    let routes = offline_routes(signing_key_pem());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // Each path must succeed, or the figure measures an error answer.
    for event in [
        &routes.login_event,
        &routes.profile_event,
        &routes.phone_event,
    ] {
        let status = runtime.block_on(handle_event(&routes.router, event));
        assert_eq!(status, 200, "{event}");
    }
    let mut group = c.benchmark_group("handler");
    group.bench_function("login", |b| {
        b.iter(|| runtime.block_on(handle_event(&routes.router, black_box(&routes.login_event))))
    });
    group.bench_function("decrypt-profile", |b| {
        b.iter(|| {
            runtime.block_on(handle_event(
                &routes.router,
                black_box(&routes.profile_event),
            ))
        })
    });
    group.bench_function("bind-phone", |b| {
        b.iter(|| runtime.block_on(handle_event(&routes.router, black_box(&routes.phone_event))))
    });
    group.finish();
}

fn pieces(c: &mut Criterion) {
    let key = SigningKey::from_pem(signing_key_pem()).expect("key");
    // A token's signing input is about this long: header.payload in base64url.
    let message = vec![b'a'; 330];
    let mut group = c.benchmark_group("piece");
    group.bench_function("rs256-signature", |b| {
        b.iter(|| key.sign(black_box(&message)).expect("signature"))
    });
    let example = open_data_example();
    let issuer = TokenIssuer::new(
        SigningKey::from_pem(signing_key_pem()).expect("key"),
        "wxauth".into(),
        "wxauth-miniprogram".into(),
    );
    let session_key = SessionKey::parse(example.session_key.clone()).expect("key");
    let appid = AppId::parse(example.appid.clone()).expect("appid");
    let openid = OpenId::parse(example.openid.clone()).expect("openid");
    let subject = TokenSubject {
        user_id: UserId::generate(),
        identity: Identity::wechat(&appid, &openid),
        session_id: SessionId::generate(),
    };
    let expect = Expectations {
        appid: &appid,
        openid: &openid,
        now: example.timestamp + 60,
        max_age_secs: 600,
    };
    // What the Python baseline does: base64, AES-CBC, JSON, watermark and
    // rawData checks, then an RS256 token.
    group.bench_function("decrypt-verify-sign", |b| {
        b.iter(|| {
            let data = EncryptedOpenData::parse(
                black_box(&example.encrypted_data),
                black_box(&example.iv),
            )
            .expect("base64");
            let raw = Some((example.raw_data.as_str(), example.signature.as_str()));
            open(&session_key, &data, raw, &expect).expect("checks pass");
            issuer
                .issue(&subject, expect.now, expect.now + 900)
                .expect("token")
        })
    });
    let verifier = TokenVerifier::new(
        vec![issuer.public_key().clone()],
        "wxauth".into(),
        "wxauth-miniprogram".into(),
    );
    let token = issuer
        .issue(&subject, expect.now, expect.now + 900)
        .expect("token")
        .token;
    group.bench_function("rs256-token-verify", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&token), expect.now)
                .expect("valid")
        })
    });
    let profile_event = offline_routes(signing_key_pem()).profile_event;
    group.bench_function("event-parse", |b| {
        b.iter(|| lambda_http::request::from_str(black_box(&profile_event)).expect("event"))
    });
    group.finish();
}

criterion_group!(benches, handlers, pieces);
criterion_main!(benches);
