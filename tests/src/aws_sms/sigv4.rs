//! AWS Signature Version 4, checked the way a server checks it, written here
//! from AWS's description rather than taken from the `aws-sigv4` crate the
//! adapter signs with: a stand-in that used the same code would prove nothing.
//! Checked itself against AWS's published test suite
//! (`tests/fixtures/sms-vectors/aws-sigv4-suite.json`).
//!
//! Only what a JSON-protocol request needs: its path is `/` and it has no
//! query (both are checked, not assumed).

use aws_lc_rs::{digest, hmac};
use axum::http::HeaderMap;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far `X-Amz-Date` may be from the server's clock, either way.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;

/// A request as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What `Authorization` says: `AWS4-HMAC-SHA256 Credential=<key id>/<date>/
/// <region>/<service>/aws4_request, SignedHeaders=<names>, Signature=<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
    /// Lowercase, sorted, as listed.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Why a request's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No `Authorization`, or not in SigV4's form; no `X-Amz-Date`; a signed
    /// header missing; `host` or `x-amz-date` not signed.
    Incomplete(&'static str),
    /// An access key the server does not know.
    UnknownKey,
    /// The scope's date is not `X-Amz-Date`'s day, or the region or service
    /// is not the server's.
    WrongScope,
    /// `X-Amz-Date` more than [`MAX_CLOCK_SKEW_SECS`] off.
    Expired,
    /// The signature is not the one recomputed.
    Mismatch,
}

impl Authorization {
    pub fn parse(header: &str) -> Option<Self> {
        let fields = header.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
        let mut fields = fields.split(',').map(str::trim);
        let mut field = |name: &str| {
            fields
                .next()
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix('='))
        };
        let credential = field("Credential")?;
        let signed_headers = field("SignedHeaders")?;
        let signature = field("Signature")?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
            return None;
        };
        Some(Self {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            signed_headers: signed_headers.split(';').map(str::to_owned).collect(),
            signature: signature.to_owned(),
        })
    }

    /// `<date>/<region>/<service>/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// The canonical request: method, path, query, `name:value\n` per signed
/// header, the signed names, the body's SHA-256. A header's values are
/// trimmed, their inner runs of spaces made one, several values joined by
/// `,`. `None` when a signed header is not in the request.
pub fn canonical_request(request: &Request, signed_headers: &[String]) -> Option<String> {
    let mut headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|value| {
                let text = String::from_utf8_lossy(value.as_bytes());
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect();
        if values.is_empty() {
            return None;
        }
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    Some(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method,
        request.path,
        request.query,
        signed_headers.join(";"),
        sha256_hex(request.body)
    ))
}

/// The algorithm, `X-Amz-Date`, the scope and the canonical request's hash.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The string to sign under the key derived from the secret key, the date,
/// the region and the service, in lowercase hex.
pub fn signature(
    secret_access_key: &str,
    authorization: &Authorization,
    string_to_sign: &str,
) -> String {
    let key = [
        authorization.date.as_str(),
        authorization.region.as_str(),
        authorization.service.as_str(),
        "aws4_request",
    ]
    .iter()
    .fold(
        format!("AWS4{secret_access_key}").into_bytes(),
        |key, part| hmac_sha256(&key, part.as_bytes()),
    );
    hex(&hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// Checks `request`'s signature as a server in `region` serving `service`
/// would at `now` (unix seconds), with the secret key `secret_for` gives for
/// an access key id. Answers the request's `Authorization`.
pub fn verify(
    request: &Request,
    region: &str,
    service: &str,
    now: u64,
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<Authorization, Problem> {
    let text = |name| {
        request
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let authorization = text("authorization")
        .and_then(Authorization::parse)
        .ok_or(Problem::Incomplete("Authorization"))?;
    let amz_date = text("x-amz-date").ok_or(Problem::Incomplete("X-Amz-Date"))?;
    let signed = &authorization.signed_headers;
    let mut sorted = signed.clone();
    sorted.sort();
    sorted.dedup();
    if sorted != *signed || signed.iter().any(|name| name.to_ascii_lowercase() != *name) {
        return Err(Problem::Incomplete(
            "SignedHeaders not lowercase and sorted",
        ));
    }
    for required in ["host", "x-amz-date"] {
        if !signed.iter().any(|name| name == required) {
            return Err(Problem::Incomplete("host or x-amz-date not signed"));
        }
    }
    if request.path != "/" || !request.query.is_empty() {
        return Err(Problem::Incomplete("a path other than / or a query"));
    }
    let secret = secret_for(&authorization.access_key_id).ok_or(Problem::UnknownKey)?;
    if !amz_date.starts_with(&authorization.date)
        || authorization.region != region
        || authorization.service != service
    {
        return Err(Problem::WrongScope);
    }
    let at = unix_time(amz_date).ok_or(Problem::Incomplete("X-Amz-Date"))?;
    if at.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
        return Err(Problem::Expired);
    }
    let canonical = canonical_request(request, signed)
        .ok_or(Problem::Incomplete("a signed header is missing"))?;
    let expected = signature(
        &secret,
        &authorization,
        &string_to_sign(amz_date, &authorization.scope(), &canonical),
    );
    if expected != authorization.signature {
        return Err(Problem::Mismatch);
    }
    Ok(authorization)
}

/// `YYYYMMDDTHHMMSSZ` as unix seconds (the proleptic Gregorian calendar;
/// Howard Hinnant's `days_from_civil`).
pub fn unix_time(amz_date: &str) -> Option<u64> {
    let bytes = amz_date.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let text = amz_date.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Years from March, so that the leap day ends each one.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = (era * 146_097 + day_of_era).checked_sub(719_468)?;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message)
        .as_ref()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_across_leap_days_and_centuries() {
        for (text, unix) in [
            ("19700101T000000Z", 0),
            ("20000229T000000Z", 951_782_400),
            ("20150830T123600Z", 1_440_938_160),
            ("20240229T000000Z", 1_709_164_800),
            ("21000301T000000Z", 4_107_542_400),
        ] {
            assert_eq!(unix_time(text), Some(unix), "{text}");
        }
        for bad in [
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150830T123600",
            "",
        ] {
            assert_eq!(unix_time(bad), None, "{bad}");
        }
    }
}
