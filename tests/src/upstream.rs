//! One request passed on to the DynamoDB emulator, as both proxies in front
//! of it do ([`crate::dynamo_proxy`], [`crate::fault_proxy`]): the
//! connection's own headers left out both ways, the body whole.

/// Status, headers and body of the emulator's answer; a 502 when it gave none.
pub type Forwarded = (u16, Vec<(String, String)>, Vec<u8>);

/// Sends `method path` with `headers` and `body` to `upstream`
/// (`http://127.0.0.1:port`) and returns its answer.
pub async fn forward<'a>(
    client: &reqwest::Client,
    upstream: &str,
    method: &str,
    path: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    body: Vec<u8>,
) -> Forwarded {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or_default();
    let mut request = client
        .request(method, format!("{upstream}{path}"))
        .body(body);
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if !matches!(lower.as_str(), "host" | "content-length" | "connection") {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => return (502, Vec::new(), e.to_string().into_bytes()),
    };
    let status = answer.status().as_u16();
    // Lengths and checksums are the proxy's to set for what it sends on.
    let headers = answer
        .headers()
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "content-length" | "connection" | "transfer-encoding" | "x-amz-crc32"
            )
        })
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    match answer.bytes().await {
        Ok(body) => (status, headers, body.to_vec()),
        Err(e) => (502, Vec::new(), e.to_string().into_bytes()),
    }
}
