//! The report's section on what a million requests cost: Lambda from the
//! same run's cold starts over TLS at the 128 MB share (section 9), the
//! HTTP API, DynamoDB from the request units of section 3's requests, and
//! the SMS and WeChat fees; beside it an estimate for a Node.js 22 handler.

use crate::capacity::Units;
use crate::census::Census;
use crate::cold_tls::{Ask, ColdTls};
use crate::cost::{Bill, Fee, Lambda, MILLION};
use crate::measure::Requests;
use crate::prices::{CNY_PER_USD, Currency, Item, PRICES, usd_each};
use crate::report_tls::find_ask;
use std::fmt::Write;

pub const COST_HEADING: &str = "### 10. What a million requests cost";

/// The functions' memory size (template.yaml, `Globals.Function.MemorySize`);
/// the password function's larger size prices no operation here.
pub const MEMORY_MB: u32 = 128;

/// Cold starts per invocation the table leads with: AWS's analysis of
/// production workloads finds INITs "in under 1% of invocations" (compute
/// blog, "AWS Lambda standardizes billing for INIT phase").
pub const COLD_RATE: f64 = 0.01;
/// A rate for a spiky, little-used deployment, beside it.
pub const COLD_RATE_HIGH: f64 = 0.10;

/// lambda-perf's Node.js 22 hello-world at 128 MB on arm64: init (ms).
pub const NODE_INIT_MS: f64 = 124.0;
/// … and the memory it used (MB): within 128 MB.
pub const NODE_MEMORY_USED_MB: u32 = 73;

/// One operation the table prices: its name in section 3, the binary and
/// request that serve it in section 9, and a fee per operation.
struct Priced {
    operation: &'static str,
    function: &'static str,
    ask: Ask,
    fee: Fee,
}

const PRICED: &[Priced] = &[
    Priced {
        operation: "login, new user",
        function: "login",
        ask: Ask::Usual,
        fee: Fee::None,
    },
    Priced {
        operation: "login, returning user",
        function: "login",
        ask: Ask::ReturningLogin,
        fee: Fee::None,
    },
    Priced {
        operation: "refresh",
        function: "login",
        ask: Ask::Refresh,
        fee: Fee::None,
    },
    Priced {
        operation: "profile decrypt",
        function: "decrypt-profile",
        ask: Ask::FirstProfile,
        fee: Fee::None,
    },
    Priced {
        operation: "phone bind",
        function: "bind-phone",
        ask: Ask::FirstBind,
        fee: Fee::WeChatPhone,
    },
    Priced {
        operation: "SMS code sent",
        function: "sms",
        ask: Ask::Usual,
        fee: Fee::Sms,
    },
    Priced {
        operation: "SMS login, new number",
        function: "sms",
        ask: Ask::SmsLogin,
        fee: Fee::None,
    },
];

/// What one priced operation measured, when the run measured it.
struct Measured {
    rust: Lambda,
    node: Lambda,
    units: Units,
}

fn measured(p: &Priced, cold: &[ColdTls], requests: &[Requests]) -> Option<Measured> {
    let runs = find_ask(cold, p.function, p.ask, MEMORY_MB, true)?;
    let units = requests.iter().find(|r| r.operation == p.operation)?.units;
    let (init, first, warm) = (
        ColdTls::ms(&runs.init),
        ColdTls::ms(&runs.first),
        ColdTls::ms(&runs.warm),
    );
    if !(init.is_finite() && first.is_finite() && warm.is_finite()) {
        return None;
    }
    Some(Measured {
        rust: Lambda {
            memory_mb: MEMORY_MB,
            warm_ms: warm,
            cold_ms: runs.cold_ms(),
        },
        node: Lambda {
            memory_mb: MEMORY_MB,
            warm_ms: warm,
            cold_ms: NODE_INIT_MS + first,
        },
        units,
    })
}

/// Dollars, to the cent below $100, whole dollars with thousands above.
fn usd(v: f64) -> String {
    if v >= 100.0 {
        let whole = format!("{:.0}", v);
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("${grouped}")
    } else {
        format!("${v:.2}")
    }
}

fn units(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The section; `smoke` marks the figures as meaningless.
pub fn cost_section(
    cold: &[ColdTls],
    requests: &[Requests],
    census: Option<Census>,
    smoke: bool,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "{COST_HEADING}\n");
    if smoke {
        let _ = writeln!(
            md,
            "**Smoke pass** (debug binaries, one run each): checks that the section is computed; its figures mean nothing.\n"
        );
    }
    let gb_s_100ms = MILLION * 0.1 * f64::from(MEMORY_MB) / 1_024.0;
    let _ = writeln!(
        md,
        "List prices of a million of each operation, from this run's figures: **Lambda** (arm64, {MEMORY_MB} MB as template.yaml sets every function that serves these routes) bills each invocation's wall time rounded up to the ms: a warm one its warm median of section 9, a cold one its init + first invocation there (init throttled, at the {MEMORY_MB} MB share); **{:.0} % of invocations cold** (AWS finds INITs in under 1 % of invocations of production workloads), and the total at {:.0} % beside it. Lambda bills the INIT phase of a custom runtime such as `provided.al2023`, which these functions use, as it always has; since 1 August 2025 it bills INIT for managed runtimes (ZIP packages, Node.js among them) as well (AWS Compute Blog, \"AWS Lambda standardizes billing for INIT phase\"), so both columns bill init. **HTTP API**: one request per operation (our routes check tokens themselves; no authorizer runs). **DynamoDB** on-demand: the request units of the operation's requests in section 3, computed from what each request asked (the proxy keeps each body: items, keys, `ConsistentRead`) and the sizes of the items before and after it, by DynamoDB's documented rules (`bench/src/capacity.rs`), not the emulator's `ConsumedCapacity`, which moto fixes. **Fees**: one SMS per code sent; one WeChat phone-number call per phone bind. CNY fees are converted at ¥{CNY_PER_USD} per US$ (an assumption, not a quote).\n",
        COLD_RATE * 100.0,
        COLD_RATE_HIGH * 100.0,
    );
    let _ = writeln!(
        md,
        "The wall times are this machine's, at the {MEMORY_MB} MB CPU share, and include the stand-ins' answers (the DynamoDB emulator, the WeChat simulator, on loopback) where Lambda would wait for DynamoDB and WeChat: WeChat's servers are far from us-east-1. Each 100 ms more of waiting adds {} to a million invocations at {MEMORY_MB} MB.\n",
        usd(gb_s_100ms * usd_each(Item::LambdaArmGbSecond)),
    );
    units_table(&mut md, requests, census);
    bills_table(&mut md, cold, requests);
    prices_table(&mut md);
    let _ = writeln!(
        md,
        "No China column: of cn-northwest-1 (Ningxia, CNY) the sources reachable here give Lambda's requests (¥1.36 per million) and x86 duration (about ¥0.000113 per GB-s, derived from AWS's own solution cost examples of 2022) and DynamoDB's on-demand writes (¥11.1538 per million, a copy of amazonaws.cn of unknown date), but not the arm64 duration, the HTTP API or the on-demand reads; a total from part of them would mislead. There, API Gateway also serves unauthenticated requests only for an account with an ICP licence.\n"
    );
    md
}

fn units_table(md: &mut String, requests: &[Requests], census: Option<Census>) {
    let _ = writeln!(
        md,
        "**DynamoDB request units per operation** (RRU: read, WRU: write):\n\n| operation | requests | RRU | WRU |\n|---|---:|---:|---:|"
    );
    for r in requests {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            r.operation,
            r.sent.len(),
            units(r.units.read),
            units(r.units.write)
        );
    }
    if let Some(c) = census {
        let verdict = if c.largest_bytes < 1_024 {
            "every item is under 1 KB, so each write is 1 unit (2 in a transaction, condition checks included) and each read 1 (½ if eventually consistent), whatever the item"
        } else {
            "some item is 1 KB or more: its writes cost a unit per KB"
        };
        let _ = writeln!(
            md,
            "\nAfter these operations the table held {} items (the bench's users, identities, codes and counters), the largest {} bytes by DynamoDB's count: {verdict}.\n",
            c.items, c.largest_bytes
        );
    } else {
        md.push('\n');
    }
}

fn bills_table(md: &mut String, cold: &[ColdTls], requests: &[Requests]) {
    let _ = writeln!(
        md,
        "**A million of each**, US dollars, us-east-1. *profile decrypt* and *phone bind* are a new user's first, as in section 3 (linking the unionId; claiming the number); repeated with nothing new they only read. *Node.js 22* is an estimate of a handler of the same flow: the same HTTP API, DynamoDB and fees; its cold start is lambda-perf's Node.js 22 init at 128 MB on arm64 ({NODE_INIT_MS:.0} ms; it uses {NODE_MEMORY_USED_MB} MB, so 128 MB holds it) plus our first invocation, and its warm invocation is assumed as long as ours: a warm request here is mostly waiting for DynamoDB and WeChat, the same for either runtime, and Node's CPU per request is not less than ours, so the estimate is the least Node would cost.\n\n| operation | binary | billed ms, warm / cold | Lambda | HTTP API | DynamoDB | SMS / WeChat | **total** | total, {:.0} % cold | Node.js 22: Lambda | Node.js 22: total |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        COLD_RATE_HIGH * 100.0
    );
    let mut largest: Vec<(&str, Vec<&str>)> = Vec::new();
    for p in PRICED {
        let Some(m) = measured(p, cold, requests) else {
            let _ = writeln!(
                md,
                "| {} | {} | – | – | – | – | – | – | – | – | – |",
                p.operation, p.function
            );
            continue;
        };
        let bill = Bill::of(&m.rust, m.units, p.fee, COLD_RATE);
        let high = Bill::of(&m.rust, m.units, p.fee, COLD_RATE_HIGH);
        let node = Bill::of(&m.node, m.units, p.fee, COLD_RATE);
        let fee = match p.fee {
            Fee::None => "–".to_owned(),
            _ => usd(bill.fee),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} / {:.0} | {} | {} | {} | {fee} | **{}** | {} | {} | {} |",
            p.operation,
            p.function,
            m.rust.billed_warm_ms(),
            m.rust.billed_cold_ms(),
            usd(bill.lambda),
            usd(bill.api),
            usd(bill.dynamodb),
            usd(bill.total()),
            usd(high.total()),
            usd(node.lambda),
            usd(node.total()),
        );
        match largest.iter_mut().find(|(part, _)| *part == bill.largest()) {
            Some((_, ops)) => ops.push(p.operation),
            None => largest.push((bill.largest(), vec![p.operation])),
        }
    }
    if !largest.is_empty() {
        let parts: Vec<String> = largest
            .iter()
            .map(|(part, ops)| format!("{part} for {}", listed(ops)))
            .collect();
        let _ = writeln!(
            md,
            "\nThe largest part of each total: {}.\n",
            parts.join("; ")
        );
    } else {
        md.push('\n');
    }
}

/// `*a*`, `*a* and *b*`, `*a*, *b* and *c*`.
fn listed(names: &[&str]) -> String {
    let italic: Vec<String> = names.iter().map(|n| format!("*{n}*")).collect();
    match italic.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn prices_table(md: &mut String) {
    let _ = writeln!(
        md,
        "**Prices** (`bench/src/prices.rs`; the date is the price's or its page copy's):\n\n| price | region | amount | source | date |\n|---|---|---:|---|---|"
    );
    for p in PRICES {
        let symbol = match p.currency {
            Currency::Usd => "$",
            Currency::Cny => "¥",
        };
        let amount = match p.quantity {
            1e6 => format!("{symbol}{:.3} per million {}", p.amount, p.unit),
            _ => format!("{symbol}{} per {}", p.amount, p.unit),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | <{}> | {} |",
            p.what, p.region, amount, p.source, p.date
        );
    }
    md.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cold_tls::Case;
    use std::time::Duration;

    fn runs(function: &'static str, ask: Ask, init: u64, first: u64, warm: u64) -> ColdTls {
        let ms = |v: u64| vec![Duration::from_millis(v)];
        ColdTls {
            case: Case {
                function,
                memory_mb: MEMORY_MB,
                init_throttled: true,
                ask,
            },
            init: ms(init),
            init_cpu: ms(1),
            first: ms(first),
            first_cpu: ms(1),
            first_emulator: ms(1),
            warm: ms(warm),
            warm_cpu: ms(1),
        }
    }

    fn requests(operation: &'static str, read: f64, write: f64) -> Requests {
        Requests {
            operation,
            target: 2,
            sent: vec!["UpdateItem".into()],
            units: Units { read, write },
        }
    }

    #[test]
    fn the_memory_size_is_the_template_s() {
        let template = include_str!("../../template.yaml");
        let globals = &template[template.find("Globals:").expect("Globals")..];
        let function = &globals[..globals.find("Resources:").expect("Resources")];
        assert!(function.contains(&format!("MemorySize: {MEMORY_MB}\n")));
    }

    #[test]
    fn each_operation_is_priced_from_its_own_runs_and_units() {
        let cold = [
            runs("login", Ask::Usual, 40, 80, 41),
            runs("login", Ask::Refresh, 40, 30, 9),
        ];
        let reqs = [
            requests("login, new user", 1.0, 8.0),
            requests("refresh", 1.0, 1.0),
        ];
        let login = measured(&PRICED[0], &cold, &reqs).expect("measured");
        assert_eq!(login.rust.cold_ms, 120.0);
        assert_eq!(login.rust.warm_ms, 41.0);
        assert_eq!(login.node.cold_ms, NODE_INIT_MS + 80.0);
        assert_eq!(login.units.write, 8.0);
        let refresh = measured(&PRICED[2], &cold, &reqs).expect("measured");
        assert_eq!(refresh.rust.warm_ms, 9.0);
        assert!(
            measured(&PRICED[1], &cold, &reqs).is_none(),
            "not measured: no row figures"
        );
    }

    #[test]
    fn the_section_renders_every_operation_and_names_what_dominates() {
        let cold = [
            runs("login", Ask::Usual, 40, 80, 41),
            runs("bind-phone", Ask::FirstBind, 60, 58, 20),
        ];
        let reqs = [
            requests("login, new user", 1.0, 8.0),
            requests("phone bind", 2.0, 6.0),
        ];
        let census = Census {
            items: 20,
            largest_bytes: 600,
        };
        let md = cost_section(&cold, &reqs, Some(census), true);
        assert!(md.starts_with(COST_HEADING));
        assert!(md.contains("Smoke pass"));
        for p in PRICED {
            assert!(
                md.contains(&format!("| {} | {} |", p.operation, p.function)),
                "{}",
                p.operation
            );
        }
        // 41 ms warm, 120 cold: $0.20 + 10^6 × 0.125 GB × 41.79 ms × price.
        let lambda = 0.20 + 125.0 * (0.99 * 41.0 + 0.01 * 120.0) * 0.000_013_333_4;
        assert!(
            md.contains(&format!(
                "| login, new user | login | 41 / 120 | {} |",
                usd(lambda)
            )),
            "{md}"
        );
        assert!(md.contains("the SMS or WeChat fee for *phone bind*"));
        assert!(md.contains("DynamoDB for *login, new user*"));
        assert!(md.contains("$0.625 per million WRU"));
        assert!(md.contains("under 1 KB"));
        assert!(!md.contains('✅') && !md.contains('❌'));
    }

    #[test]
    fn names_are_listed_in_italics() {
        assert_eq!(listed(&["a"]), "*a*");
        assert_eq!(listed(&["a, b", "c"]), "*a, b* and *c*");
        assert_eq!(listed(&["a", "b", "c"]), "*a*, *b* and *c*");
    }

    #[test]
    fn dollars_are_rounded_to_the_cent_or_grouped() {
        assert_eq!(usd(0.2167), "$0.22");
        assert_eq!(usd(4225.35), "$4,225");
        assert_eq!(usd(123_456.0), "$123,456");
    }
}
