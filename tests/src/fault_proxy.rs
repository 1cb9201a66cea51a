//! A fault-injecting proxy between the functions and the DynamoDB emulator.
//!
//! It speaks HTTP/1.1 on raw TCP (not through a server framework) so that it
//! can also break a connection without answering. Each request is forwarded
//! to the emulator unless a fault is due: on a schedule ("the 2nd request
//! from now gets a throttling error"), always, or at random with a seeded
//! generator. The faults are DynamoDB's own answers, byte for byte as the
//! service sends them, or a slow answer or a reset connection. A slow answer
//! or a reset never reaches the emulator: the request is lost, as when
//! DynamoDB never received it.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One way DynamoDB fails a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// 400 `ProvisionedThroughputExceededException` (a provisioned table over its capacity).
    ProvisionedThroughput,
    /// 400 `ThrottlingException` (an on-demand table scaling up).
    Throttling,
    /// 500 `InternalServerError`.
    InternalServerError,
    /// No answer before the SDK's attempt timeout; the request is dropped.
    Slow,
    /// The connection is reset without an answer.
    Reset,
    /// 400 `TransactionCanceledException` for `TransactionConflict` on the
    /// first item (`TransactWriteItems` only: other requests pass).
    TransactionConflict,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::ProvisionedThroughput,
        Fault::Throttling,
        Fault::InternalServerError,
        Fault::Slow,
        Fault::Reset,
        Fault::TransactionConflict,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::ProvisionedThroughput => "ProvisionedThroughputExceeded",
            Fault::Throttling => "Throttling",
            Fault::InternalServerError => "InternalServerError",
            Fault::Slow => "slow answer",
            Fault::Reset => "connection reset",
            Fault::TransactionConflict => "TransactionConflict",
        }
    }

    /// Whether this fault can befall a request of `operation`.
    pub fn applies_to(self, operation: &str) -> bool {
        self != Fault::TransactionConflict || operation == "TransactWriteItems"
    }
}

/// The error answers, as DynamoDB sends them (JSON 1.0 protocol).
fn error_answer(fault: Fault, request_body: &[u8]) -> Option<(u16, String)> {
    const PREFIX: &str = "com.amazonaws.dynamodb.v20120810#";
    let answer = match fault {
        Fault::ProvisionedThroughput => (
            400,
            serde_json::json!({
                "__type": format!("{PREFIX}ProvisionedThroughputExceededException"),
                "message": "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
            }),
        ),
        // An on-demand table's throttling comes from the Coral availability
        // layer, not from the DynamoDB model: its own namespace.
        Fault::Throttling => (
            400,
            serde_json::json!({
                "__type": "com.amazon.coral.availability#ThrottlingException",
                "message": "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
            }),
        ),
        Fault::InternalServerError => (
            500,
            serde_json::json!({
                "__type": format!("{PREFIX}InternalServerError"),
                "message": "Internal server error",
            }),
        ),
        Fault::TransactionConflict => {
            let items = serde_json::from_slice::<serde_json::Value>(request_body)
                .ok()
                .and_then(|r| r["TransactItems"].as_array().map(Vec::len))
                .unwrap_or(1)
                .max(1);
            let mut reasons = vec![serde_json::json!({
                "Code": "TransactionConflict",
                "Message": "Transaction is ongoing for the item",
            })];
            reasons.resize(items, serde_json::json!({ "Code": "None" }));
            let codes: Vec<&str> = std::iter::once("TransactionConflict")
                .chain(std::iter::repeat_n("None", items - 1))
                .collect();
            (
                400,
                serde_json::json!({
                    "__type": format!("{PREFIX}TransactionCanceledException"),
                    "CancellationReasons": reasons,
                    "Message": format!(
                        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                        codes.join(", ")
                    ),
                }),
            )
        }
        Fault::Slow | Fault::Reset => return None,
    };
    Some((answer.0, answer.1.to_string()))
}

/// When faults are due.
#[derive(Debug, Clone)]
enum Plan {
    None,
    /// The `nth` (1-based) request from the arming on (of `operation`, when
    /// given) gets `fault` if it applies, and so do the next ones it applies
    /// to until `times` have.
    Scheduled {
        operation: Option<&'static str>,
        nth: u32,
        seen: u32,
        fault: Fault,
        times: u32,
    },
    /// Every request it applies to gets `fault`.
    Always(Fault),
    /// Each request gets one of `faults` with probability `per_mille` / 1000,
    /// drawn from the proxy's seeded stream.
    Random {
        per_mille: u64,
        faults: Vec<Fault>,
    },
}

/// What the proxy saw and did.
#[derive(Debug, Clone, Default)]
pub struct FaultStats {
    /// Requests received, per operation.
    pub requests: BTreeMap<String, u64>,
    /// Faults injected, per kind.
    pub injected: BTreeMap<Fault, u64>,
}

impl FaultStats {
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    pub fn total_injected(&self) -> u64 {
        self.injected.values().sum()
    }
}

struct Shared {
    upstream: String,
    client: reqwest::Client,
    plan: Mutex<Plan>,
    /// The random stream: seeded once, drawn across armings.
    random: Mutex<u64>,
    slow_for: Duration,
    /// The operations received since the last `take_operations`.
    operations: Mutex<Vec<String>>,
    stats: Mutex<FaultStats>,
    /// Answers of the transactions forwarded, by `ClientRequestToken`.
    tokens: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Forwarded>>>>>,
}

use crate::upstream::{self, Forwarded};

/// The running proxy; stops when dropped.
pub struct FaultProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Forwards to `upstream` (`http://127.0.0.1:port`); a slow answer waits
    /// `slow_for` (longer than the client's attempt timeout) before it drops
    /// the request.
    pub async fn start(upstream: &str, slow_for: Duration) -> Self {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            plan: Mutex::new(Plan::None),
            random: Mutex::new(0),
            slow_for,
            operations: Mutex::new(Vec::new()),
            stats: Mutex::new(FaultStats::default()),
            tokens: Mutex::new(HashMap::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fault proxy");
        let address = listener.local_addr().expect("fault proxy address");
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_connection(stream, accepting.clone()));
            }
        });
        Self {
            address,
            shared,
            task,
        }
    }

    /// For the client's endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The `nth` (1-based) request from now (of `operation`, when given)
    /// gets `fault`, and so do the next `times - 1` requests it applies to
    /// (its retries); then no more faults. Nothing when `fault` does not
    /// apply to the `nth` request.
    pub fn schedule(&self, operation: Option<&'static str>, nth: u32, fault: Fault, times: u32) {
        self.set(Plan::Scheduled {
            operation,
            nth,
            seen: 0,
            fault,
            times,
        });
    }

    /// Every request `fault` applies to gets it, until [`Self::heal`].
    pub fn always(&self, fault: Fault) {
        self.set(Plan::Always(fault));
    }

    /// Starts the random stream of [`Self::random`] from `seed`.
    pub fn seed(&self, seed: u64) {
        *self.shared.random.lock().expect("lock") = seed;
    }

    /// Each request gets one of `faults` (those that apply to it) with
    /// probability `per_mille` / 1000, until [`Self::heal`]; the draws go on
    /// from where the last arming left them.
    pub fn random(&self, per_mille: u64, faults: &[Fault]) {
        self.set(Plan::Random {
            per_mille,
            faults: faults.to_vec(),
        });
    }

    /// No more faults.
    pub fn heal(&self) {
        self.set(Plan::None);
    }

    fn set(&self, plan: Plan) {
        *self.shared.plan.lock().expect("lock") = plan;
    }

    /// The operations received since the last call, in order.
    pub fn take_operations(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.operations.lock().expect("lock"))
    }

    pub fn stats(&self) -> FaultStats {
        self.shared.stats.lock().expect("lock").clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// splitmix64: a tiny seeded generator, enough to pick faults reproducibly.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The fault due for this request, if any, per the plan.
fn fault_for(shared: &Shared, operation: &str) -> Option<Fault> {
    let mut plan = shared.plan.lock().expect("lock");
    let fault = match &mut *plan {
        Plan::None => None,
        Plan::Scheduled {
            operation: wanted,
            nth,
            seen,
            fault,
            times,
        } => {
            if wanted.is_some_and(|w| w != operation) {
                return None;
            }
            *seen += 1;
            let fault = *fault;
            if *seen < *nth || (*seen > *nth && !fault.applies_to(operation)) {
                return None;
            }
            if !fault.applies_to(operation) || *times <= 1 {
                *plan = Plan::None;
            } else {
                *times -= 1;
            }
            Some(fault).filter(|f| f.applies_to(operation))
        }
        Plan::Always(fault) => Some(*fault).filter(|f| f.applies_to(operation)),
        Plan::Random { per_mille, faults } => {
            let mut state = shared.random.lock().expect("lock");
            let roll = next_random(&mut state);
            let pick = next_random(&mut state);
            let usable: Vec<Fault> = faults
                .iter()
                .copied()
                .filter(|f| f.applies_to(operation))
                .collect();
            (roll % 1000 < *per_mille && !usable.is_empty())
                .then(|| usable[(pick % usable.len() as u64) as usize])
        }
    };
    if let Some(fault) = fault {
        *shared
            .stats
            .lock()
            .expect("lock")
            .injected
            .entry(fault)
            .or_default() += 1;
    }
    fault
}

/// One request as read off the wire.
struct RawRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn operation(&self) -> String {
        self.header("x-amz-target")
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned())
            .unwrap_or_default()
    }
}

/// Reads one request; `None` when the client closed the connection (or sent
/// what this proxy does not read: it then closes it too).
async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = RawRequest {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    // The SDK sends JSON bodies with a length, never chunked.
    let length: usize = request
        .header("content-length")
        .unwrap_or("0")
        .parse()
        .ok()?;
    request.body = vec![0; length];
    reader.read_exact(&mut request.body).await.ok()?;
    Some(request)
}

async fn write_answer(
    stream: &mut BufReader<TcpStream>,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        500 => "Internal Server Error",
        _ => "Bad Gateway",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let stream = stream.get_mut();
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

/// What the emulator answers to `request`: status, headers, body.
async fn forward(shared: &Shared, request: &RawRequest) -> Forwarded {
    let headers = request
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()));
    upstream::forward(
        &shared.client,
        &shared.upstream,
        &request.method,
        &request.path,
        headers,
        request.body.clone(),
    )
    .await
}

/// Forwards `request`, but a transaction whose `ClientRequestToken` already
/// succeeded answers that success again without applying it twice, as
/// DynamoDB does (the emulator does not): a retry whose first attempt was
/// applied but answered too late must not fail against its own writes.
async fn forward_once(shared: &Shared, request: &RawRequest) -> Forwarded {
    let token = (request.operation() == "TransactWriteItems")
        .then(|| serde_json::from_slice::<serde_json::Value>(&request.body).ok())
        .flatten()
        .and_then(|body| body["ClientRequestToken"].as_str().map(str::to_owned));
    let Some(token) = token else {
        return forward(shared, request).await;
    };
    let slot = shared
        .tokens
        .lock()
        .expect("lock")
        .entry(token)
        .or_default()
        .clone();
    // One attempt of a token at a time: a retry waits for the first's answer.
    let mut answer = slot.lock().await;
    if let Some(done) = answer.as_ref().filter(|(status, _, _)| *status == 200) {
        return done.clone();
    }
    let forwarded = forward(shared, request).await;
    *answer = Some(forwarded.clone());
    forwarded
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader).await {
        let operation = request.operation();
        shared
            .operations
            .lock()
            .expect("lock")
            .push(operation.clone());
        *shared
            .stats
            .lock()
            .expect("lock")
            .requests
            .entry(operation.clone())
            .or_default() += 1;
        let (status, headers, body) = match fault_for(&shared, &operation) {
            Some(Fault::Reset) => {
                // RST rather than FIN: the client sees a reset connection.
                let _ = reader.get_ref().set_zero_linger();
                return;
            }
            Some(Fault::Slow) => {
                tokio::time::sleep(shared.slow_for).await;
                return;
            }
            Some(fault) => {
                let (status, body) = error_answer(fault, &request.body).expect("an error answer");
                let headers = vec![
                    (
                        "x-amzn-RequestId".to_owned(),
                        uuid::Uuid::new_v4().simple().to_string().to_uppercase(),
                    ),
                    (
                        "Content-Type".to_owned(),
                        "application/x-amz-json-1.0".to_owned(),
                    ),
                ];
                (status, headers, body.into_bytes())
            }
            None => forward_once(&shared, &request).await,
        };
        if write_answer(&mut reader, status, &headers, &body)
            .await
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_names_every_item_of_the_transaction() {
        let body = br#"{"TransactItems":[{"Put":{}},{"Update":{}},{"ConditionCheck":{}}]}"#;
        let (status, text) = error_answer(Fault::TransactionConflict, body).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(status, 400);
        assert_eq!(
            json["__type"],
            "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
        );
        let codes: Vec<&str> = json["CancellationReasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["TransactionConflict", "None", "None"]);
        assert!(
            json["Message"]
                .as_str()
                .unwrap()
                .ends_with("[TransactionConflict, None, None]")
        );
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let draw = |seed| {
            let mut state = seed;
            (0..8).map(|_| next_random(&mut state)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }
}
