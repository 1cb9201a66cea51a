//! TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0, for the
//! one kind of request we send: `POST /` with a JSON body and no query.
//! Checked against the documentation's worked example in
//! `tests/fixtures/sms-vectors/`.

use crate::config::Secret;
use crate::crypto::hex;
use aws_lc_rs::{digest, hmac};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// One request to sign (or, for a server, to check).
#[derive(Debug, Clone, Copy)]
pub struct Tc3Request<'a> {
    /// The product's service name: `sms` (the example's is `cvm`). Part of
    /// the credential scope.
    pub service: &'a str,
    /// `X-TC-Timestamp`, unix seconds. Its UTC day is the scope's date.
    pub timestamp: u64,
    /// The signed headers as sent, `(name, value)`, in any order. Tencent
    /// requires `content-type` and `host`; the current documentation also
    /// signs `x-tc-action`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body, byte for byte as sent.
    pub payload: &'a [u8],
}

impl Tc3Request<'_> {
    /// The header names, lowercase, sorted, joined by `;`: the
    /// `SignedHeaders` of the canonical request and the `Authorization` header.
    pub fn signed_headers(&self) -> String {
        self.sorted_headers()
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// `POST`, the path `/`, the empty query, `name:value\n` per signed
    /// header, the signed names, the payload's SHA-256. The documentation
    /// lowercases and trims names and values alike (only `x-tc-action`'s
    /// value has capitals to lose).
    pub fn canonical_request(&self) -> String {
        let headers: String = self
            .sorted_headers()
            .iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect();
        format!(
            "POST\n/\n\n{headers}\n{}\n{}",
            self.signed_headers(),
            sha256_hex(self.payload)
        )
    }

    /// `<date>/<service>/tc3_request`.
    pub fn credential_scope(&self) -> String {
        format!("{}/{}/tc3_request", utc_date(self.timestamp), self.service)
    }

    pub fn string_to_sign(&self) -> String {
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            self.timestamp,
            self.credential_scope(),
            sha256_hex(self.canonical_request().as_bytes())
        )
    }

    /// The signature, lowercase hex: the string to sign under a key derived
    /// from the secret key, the date and the service.
    pub fn signature(&self, secret_key: &Secret) -> String {
        let date = utc_date(self.timestamp);
        let secret_date = hmac_sha256(format!("TC3{}", secret_key.expose()).as_bytes(), &date);
        let secret_service = hmac_sha256(&secret_date, self.service);
        let secret_signing = hmac_sha256(&secret_service, "tc3_request");
        hex(&hmac_sha256(&secret_signing, &self.string_to_sign()))
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self, secret_id: &str, secret_key: &Secret) -> String {
        format!(
            "{ALGORITHM} Credential={secret_id}/{}, SignedHeaders={}, Signature={}",
            self.credential_scope(),
            self.signed_headers(),
            self.signature(secret_key)
        )
    }

    fn sorted_headers(&self) -> Vec<(String, String)> {
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.trim().to_ascii_lowercase(),
                    value.trim().to_ascii_lowercase(),
                )
            })
            .collect();
        headers.sort();
        headers
    }
}

/// The hex SHA-256 of `bytes`: how TC3 writes the payload's and the canonical
/// request's hashes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], message: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, message.as_bytes()).as_ref().to_vec()
}

/// The UTC day of a unix time, `YYYY-MM-DD` (the proleptic Gregorian
/// calendar; Howard Hinnant's `civil_from_days`).
pub fn utc_date(timestamp: u64) -> String {
    let days = timestamp / 86_400;
    // Days since 0000-03-01, so that the leap day ends each 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vector() -> Value {
        serde_json::from_str(include_str!(
            "../../../tests/fixtures/sms-vectors/tencent-tc3-official.json"
        ))
        .unwrap()
    }

    fn text<'a>(v: &'a Value, name: &str) -> &'a str {
        v[name].as_str().unwrap()
    }

    /// The example's headers, as its request sends them (the action in its
    /// own capitals).
    fn headers(v: &Value) -> [(&str, &str); 3] {
        [
            ("Content-Type", text(v, "content_type")),
            ("Host", text(v, "host")),
            ("X-TC-Action", text(v, "action")),
        ]
    }

    #[test]
    fn reproduces_the_official_example() {
        let v = vector();
        let headers = headers(&v);
        let request = Tc3Request {
            service: text(&v, "service"),
            timestamp: v["timestamp"].as_u64().unwrap(),
            headers: &headers,
            payload: text(&v, "payload").as_bytes(),
        };
        let secret_key = Secret::new(text(&v, "secret_key"));
        assert_eq!(
            sha256_hex(request.payload),
            text(&v, "hashed_payload"),
            "payload hash"
        );
        assert_eq!(request.canonical_request(), text(&v, "canonical_request"));
        assert_eq!(
            sha256_hex(request.canonical_request().as_bytes()),
            text(&v, "hashed_canonical_request")
        );
        assert_eq!(
            request.credential_scope(),
            format!("{}/cvm/tc3_request", text(&v, "date"))
        );
        assert_eq!(request.signature(&secret_key), text(&v, "signature"));
        assert_eq!(
            request.authorization(text(&v, "secret_id"), &secret_key),
            text(&v, "authorization")
        );
    }

    #[test]
    fn reproduces_the_older_variant_signing_content_type_and_host() {
        let v = vector();
        let older = &v["older_variant"];
        let headers = &headers(&v)[..2];
        let request = Tc3Request {
            service: text(&v, "service"),
            timestamp: v["timestamp"].as_u64().unwrap(),
            headers,
            payload: text(&v, "payload").as_bytes(),
        };
        assert_eq!(request.signed_headers(), text(older, "signed_headers"));
        assert_eq!(
            sha256_hex(request.canonical_request().as_bytes()),
            text(older, "hashed_canonical_request")
        );
        let secret_key = Secret::new(text(older, "secret_key"));
        assert_eq!(request.signature(&secret_key), text(older, "signature"));
        assert_eq!(
            request.authorization(text(older, "secret_id"), &secret_key),
            format!(
                "TC3-HMAC-SHA256 Credential={}/2019-02-25/cvm/tc3_request, \
                 SignedHeaders=content-type;host, Signature={}",
                text(older, "secret_id"),
                text(older, "signature")
            )
        );
    }

    #[test]
    fn header_order_and_case_do_not_matter_but_every_byte_signed_does() {
        let v = vector();
        let official = text(&v, "signature");
        let secret_key = Secret::new(text(&v, "secret_key"));
        let shuffled = [
            ("x-tc-action", "describeinstances"),
            ("HOST", " cvm.tencentcloudapi.com "),
            ("content-type", text(&v, "content_type")),
        ];
        let request = Tc3Request {
            service: "cvm",
            timestamp: 1_551_113_065,
            headers: &shuffled,
            payload: text(&v, "payload").as_bytes(),
        };
        assert_eq!(request.signature(&secret_key), official);
        let payload = format!("{} ", text(&v, "payload"));
        let changed = [
            Tc3Request {
                payload: payload.as_bytes(),
                ..request
            },
            Tc3Request {
                timestamp: request.timestamp + 1,
                ..request
            },
            Tc3Request {
                service: "sms",
                ..request
            },
        ];
        for request in changed {
            assert_ne!(request.signature(&secret_key), official);
        }
        assert_ne!(request.signature(&Secret::new("another key")), official);
    }

    #[test]
    fn utc_dates_across_leap_days_and_centuries() {
        for (timestamp, date) in [
            (0, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (951_868_799, "2000-02-29"),
            (1_551_113_065, "2019-02-25"),
            (1_709_164_800, "2024-02-29"),
            (4_107_542_400, "2100-03-01"),
            (253_402_300_799, "9999-12-31"),
        ] {
            assert_eq!(utc_date(timestamp), date, "{timestamp}");
        }
    }
}
