//! Encrypted open data (`encryptedData` + `iv`, and `rawData` + `signature`
//! for user info), made the way WeChat makes it for the mini-program.
//!
//! - The plaintext is the payload's JSON with a `watermark`
//!   `{"timestamp","appid"}` as its last member, compact, UTF-8, `/` not
//!   escaped, members in WeChat's order (`openId`, `nickName`, `gender`,
//!   `language`, `city`, `province`, `country`, `avatarUrl`, `unionId`,
//!   `phoneNumber`, `purePhoneNumber`, `countryCode`, then any others).
//! - It is encrypted with AES-128-CBC and PKCS#7 padding; the key is the
//!   base64-decoded session key, the iv 16 random bytes; `encryptedData` and
//!   `iv` are standard base64.
//! - For user info, `rawData` is the JSON of the non-sensitive fields
//!   (`nickName`, `gender`, `language`, `city`, `province`, `country`,
//!   `avatarUrl`) and `signature` = lowercase hex
//!   sha1(`rawData` + session key as its base64 text).

use aws_lc_rs::cipher::{AES_128, EncryptionContext, PaddedBlockEncryptingKey, UnboundCipherKey};
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::identity::{openid_for, unionid_for};
use crate::random;

/// Member order of WeChat's open data; other members follow these.
const MEMBER_ORDER: [&str; 12] = [
    "openId",
    "nickName",
    "gender",
    "language",
    "city",
    "province",
    "country",
    "avatarUrl",
    "unionId",
    "phoneNumber",
    "purePhoneNumber",
    "countryCode",
];
/// The members of user info that go into `rawData`, in order.
const RAW_DATA_MEMBERS: [&str; 7] = [
    "nickName",
    "gender",
    "language",
    "city",
    "province",
    "country",
    "avatarUrl",
];
/// The member WeChat appends to every payload.
const WATERMARK: &str = "watermark";
/// Member order of the watermark.
const WATERMARK_ORDER: [&str; 2] = ["timestamp", "appid"];

/// Encrypted data as the mini-program receives it from WeChat, ready to be
/// sent to the backend under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenData {
    /// `encryptedData`: the ciphertext in standard base64.
    pub encrypted_data: String,
    /// `iv`: the 16-byte iv in standard base64.
    pub iv: String,
    /// `rawData`, for user info only.
    pub raw_data: Option<String>,
    /// `signature` of `raw_data`, for user info only.
    pub signature: Option<String>,
    /// The JSON that was encrypted, watermark included.
    pub plaintext: String,
}

/// The watermark WeChat puts in open data and phone answers.
#[derive(Debug, Serialize)]
pub(crate) struct Watermark<'a> {
    pub(crate) timestamp: u64,
    pub(crate) appid: &'a str,
}

/// User info as WeChat encrypts it for `wx.getUserInfo`, before the
/// watermark: `{"openId","nickName","gender","language","city","province",
/// "country","avatarUrl","unionId"?}`.
///
/// `openId` is [`openid_for`]`(appid, user_label)`; `unionId`, present when
/// `unionid_label` is given, is [`unionid_for`]`(unionid_label)` (the label is
/// the open-platform account, as `unionid=` in a login code). The rest is what
/// WeChat sends today: `gender` 0 and empty `city`, `province` and `country`,
/// `language` `"zh_CN"`. Pass `"微信用户"` and WeChat's grey avatar to get
/// what new clients receive.
///
/// Encrypt it with [`Simulator::mint_open_data`](crate::Simulator::mint_open_data),
/// which also makes its `rawData` and `signature`.
pub fn profile_payload(
    appid: &str,
    user_label: &str,
    nick: &str,
    avatar: &str,
    unionid_label: Option<&str>,
) -> Value {
    let mut payload = json!({
        "openId": openid_for(appid, user_label),
        "nickName": nick,
        "gender": 0,
        "language": "zh_CN",
        "city": "",
        "province": "",
        "country": "",
        "avatarUrl": avatar,
    });
    if let Some(label) = unionid_label {
        payload["unionId"] = json!(unionid_for(label));
    }
    payload
}

/// Encrypts `payload` for app `appid` under `session_key` (base64 text) as
/// WeChat does at `timestamp`, with a random iv. User info (a payload with a
/// `nickName`) also gets `rawData` and `signature`.
///
/// A `watermark` already in the payload is kept (still moved last), so a test
/// can forge one from another app or another time.
///
/// # Panics
/// If `payload` is not a JSON object, or `session_key` is not 16 bytes in
/// base64 (the simulator's keys always are).
pub(crate) fn seal(payload: &Value, appid: &str, session_key: &str, timestamp: u64) -> OpenData {
    let members = payload
        .as_object()
        .expect("open data payloads are JSON objects");
    let plaintext = plaintext(members, appid, timestamp);
    let iv = random::bytes::<16>();
    let raw_data = raw_data(members);
    let signature = raw_data.as_deref().map(|raw| signature(raw, session_key));
    OpenData {
        encrypted_data: encrypt(session_key, iv, plaintext.as_bytes()),
        iv: STANDARD.encode(iv),
        raw_data,
        signature,
        plaintext,
    }
}

/// The JSON WeChat encrypts: `members` in WeChat's order, then the watermark.
pub(crate) fn plaintext(members: &Map<String, Value>, appid: &str, timestamp: u64) -> String {
    let watermark = match members.get(WATERMARK) {
        Some(Value::Object(given)) => ordered_json(given, &WATERMARK_ORDER, true),
        Some(given) => given.to_string(),
        None => {
            serde_json::to_string(&Watermark { timestamp, appid }).expect("a watermark serialises")
        }
    };
    let mut json = ordered_json(members, &MEMBER_ORDER, true);
    json.pop(); // the closing brace
    if json.len() > 1 {
        json.push(',');
    }
    json.push_str(&format!(r#""{WATERMARK}":{watermark}}}"#));
    json
}

/// `rawData` for user info (a payload with a `nickName`): its non-sensitive
/// members in WeChat's order.
fn raw_data(members: &Map<String, Value>) -> Option<String> {
    members.get("nickName")?;
    Some(ordered_json(members, &RAW_DATA_MEMBERS, false))
}

/// `signature` of `raw_data`: lowercase hex sha1(`raw_data` + `session_key`),
/// the session key as its base64 text.
pub(crate) fn signature(raw_data: &str, session_key: &str) -> String {
    let mut signed = String::with_capacity(raw_data.len() + session_key.len());
    signed.push_str(raw_data);
    signed.push_str(session_key);
    digest(&SHA1_FOR_LEGACY_USE_ONLY, signed.as_bytes())
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `encryptedData`: `plaintext` encrypted with AES-128-CBC, PKCS#7 padding,
/// under `session_key` (base64 of 16 bytes) and `iv`, in standard base64.
///
/// # Panics
/// If `session_key` is not 16 bytes in base64.
pub(crate) fn encrypt(session_key: &str, iv: [u8; 16], plaintext: &[u8]) -> String {
    let key = STANDARD
        .decode(session_key)
        .expect("session keys are base64");
    let key = UnboundCipherKey::new(&AES_128, &key).expect("session keys are 16 bytes");
    let key = PaddedBlockEncryptingKey::cbc_pkcs7(key).expect("AES-128-CBC is supported");
    let mut data = plaintext.to_vec();
    key.less_safe_encrypt(&mut data, EncryptionContext::Iv128(iv.into()))
        .expect("CBC encryption with a 16-byte iv succeeds");
    STANDARD.encode(data)
}

/// Compact JSON of the object `members`, whatever order `serde_json::Map`
/// keeps: first the members named in `order`, in that order, then, if
/// `others`, the remaining members except a watermark, in map order.
fn ordered_json(members: &Map<String, Value>, order: &[&str], others: bool) -> String {
    let known = order.iter().filter_map(|&name| members.get_key_value(name));
    let rest = members
        .iter()
        .filter(|(name, _)| others && !order.contains(&name.as_str()) && *name != WATERMARK);
    let mut json = String::from("{");
    for (index, (name, value)) in known.chain(rest).enumerate() {
        if index > 0 {
            json.push(',');
        }
        json.push_str(&Value::from(name.as_str()).to_string());
        json.push(':');
        json.push_str(&value.to_string());
    }
    json.push('}');
    json
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use aws_lc_rs::cipher::{DecryptionContext, PaddedBlockDecryptingKey};

    use super::*;
    use crate::identity::new_session_key;

    /// A vector file from the workspace's WeChat fixtures.
    fn vector(name: &str) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/wechat-vectors")
            .join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    fn text<'a>(value: &'a Value, name: &str) -> &'a str {
        value[name].as_str().unwrap_or_else(|| panic!("{name}"))
    }

    /// Decrypts like a WeChat backend does.
    fn decrypt(session_key: &str, iv: &str, encrypted_data: &str) -> Option<String> {
        let key = STANDARD.decode(session_key).ok()?;
        let iv: [u8; 16] = STANDARD.decode(iv).ok()?.try_into().ok()?;
        let mut data = STANDARD.decode(encrypted_data).ok()?;
        let key = UnboundCipherKey::new(&AES_128, &key).ok()?;
        let key = PaddedBlockDecryptingKey::cbc_pkcs7(key).ok()?;
        let plain = key
            .decrypt(&mut data, DecryptionContext::Iv128(iv.into()))
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }

    #[test]
    fn official_user_info_vector_encrypts_to_its_encrypted_data() {
        let v = vector("userinfo-official.json");
        let iv: [u8; 16] = STANDARD.decode(text(&v, "iv")).unwrap().try_into().unwrap();
        let encrypted = encrypt(
            text(&v, "session_key"),
            iv,
            text(&v, "plaintext").as_bytes(),
        );
        assert_eq!(encrypted, text(&v, "encrypted_data"));
    }

    #[test]
    fn official_plaintext_is_reproduced_member_for_member() {
        let v = vector("userinfo-official.json");
        let official: Value = serde_json::from_str(text(&v, "plaintext")).unwrap();
        let watermark = &official[WATERMARK];
        let mut payload = official.as_object().unwrap().clone();
        payload.remove(WATERMARK);
        let ours = plaintext(
            &payload,
            watermark["appid"].as_str().unwrap(),
            watermark["timestamp"].as_u64().unwrap(),
        );
        assert_eq!(ours, text(&v, "plaintext"));
    }

    #[test]
    fn official_raw_data_signature() {
        let v = vector("rawdata-signature-official.json");
        assert_eq!(
            signature(text(&v, "raw_data"), text(&v, "session_key")),
            text(&v, "signature")
        );
        let members: Value = serde_json::from_str(text(&v, "raw_data")).unwrap();
        let mut members = members.as_object().unwrap().clone();
        members.insert("openId".into(), json!("oGZUI0egBJY1zhBYw2KhdUfwVJJE"));
        assert_eq!(raw_data(&members).unwrap(), text(&v, "raw_data"));
    }

    #[test]
    fn sealed_data_decrypts_to_the_plaintext() {
        let key = new_session_key();
        let payload = profile_payload("wx1", "alice", "微信用户", "https://a/b", Some("acme"));
        let data = seal(&payload, "wx1", &key, 1_700_000_000);

        let plain = decrypt(&key, &data.iv, &data.encrypted_data).expect("decrypts");
        assert_eq!(plain, data.plaintext);
        let expected = format!(
            r#"{{"openId":"{}","nickName":"微信用户","gender":0,"language":"zh_CN","city":"","province":"","country":"","avatarUrl":"https://a/b","unionId":"{}","watermark":{{"timestamp":1700000000,"appid":"wx1"}}}}"#,
            openid_for("wx1", "alice"),
            unionid_for("acme")
        );
        assert_eq!(plain, expected);

        let raw = data.raw_data.as_deref().unwrap();
        assert_eq!(
            raw,
            r#"{"nickName":"微信用户","gender":0,"language":"zh_CN","city":"","province":"","country":"","avatarUrl":"https://a/b"}"#
        );
        assert_eq!(
            data.signature.as_deref(),
            Some(signature(raw, &key).as_str())
        );
        assert_eq!(STANDARD.decode(&data.iv).unwrap().len(), 16);

        assert_eq!(
            decrypt(&new_session_key(), &data.iv, &data.encrypted_data).filter(|p| *p == plain),
            None
        );
        assert_ne!(
            seal(&payload, "wx1", &key, 1_700_000_000).iv,
            data.iv,
            "random iv"
        );
    }

    #[test]
    fn other_payloads_have_no_raw_data_and_keep_a_given_watermark() {
        let key = new_session_key();
        let payload = json!({
            "watermark": {"timestamp": 1, "appid": "wxother"},
            "countryCode": "86",
            "zeta": [1, "/"],
            "phoneNumber": "13800138000",
            "purePhoneNumber": "13800138000",
        });
        let data = seal(&payload, "wx1", &key, 1_700_000_000);
        assert_eq!(data.raw_data, None);
        assert_eq!(data.signature, None);
        assert_eq!(
            data.plaintext,
            r#"{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86","zeta":[1,"/"],"watermark":{"timestamp":1,"appid":"wxother"}}"#
        );
        assert_eq!(
            decrypt(&key, &data.iv, &data.encrypted_data).as_deref(),
            Some(data.plaintext.as_str())
        );
    }
}
