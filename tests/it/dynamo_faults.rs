//! DynamoDB failing (issue 15, part 3): every route through a proxy that
//! throttles (`ProvisionedThroughputExceededException`, `ThrottlingException`),
//! fails (`InternalServerError`), answers too late, resets connections and
//! cancels transactions for `TransactionConflict`, on a schedule (each fault
//! kind at each DynamoDB call of each route) and at random with a printed
//! seed (`WXAUTH_FAULT_SEED` replays one). Every answer is the one the route
//! gives without faults, or `503 storage_unavailable` with `Retry-After`;
//! never a 500; and the whole table keeps its invariants after each run.
//!
//! The SDK runs with a shortened budget here (the same shape as production,
//! smaller numbers) so the suite is quick; one test keeps the production
//! numbers for a slow answer.

use std::sync::Arc;
use std::time::{Duration, Instant};
use wxauth_shared::api::Router;
use wxauth_shared::store::dynamo::{DynamoBudget, DynamoStore, client_config};
use wxauth_shared::usecases::decider::MAX_ROUNDS;
use wxauth_tests::fault_proxy::{Fault, FaultProxy, FaultStats};
use wxauth_tests::harness::Harness;
use wxauth_tests::scripted_session::{Answer, Session, Step};
use wxauth_tests::{StoreKind, emulator, invariants};

/// Production's shape, shortened: 3 attempts of 1 s at most, 3.5 s in all.
/// Not shorter: an emulator answering later than an attempt's timeout on a
/// busy machine would apply a write whose answer is lost, and the emulator
/// does not honour a transaction's `ClientRequestToken` as DynamoDB does.
const SHORT: DynamoBudget = DynamoBudget {
    connect_timeout: Duration::from_millis(500),
    attempt_timeout: Duration::from_millis(1_000),
    operation_timeout: Duration::from_millis(3_500),
    max_attempts: 3,
    initial_backoff: Duration::from_millis(10),
    max_backoff: Duration::from_millis(20),
};
/// A slow answer outlasts the attempt timeout.
const SLOW_FOR: Duration = Duration::from_millis(1_200);
/// Random mode: a fault on this many requests in a thousand.
const RANDOM_PER_MILLE: u64 = 150;
const RANDOM_SESSIONS: usize = 6;

/// A DynamoDB harness and a router whose store goes through a fault proxy.
/// Its retries have a quota of their own, named `partition`.
async fn rig(
    budget: &DynamoBudget,
    slow_for: Duration,
    partition: &str,
) -> (Harness, FaultProxy, Router) {
    let h = Harness::start(StoreKind::Dynamo).await;
    let proxy = FaultProxy::start(&emulator::url(), slow_for).await;
    let client = emulator::client_within(&proxy.url(), budget, partition);
    let table = h.dynamo_table.clone().expect("a DynamoDB harness");
    let router = h.router_over(Arc::new(DynamoStore::new(client, table)));
    (h, proxy, router)
}

/// The fault-free answers of the script, and the DynamoDB operations of each step.
struct Record {
    answers: Vec<Answer>,
    operations: Vec<Vec<String>>,
}

async fn record(h: &Harness, proxy: &FaultProxy, router: &Router) -> Record {
    let mut session = Session::new(h);
    let (mut answers, mut operations) = (Vec::new(), Vec::new());
    proxy.take_operations();
    for step in Step::SCRIPT {
        let answer = session.send(router, step).await;
        let expected = if step == Step::MeAfterDelete {
            401
        } else {
            200
        };
        assert_eq!(
            answer.status, expected,
            "{step:?} without faults: {}",
            answer.body
        );
        answers.push(answer);
        operations.push(proxy.take_operations());
    }
    Record {
        answers,
        operations,
    }
}

/// What a run saw.
#[derive(Default)]
struct Tally {
    requests: u64,
    unavailable: u64,
    /// Answers that were neither the fault-free one nor a 503.
    wrong: Vec<String>,
    /// SMS logins whose code was spent before the 503 (see `Runs::run`).
    codes_spent: u64,
}

/// Checks `answer` to `step` against the fault-free one: the same, or a 503
/// `storage_unavailable` with `Retry-After` (then `true`: send it again).
fn judge(step: Step, answer: &Answer, expected: &Answer, context: &str, tally: &mut Tally) -> bool {
    assert_ne!(
        answer.status, 500,
        "{context}: {step:?} answered 500: {}",
        answer.body
    );
    if answer.is_storage_unavailable() {
        return true;
    }
    if answer.shape() != expected.shape() {
        tally.wrong.push(format!(
            "{context}: {step:?} answered {} {}; without faults {}",
            answer.status, answer.body, expected.status
        ));
    }
    false
}

/// Runs of the script under faults over one rig: the script's fault-free
/// answers, and what the runs saw.
struct Runs {
    h: Harness,
    proxy: FaultProxy,
    router: Router,
    expected: Record,
    tally: Tally,
}

impl Runs {
    /// A rig (see [`rig`]) and the script's fault-free answers on it.
    async fn start(partition: &str) -> Self {
        let (h, proxy, router) = rig(&SHORT, SLOW_FOR, partition).await;
        let expected = record(&h, &proxy, &router).await;
        Self {
            h,
            proxy,
            router,
            expected,
            tally: Tally::default(),
        }
    }

    /// Runs the script once, then checks every account is whole; before
    /// each step, `arm` sets the step's faults. A `503` is sent again, as a
    /// client honouring `Retry-After` would: with the faults `arm` sets
    /// again for the first `armed` tries, then without.
    async fn run(&mut self, context: &str, armed: u32, mut arm: impl FnMut(usize, &FaultProxy)) {
        let (proxy, tally) = (&self.proxy, &mut self.tally);
        let mut session = Session::new(&self.h);
        for (i, step) in Step::SCRIPT.into_iter().enumerate() {
            let mut tries = 0;
            loop {
                tries += 1;
                if tries <= armed {
                    arm(i, proxy);
                } else {
                    proxy.heal();
                }
                let answer = session.send(&self.router, step).await;
                proxy.heal();
                tally.requests += 1;
                if step == Step::SmsLogin
                    && tries > 1
                    && answer.body["error"]["code"] == "sms_code_invalid"
                {
                    // A known gap: the code is used up in its own commit before
                    // the login's; when DynamoDB fails between the two, the
                    // client must ask for a new code (a minute later). The
                    // script goes on: the password login gets the number a
                    // session all the same.
                    tally.codes_spent += 1;
                    break;
                }
                if !judge(step, &answer, &self.expected.answers[i], context, tally) {
                    break;
                }
                tally.unavailable += 1;
                assert!(
                    tries <= armed,
                    "{context}: {step:?} still 503 without faults"
                );
            }
        }
        assert_whole(&self.h, context).await;
    }
}

/// Scans the whole table and checks every account is whole.
async fn assert_whole(h: &Harness, context: &str) {
    let keys = h.all_keys().await;
    let items = invariants::read_all(h.store.as_ref(), &keys).await;
    if let Err(broken) = invariants::check(&items) {
        panic!("{context}: an account is not whole: {broken}");
    }
}

fn figures(label: &str, stats: &FaultStats, tally: &Tally) {
    let injected: Vec<String> = stats
        .injected
        .iter()
        .map(|(fault, n)| format!("{} {n}", fault.name()))
        .collect();
    println!(
        "{label}: {} requests to the routes, {} DynamoDB requests, {} faults injected ({}), {} answered 503 storage_unavailable, {} SMS codes spent by a failed login",
        tally.requests,
        stats.total_requests(),
        stats.total_injected(),
        injected.join(", "),
        tally.unavailable,
        tally.codes_spent
    );
}

/// Each fault kind at each DynamoDB call position of each route of the
/// script (one run per kind and position), on `times` attempts in a row.
/// Answers what the proxy did, what the routes answered, and the number of
/// DynamoDB calls the script makes (each kind was put on each).
async fn scheduled(times: u32, label: &str) -> (FaultStats, Tally, u64) {
    let mut runs = Runs::start(label).await;
    let calls: Vec<usize> = runs.expected.operations.iter().map(Vec::len).collect();
    let positions = calls.iter().copied().max().unwrap_or(0);
    for fault in Fault::ALL {
        for position in 1..=positions {
            let context = format!("{label}: {} at call {position}", fault.name());
            runs.run(&context, 1, |i, proxy| {
                if position <= calls[i] {
                    proxy.schedule(None, position as u32, fault, times);
                }
            })
            .await;
        }
    }
    let Runs {
        proxy,
        expected,
        tally,
        ..
    } = runs;
    let stats = proxy.stats();
    for fault in Fault::ALL {
        assert!(
            stats.injected.get(&fault).copied().unwrap_or(0) > 0,
            "{label}: {} was never injected",
            fault.name()
        );
    }
    for (step, operations) in Step::SCRIPT.iter().zip(&expected.operations) {
        println!("{label}: {step:?} makes {}", operations.join(", "));
    }
    figures(label, &stats, &tally);
    assert!(
        tally.wrong.is_empty(),
        "{label}:\n{}",
        tally.wrong.join("\n")
    );
    (stats, tally, calls.iter().sum::<usize>() as u64)
}

#[tokio::test]
async fn one_fault_at_any_dynamodb_call_is_absorbed() {
    // The SDK retries throttling, 500s, timeouts and resets; a conflict is
    // read again and decided again: the client never sees one fault.
    let (_, tally, _) = scheduled(1, "one fault per call").await;
    assert_eq!(tally.unavailable, 0, "a single fault reached a client");
}

#[tokio::test]
async fn a_fault_on_every_attempt_of_any_dynamodb_call_answers_503_and_keeps_accounts_whole() {
    // Every attempt of the call fails: the route answers 503 (a conflict
    // still settles within the rounds), writes nothing half, and the same
    // request sent again answers what it answers without faults.
    let (_, tally, calls) = scheduled(
        DynamoBudget::PRODUCTION.max_attempts,
        "a fault on every attempt",
    )
    .await;
    // One 503 for each kind but the conflict at each call of each route.
    let lasting = (Fault::ALL.len() as u64 - 1) * calls;
    assert_eq!(
        tally.unavailable, lasting,
        "every lasting fault answered 503"
    );
}

#[tokio::test]
async fn random_faults_with_a_printed_seed() {
    let mut runs = Runs::start("random faults").await;
    let seed = std::env::var("WXAUTH_FAULT_SEED")
        .ok()
        .map(|s| s.parse::<u64>().expect("WXAUTH_FAULT_SEED is a number"))
        .unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
    println!("random faults: seed {seed} (replay with WXAUTH_FAULT_SEED={seed})");
    let context = format!("random faults, seed {seed}");
    runs.proxy.seed(seed);
    for _ in 0..RANDOM_SESSIONS {
        runs.run(&context, 3, |_, proxy| {
            proxy.random(RANDOM_PER_MILLE, &Fault::ALL)
        })
        .await;
    }
    let Runs { proxy, tally, .. } = runs;
    let stats = proxy.stats();
    assert!(
        stats.total_injected() > 0,
        "{context}: no fault was injected"
    );
    figures(&format!("random faults (seed {seed})"), &stats, &tally);
    assert!(tally.wrong.is_empty(), "{}", tally.wrong.join("\n"));
}

#[tokio::test]
async fn a_conflict_that_never_clears_ends_in_503_after_the_bounded_rounds() {
    let (h, proxy, router) = rig(&SHORT, SLOW_FOR, "lasting conflict").await;
    let mut session = Session::new(&h);
    proxy.take_operations();
    proxy.always(Fault::TransactionConflict);
    let answer = session.send(&router, Step::LoginNew).await;
    proxy.heal();
    assert!(
        answer.is_storage_unavailable(),
        "a conflict is never account_conflict nor 500: {} {}",
        answer.status,
        answer.body
    );
    let transactions = proxy
        .take_operations()
        .iter()
        .filter(|op| *op == "TransactWriteItems")
        .count();
    assert_eq!(
        transactions, MAX_ROUNDS as usize,
        "each conflict is read again and decided again, {MAX_ROUNDS} rounds at most"
    );
    assert_eq!(
        h.all_keys().await,
        Vec::<String>::new(),
        "nothing was written"
    );
    let answer = session.send(&router, Step::LoginNew).await;
    assert_eq!(
        (answer.status, &answer.body["isNewUser"]),
        (200, &serde_json::json!(true))
    );
    assert_whole(&h, "after the conflicts").await;
    println!(
        "a conflict on every transaction: {transactions} rounds, then 503 storage_unavailable"
    );
}

#[tokio::test]
async fn the_production_budget_ends_a_stuck_dynamodb_call_in_time() {
    // A DynamoDB that never answers, with the functions' own client settings.
    let h = Harness::start(StoreKind::Dynamo).await;
    let proxy = FaultProxy::start(&emulator::url(), Duration::from_secs(5)).await;
    let client = emulator::client_within(
        &proxy.url(),
        &DynamoBudget::PRODUCTION,
        "wxauth-production-budget",
    );
    let table = h.dynamo_table.clone().expect("a DynamoDB harness");
    let router = h.router_over(Arc::new(DynamoStore::new(client, table)));
    let mut session = Session::new(&h);
    let answer = session.send(&router, Step::LoginNew).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    proxy.take_operations();
    proxy.always(Fault::Slow);
    let started = Instant::now();
    let answer = session.send(&router, Step::Me).await;
    let took = started.elapsed();
    proxy.heal();
    assert!(
        answer.is_storage_unavailable(),
        "{} {}",
        answer.status,
        answer.body
    );
    let attempts = proxy.take_operations().len();
    let budget = DynamoBudget::PRODUCTION;
    assert_eq!(
        attempts as u32, budget.max_attempts,
        "every attempt was made"
    );
    // Three attempts time out (or the operation timeout cuts the third).
    let least = budget.attempt_timeout * budget.max_attempts;
    assert!(
        took >= least.min(budget.operation_timeout)
            && took < budget.worst_case() + Duration::from_secs(2),
        "a stuck call ends within its budget ({:?}): took {took:?}",
        budget.worst_case()
    );
    // The settings under test are the functions' own.
    let settings = client_config(&wxauth_shared::config::AwsSettings {
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: wxauth_shared::config::Secret::new("test"),
        session_token: None,
        endpoint_url: None,
    })
    .expect("the trusted roots")
    .build();
    assert_eq!(
        settings
            .timeout_config()
            .and_then(|t| t.operation_timeout()),
        Some(budget.operation_timeout)
    );
    println!(
        "a stuck DynamoDB with the production budget: {attempts} attempts, 503 after {} ms",
        took.as_millis()
    );
}
