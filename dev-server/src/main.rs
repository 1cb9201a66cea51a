//! `wxauth-dev`: the local server. Serves every route of the three Lambda
//! functions on one port through the very same shared router, stores users in an
//! embedded database under a data directory, and, when no app secret is
//! configured, runs the WeChat simulator in-process.

mod args;
mod env_overlay;
mod http_edge;
mod signing_key;

use std::sync::Arc;
use wxauth_shared::clock::SystemClock;
use wxauth_shared::config::{self, ProcessEnv};
use wxauth_shared::store::embedded::EmbeddedStore;
use wxauth_shared::{logging, setup};
use wxauth_wechat_sim::Simulator;

/// The appid the simulator serves when `WECHAT_APPID` is not set.
const SIMULATED_APPID: &str = "wx5e1a0d0c0de0b0b0";
const SIMULATED_SECRET: &str = "simulated-app-secret";
/// Where the simulator is mounted on the local server.
const SIMULATOR_PREFIX: &str = "/wechat-sim";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("wxauth-dev: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Error> {
    let args = match args::Args::parse(std::env::args().skip(1), &ProcessEnv)? {
        args::Parsed::Run(args) => args,
        args::Parsed::Help => {
            print!("{}", args::USAGE);
            return Ok(());
        }
    };
    logging::init();

    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
    let address = listener.local_addr()?;
    let base_url = format!("http://{address}");

    // Without a secret, WeChat is the in-process simulator mounted on this server.
    let mut env = env_overlay::EnvOverlay::new(ProcessEnv);
    let simulator = if config::has_app_secret(&env) {
        None
    } else {
        let appids = config::app_ids(&env)
            .map(|ids| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>());
        let appids = appids.unwrap_or_else(|_| vec![SIMULATED_APPID.to_owned()]);
        let secrets = vec![SIMULATED_SECRET; appids.len()];
        env.set(config::WECHAT_APPID, appids.join(","));
        env.set(config::WECHAT_SECRET, secrets.join(","));
        env.set(
            config::WECHAT_API_BASE,
            format!("{base_url}{SIMULATOR_PREFIX}"),
        );
        Some(Simulator::new(
            appids.into_iter().map(|id| (id, SIMULATED_SECRET)),
        ))
    };

    let signing_key = signing_key::load_or_create(&env, &args.data_dir)?;
    let keys = setup::token_keys(&env, signing_key)?;
    let store = Arc::new(EmbeddedStore::open(&args.data_dir)?);
    let wechat = setup::wechat_client(&env)?;
    let router = setup::all_routes(&env, store, wechat, keys, Arc::new(SystemClock))?;

    let app = http_edge::app(
        router,
        simulator
            .as_ref()
            .map(|sim| (SIMULATOR_PREFIX, sim.router())),
    );
    print_banner(&base_url, &args, simulator.is_some(), &env);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn print_banner(
    base_url: &str,
    args: &args::Args,
    simulated: bool,
    env: &env_overlay::EnvOverlay<ProcessEnv>,
) {
    eprintln!("wxauth-dev listening on {base_url}");
    eprintln!("  data directory: {}", args.data_dir.display());
    if simulated {
        let appid = config::app_ids(env)
            .ok()
            .and_then(|ids| ids.first().map(|id| id.to_string()))
            .unwrap_or_default();
        eprintln!(
            "  WeChat: simulated in-process at {base_url}{SIMULATOR_PREFIX} (appid {appid}); set WECHAT_SECRET to use the real one"
        );
        eprintln!(
            "  log in as the simulated user \"alice\" (any code text works; codes are single-use, so change n):"
        );
        eprintln!(
            "    curl -s -X POST {base_url}/auth/login -H 'content-type: application/json' -d '{{\"code\":\"alice;n=1\"}}'"
        );
    } else {
        eprintln!(
            "  WeChat: {}",
            config::wechat_settings(env)
                .map(|w| w.api_base)
                .unwrap_or_default()
        );
    }
}
