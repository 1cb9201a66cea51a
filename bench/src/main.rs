//! `wxauth-bench`: runs every measurement of `docs/benchmarks.md` on binaries
//! already built (scripts/bench.sh builds them and runs the criterion benchmarks
//! first), prints the tables and writes the page and its chart; or, with
//! `--only argon2`, the one measurement that needs none of the rest.

use std::path::PathBuf;
use wxauth_bench::argon2_share::Argon2Share;
use wxauth_bench::cpu_quota::CpuQuota;
use wxauth_bench::report::{self, Cpu, Results, argon2_section, splice, splice_argon2};
use wxauth_bench::report_tls;
use wxauth_bench::stage::{FUNCTIONS, Stage};
use wxauth_bench::tls_front::PUBLIC_BUNDLE;
use wxauth_bench::{
    argon2_share, artifacts, chart, cold_tls, criterion_results, machine, measure, python,
    throughput, tls_pieces,
};

const USAGE: &str = "\
USAGE: wxauth-bench --bin-dir DIR [--smoke] [--only argon2|tls] [--out FILE]
                    [--criterion-dir DIR] [--lambda-dir DIR] [--python PATH] [--wrk PATH]

  --bin-dir DIR        the function binaries, hello-lambda and wxauth-dev (target/release)
  --smoke              a few runs of everything, to check the harness (scripts/test.sh)
  --only tls           only the cold starts over TLS at the Lambda CPU share:
                       replaces that section of the page alone
  --tls-runs N         runs of each TLS cold-start case (default 21; smoke 1)
  --only argon2        only the argon2id verify at each Lambda CPU share: replaces
                       that section of the page alone (needs no emulator)
  --out FILE           the page to write (default docs/benchmarks.md; its chart beside it)
  --criterion-dir DIR  criterion's output (default target/criterion)
  --lambda-dir DIR     cargo lambda's output, for the zip sizes (default target/lambda)
  --python PATH        the Python with wechatpy and PyJWT (default .venv/bin/python)
  --wrk PATH           the load generator (default wrk)

Needs AWS_ENDPOINT_URL_DYNAMODB (the emulator) and the AWS variables, as
scripts/bench.sh sets them.";

/// The system's root certificates as one PEM bundle, on Debian.
const DEBIAN_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

struct Args {
    bin_dir: PathBuf,
    smoke: bool,
    only_argon2: bool,
    only_tls: bool,
    tls_runs: Option<usize>,
    out: PathBuf,
    criterion_dir: PathBuf,
    lambda_dir: PathBuf,
    python: PathBuf,
    wrk: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        bin_dir: PathBuf::new(),
        smoke: false,
        only_argon2: false,
        only_tls: false,
        tls_runs: None,
        out: "docs/benchmarks.md".into(),
        criterion_dir: "target/criterion".into(),
        lambda_dir: "target/lambda".into(),
        python: ".venv/bin/python".into(),
        wrk: "wrk".into(),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        if flag == "--smoke" {
            args.smoke = true;
            continue;
        }
        if flag == "--tls-runs" {
            let n = argv.next().ok_or("--tls-runs needs a number")?;
            args.tls_runs = Some(n.parse().map_err(|e| format!("--tls-runs {n}: {e}"))?);
            continue;
        }
        if flag == "--only" {
            match argv.next().as_deref() {
                Some("argon2") => args.only_argon2 = true,
                Some("tls") => args.only_tls = true,
                other => return Err(format!("--only takes argon2 or tls, not {other:?}")),
            }
            continue;
        }
        let slot = match flag.as_str() {
            "--bin-dir" => &mut args.bin_dir,
            "--out" => &mut args.out,
            "--criterion-dir" => &mut args.criterion_dir,
            "--lambda-dir" => &mut args.lambda_dir,
            "--python" => &mut args.python,
            "--wrk" => &mut args.wrk,
            _ => return Err(format!("unknown argument {flag:?}")),
        };
        *slot = argv
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .into();
    }
    if args.bin_dir.as_os_str().is_empty() {
        return Err("--bin-dir is required".to_owned());
    }
    Ok(args)
}

/// The argon2id verify at each Lambda CPU share; ≥ 20 verifies in a full run
/// (21: the median is one of them). Says what it found on stderr.
fn argon2(args: &Args) -> Result<Argon2Share, String> {
    let verifies = if args.smoke { 3 } else { 21 };
    eprintln!("==> argon2id verify at the Lambda CPU share: {verifies} verifies per memory size");
    let share = argon2_share::measure(&args.bin_dir, verifies)?;
    match (&share.throttled, args.smoke, share.chosen_mb()) {
        (Err(why), _, _) => eprintln!(
            "    no CPU quota on this machine ({why}): the unthrottled figure only, marked as such"
        ),
        (Ok(_), true, _) => eprintln!("    ran (smoke pass: no size chosen)"),
        (Ok(_), false, Some(mb)) => {
            eprintln!("    chosen memory size for the password function: {mb} MB")
        }
        (Ok(_), false, None) => {
            eprintln!("    no measured memory size keeps a verify within target")
        }
    }
    Ok(share)
}

/// `--only argon2`: that section alone, printed and put in place of its old
/// figures on the page, with when and where it was run.
fn run_argon2_only(args: &Args) -> Result<(), String> {
    let m = machine::Machine::describe();
    let preface = format!(
        "Run on its own (`wxauth-bench --only argon2`): {}, {} cores, {}, commit `{}`.",
        m.cpu, m.cores, m.date, m.commit
    );
    let section = argon2_section(&argon2(args)?, args.smoke, &preface);
    println!("{section}");
    let page = std::fs::read_to_string(&args.out).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(&args.out, splice_argon2(&page, &section)).map_err(|e| e.to_string())?;
    eprintln!("==> wrote its section of {}", args.out.display());
    Ok(())
}

/// Cold starts over TLS at the CPU share: ≥ 20 runs in a full run (21), 5
/// warm invocations each; one of each on a smoke pass.
fn tls_counts(args: &Args) -> (usize, usize) {
    let (runs, warm) = if args.smoke { (1, 1) } else { (21, 5) };
    (args.tls_runs.unwrap_or(runs), warm)
}

/// `--only tls`: that section alone, printed and put in place of its old
/// figures on the page, with when and where it was run.
async fn run_tls_only(args: &Args) -> Result<(), String> {
    let m = machine::Machine::describe();
    let stage = Stage::start(&args.bin_dir, "target/bench/logs".as_ref()).await?;
    let functions: Vec<&'static str> = stage
        .workloads()
        .await?
        .iter()
        .map(|w| w.function)
        .collect();
    let cases = cold_tls::cases(&functions, args.smoke);
    let (runs, warm) = tls_counts(args);
    eprintln!(
        "==> cold starts over TLS at the Lambda CPU share: {runs} runs of {} cases",
        cases.len()
    );
    let results = cold_tls::measure(&stage, &cases, runs, warm).await?;
    let pieces = tls_pieces::measure(&args.bin_dir, PUBLIC_BUNDLE.as_ref(), runs)?;
    let preface = format!(
        "Run on its own (`wxauth-bench --only tls`): {}, {} cores, {}, commit `{}`.",
        m.cpu, m.cores, m.date, m.commit
    );
    let section = report_tls::tls_section(&results, &pieces, runs, warm, args.smoke, &preface);
    println!("{section}");
    let page = std::fs::read_to_string(&args.out).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let page = report::splice_section(&page, report_tls::TLS_HEADING, &section);
    std::fs::write(&args.out, page).map_err(|e| e.to_string())?;
    eprintln!("==> wrote its section of {}", args.out.display());
    Ok(())
}

async fn run(args: Args) -> Result<(), String> {
    if args.only_argon2 {
        return run_argon2_only(&args);
    }
    if args.only_tls {
        return run_tls_only(&args).await;
    }
    // Full run: ≥ 20 cold starts each (21: the median is one of them).
    let (runs, warm, invocations, seconds, py_runs, py_iterations) = if args.smoke {
        (3, 3, 20, 1, 3, 20)
    } else {
        (21, 20, 1_000, 10, 15, 400)
    };
    let work_dir = PathBuf::from("target/bench");
    let machine = machine::Machine::describe();
    let stage = Stage::start(&args.bin_dir, &work_dir.join("logs")).await?;
    let workloads = stage.workloads().await?;
    // First, while the table is young: each operation scans it twice, for
    // the sizes of the items its requests touch.
    eprintln!("==> DynamoDB requests and their units");
    let (requests, census) = measure::dynamodb_requests(&stage).await?;

    eprintln!(
        "==> cold starts: {runs} runs of {} binaries",
        workloads.len()
    );
    let cold = measure::cold_starts(&stage, &workloads, runs, warm).await?;
    let (tls_runs, tls_warm) = tls_counts(&args);
    let functions: Vec<&'static str> = workloads.iter().map(|w| w.function).collect();
    let cases = cold_tls::cases(&functions, args.smoke);
    eprintln!(
        "==> cold starts over TLS at the Lambda CPU share: {tls_runs} runs of {} cases",
        cases.len()
    );
    // The CPU share needs root and cgroup v1's `cpu` controller. A full run
    // is for those figures and stops without them; a smoke pass, which checks
    // the harness, leaves the section out and says so.
    let mut left_out = Vec::new();
    let cold_tls = match (CpuQuota::create(128).map(drop), args.smoke) {
        (Ok(()), _) => cold_tls::measure(&stage, &cases, tls_runs, tls_warm).await?,
        (Err(why), false) => return Err(format!("the TLS cold starts need a CPU quota: {why}")),
        (Err(why), true) => {
            eprintln!("    left out: no CPU quota on this machine ({why})");
            left_out.push(format!(
                "the TLS cold starts at a Lambda's CPU share ({why})"
            ));
            Vec::new()
        }
    };
    eprintln!("==> TLS one-time costs: {tls_runs} fresh processes");
    let tls_pieces = tls_pieces::measure(&args.bin_dir, PUBLIC_BUNDLE.as_ref(), tls_runs)?;
    eprintln!("==> init pieces: {runs} fresh processes");
    let init_pieces = stage.init_pieces(runs, &[])?;
    // Lambda's image keeps its roots in one bundle file, where Debian has a
    // directory of ~150 files beside its bundle: the same probe, pointed at
    // the bundle alone.
    let init_pieces_bundle = match std::path::Path::new(DEBIAN_BUNDLE).exists() {
        true => Some(stage.init_pieces(runs, &[("SSL_CERT_FILE", DEBIAN_BUNDLE)])?),
        false => None,
    };
    eprintln!("==> memory: {invocations} invocations each");
    let memory = measure::memory(&stage, &functions, invocations).await?;
    eprintln!("==> throughput: wrk for {seconds} s per route");
    let throughput = throughput::measure(
        &args.bin_dir,
        &args.wrk,
        "bench/wrk".as_ref(),
        &work_dir,
        seconds,
    )
    .await?;
    eprintln!("==> the Python baseline");
    let python = python::measure(
        &args.python,
        "bench/python/baseline.py".as_ref(),
        wxauth_tests::harness::signing_key_pem(),
        py_runs,
        py_iterations,
    )?;
    let argon2 = argon2(&args)?;
    if let Err(why) = &argon2.throttled {
        left_out.push(format!(
            "the argon2id verifies at a Lambda's CPU share: unthrottled figures only ({why})"
        ));
    }
    let criterion = |id: &str| criterion_results::median_us(&args.criterion_dir, id);
    let cpu = Cpu {
        login: criterion("handler/login")?,
        signature: criterion("piece/rs256-signature")?,
        decrypt_profile: criterion("handler/decrypt-profile")?,
        bind_phone: criterion("handler/bind-phone")?,
        decrypt_verify_sign: criterion("piece/decrypt-verify-sign")?,
        request_pieces: vec![
            (
                "RS256 token verification",
                criterion("piece/rs256-token-verify")?,
            ),
            (
                "API Gateway event parsing (lambda_http)",
                criterion("piece/event-parse")?,
            ),
        ],
    };
    let results = Results {
        machine,
        smoke: args.smoke,
        runs,
        warm,
        cold,
        init_pieces,
        init_pieces_bundle,
        memory,
        requests,
        census: Some(census),
        cpu,
        throughput,
        throughput_seconds: seconds,
        python,
        artifacts: artifacts::sizes(FUNCTIONS, &args.bin_dir, &args.lambda_dir),
        argon2,
        cold_tls,
        tls_runs,
        tls_warm,
        tls_pieces,
    };

    let section = results.markdown();
    if args.smoke {
        // Debug builds, a few runs: the page is written, but its figures
        // mean nothing, so nothing is printed to be read as a verdict.
        smoke_summary(&results, &left_out);
    } else {
        println!("{section}");
    }
    let page = std::fs::read_to_string(&args.out).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(&args.out, splice(&page, &section)).map_err(|e| e.to_string())?;
    let chart = args.out.with_file_name("benchmarks.svg");
    std::fs::write(&chart, chart::svg(&results)).map_err(|e| e.to_string())?;
    eprintln!("==> wrote {} and {}", args.out.display(), chart.display());
    Ok(())
}

/// What a smoke pass says: that each measurement ran, and what it left out.
fn smoke_summary(results: &Results, left_out: &[String]) {
    println!(
        "wxauth-bench smoke pass: the harness works. Ran: {} cold starts of {} binaries, {} memory runs, {} DynamoDB operations, {} throughput routes, the Python baseline, the argon2id verifies, {} TLS cold-start cases, {} TLS one-time pieces, the cost section. Debug builds and a few runs: the figures mean nothing, so no targets are judged (the page is in target/bench/benchmarks.md).",
        results.runs,
        results.cold.len(),
        results.memory.len(),
        results.requests.len(),
        results.throughput.len(),
        results.cold_tls.len(),
        results.tls_pieces.medians.len(),
    );
    for what in left_out {
        println!("wxauth-bench smoke pass: NOT RUN here: {what}");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("wxauth-bench: {problem}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(problem) = run(args).await {
        eprintln!("wxauth-bench: {problem}");
        std::process::exit(1);
    }
}
