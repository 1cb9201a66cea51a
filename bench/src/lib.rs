//! The benchmark suite behind `docs/benchmarks.md`. `scripts/bench.sh` builds
//! the release binaries, runs the criterion benchmarks (`benches/cpu.rs`) and
//! then the `wxauth-bench` binary, which measures the rest and writes the report.

pub mod argon2_share;
pub mod artifacts;
pub mod capacity;
pub mod census;
pub mod chart;
pub mod cold_tls;
pub mod cost;
pub mod cpu_quota;
pub mod criterion_results;
pub mod fixtures;
pub mod loopback;
pub mod machine;
pub mod measure;
pub mod prices;
pub mod process;
pub mod python;
pub mod report;
pub mod report_cost;
pub mod report_tls;
pub mod runtime_api;
pub mod stage;
pub mod stats;
pub mod throughput;
pub mod tls_front;
pub mod tls_pieces;
