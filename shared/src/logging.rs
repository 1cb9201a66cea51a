//! Structured JSON logs (tracing). Every line inside a request carries its
//! `request_id` through the request span.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The filter: `RUST_LOG` if set, else `LOG_LEVEL` (the template's parameter),
/// else `info`. Unparseable values fall back to `info` rather than failing.
fn filter() -> EnvFilter {
    let directive = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("LOG_LEVEL"))
        .unwrap_or_else(|_| "info".to_owned());
    EnvFilter::try_new(directive.to_ascii_lowercase()).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// A JSON subscriber writing to `writer`, with the given filter. Tests use it to
/// capture exactly what production would print.
pub fn json_subscriber<W>(writer: W, filter: EnvFilter) -> impl tracing::Subscriber + Send + Sync
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
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

/// Installs the JSON subscriber on stdout for the whole process.
pub fn init() {
    // Ignore a second call (tests, or a host that already installed one).
    let _ = tracing::subscriber::set_global_default(json_subscriber(std::io::stdout, filter()));
}
