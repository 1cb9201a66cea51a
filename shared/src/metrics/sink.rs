//! Where the documents go: stdout in the functions and the local server, a
//! test's capture in tests, nowhere in a process that chose neither.
//!
//! Why plain stdout lines work under the template's `LoggingConfig: LogFormat:
//! JSON`: that setting only makes Lambda format the application logs of the
//! managed runtimes' own loggers (Java, .NET, Node.js, Python; Rust: "not
//! applicable") and the platform's system logs; other output is sent as
//! written, and "Lambda doesn't double-encode logs that are already JSON"
//! (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html>).
//! CloudWatch Logs then extracts metrics from every log event that follows
//! the EMF specification, which Lambda's stdout feeds without an agent
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Lambda.html>).
//! So each document is ONE JSON object on ONE line, `_aws` at its top level,
//! never wrapped in a tracing event (that would nest it under a field, as the
//! Node.js EMF library before 4.1.1 did under JSON log format and lost the
//! metrics), and written in one call so that no log line interleaves.

use std::io::Write;
use std::sync::OnceLock;

type Print = Box<dyn Fn(&str) + Send + Sync>;

static SINK: OnceLock<Print> = OnceLock::new();

/// Prints the documents on stdout (the process's first choice wins).
pub fn print_to_stdout() {
    print_to(|line| {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        // A closed stdout loses metrics, never the request.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    });
}

/// Hands each document (one line, no newline) to `print`. Only the first
/// choice of a process counts; returns whether this one did.
pub fn print_to(print: impl Fn(&str) + Send + Sync + 'static) -> bool {
    SINK.set(Box::new(print)).is_ok()
}

pub(super) fn print(document: &str) {
    if let Some(print) = SINK.get() {
        print(document);
    }
}
