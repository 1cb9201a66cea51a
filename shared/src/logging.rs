//! Structured JSON logs (tracing). Every line inside a request carries its
//! `request_id` through the request span.

use crate::config::{DEFAULT_LOG_LEVEL, Env, LOG_LEVEL, ProcessEnv, RUST_LOG};
use std::str::FromStr;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Dependencies stay at `info` or quieter whatever `LOG_LEVEL` says: at debug and
/// trace, HTTP and SDK internals print request details (bodies, query strings)
/// that carry secrets.
const DEPENDENCY_CAPS: &str = "aws_smithy_runtime=info,aws_smithy_runtime_api=info,aws_smithy_http_client=info,\
aws_sdk_dynamodb=info,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,\
lambda_runtime=info,lambda_http=info,axum=info,tower=info";

/// The filter: `RUST_LOG` verbatim if set (an expert override, no caps; the
/// `level,target=level` form); else `LOG_LEVEL` (the template's parameter:
/// error, warn, info, debug or trace) for our own code with dependencies capped;
/// else `info`. An unparseable value falls back to `info` rather than failing
/// start-up.
///
/// A target list rather than `EnvFilter`: its regex engine would add about half
/// a megabyte to every function's zip for span and field filters we never use.
pub fn filter_from(rust_log: Option<&str>, log_level: Option<&str>) -> Targets {
    if let Some(Ok(filter)) = rust_log
        .filter(|d| !d.trim().is_empty())
        .map(Targets::from_str)
    {
        return filter;
    }
    let level = log_level
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| ["error", "warn", "info", "debug", "trace"].contains(&l.as_str()));
    let level = level.unwrap_or_else(|| DEFAULT_LOG_LEVEL.to_owned());
    Targets::from_str(&format!("{level},{DEPENDENCY_CAPS}"))
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO))
}

/// Read here rather than from the [`crate::config::Config`]: logging starts
/// first, so that a bad setting is logged.
fn filter() -> Targets {
    filter_from(
        ProcessEnv.var(RUST_LOG).as_deref(),
        ProcessEnv.var(LOG_LEVEL).as_deref(),
    )
}

/// A JSON subscriber writing to `writer`, with the given filter. Tests use it to
/// capture exactly what production would print.
pub fn json_subscriber<W>(writer: W, filter: Targets) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(true)
        .with_ansi(false)
        .with_writer(writer)
        .finish()
        .with(filter)
}

/// Installs the JSON subscriber on stdout for the whole process, and prints
/// the metrics' EMF documents there too (every process that logs, the
/// functions and the local server, reports its metrics).
pub fn init() {
    // Ignore a second call (tests, or a host that already installed one).
    let _ = tracing::subscriber::set_global_default(json_subscriber(std::io::stdout, filter()));
    crate::metrics::print_to_stdout();
}
