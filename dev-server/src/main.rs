//! `wxauth-dev`: the local server. Serves every route of the Lambda functions
//! on one port through the very same shared router, and the example of a
//! team's own route behind the authorizer's decision; stores users in an
//! embedded database under a data directory, and, when no app secret is
//! configured, runs the WeChat simulator in-process.

mod args;
mod http_edge;
mod push_settings;
mod signing_key;

use std::sync::Arc;
use wxauth_shared::authorizer::TokenAuthorizer;
use wxauth_shared::clock::SystemClock;
use wxauth_shared::config::{AppsConfig, Config, ProcessEnv, Setting};
use wxauth_shared::domain::AppId;
use wxauth_shared::objects::files::FileObjects;
use wxauth_shared::store::embedded::EmbeddedStore;
use wxauth_shared::{logging, setup};
use wxauth_wechat_sim::{PushTarget, Simulator};

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

    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .map_err(|e| cannot_listen(&args, &e))?;
    let address = listener.local_addr()?;
    let base_url = format!("http://{address}");

    let mut config = Config::from_env(&ProcessEnv)?;
    // The message push settings, made up for the run when unset: with the
    // simulator, it and this server are the only parties; with WeChat itself
    // (a team's AppID in DevTools), WeChat pushes to the admin's URL, never
    // to a laptop, and the rest of the server must still start.
    push_settings::ensure(&mut config.push)?;
    // Without a secret, WeChat is the in-process simulator mounted on this
    // server, serving the configured appids (or one of its own).
    let simulator = if config.apps.has_secret() {
        None
    } else {
        let appids = match config.apps.ids.get() {
            Ok(ids) => ids.clone(),
            Err(_) => vec![AppId::parse(SIMULATED_APPID).expect("a valid appid")],
        };
        let simulator = Simulator::new(appids.iter().map(|id| (id.to_string(), SIMULATED_SECRET)));
        // The simulator pushes its verdicts on avatars here, as WeChat
        // would to the URL set in the mini-program admin.
        let target = PushTarget {
            url: format!("{base_url}/wechat/push"),
            token: config.push.token.get()?.expose().to_owned(),
            encoding_aes_key: config.push.key.get()?.text().expose().to_owned(),
        };
        for id in &appids {
            simulator.set_push_target(id.as_str(), target.clone());
        }
        config.apps = AppsConfig::with_one_secret(appids, SIMULATED_SECRET);
        config.wechat.api_base = Setting::ok(format!("{base_url}{SIMULATOR_PREFIX}"));
        Some(simulator)
    };

    signing_key::ensure(&mut config.tokens, &args.data_dir)?;
    let keys = setup::token_keys(&config)?;
    let store = Arc::new(EmbeddedStore::open(&args.data_dir)?);
    let wechat = setup::wechat_client(&config)?;
    let clock = Arc::new(SystemClock);
    // SMS_PROVIDER=outbox (the default): codes go to
    // <data dir>/sms-outbox.jsonl, and are printed; tencent, aws and
    // tencent+aws send them.
    let sms: Arc<dyn wxauth_shared::sms::SmsSender> =
        match wxauth_shared::sms::provider_sender(config.sms.provider.get()?, clock.clone())? {
            Some(sender) => sender,
            None => Arc::new(wxauth_shared::sms::outbox::Outbox::new(
                &args.data_dir,
                clock.clone(),
            )),
        };
    // Avatars: images under <data dir>/avatars, served at /avatars/….
    let objects = Arc::new(FileObjects::new(args.data_dir.join("avatars")));
    // GET /example/me, behind the decision the authorizer function makes.
    let authorizer = TokenAuthorizer::new(keys.verifier.clone(), store.clone(), clock.clone());
    let router = setup::all_routes(&config, store, objects, wechat, sms, keys, clock)?;

    let app = http_edge::app(
        router,
        authorizer,
        simulator
            .as_ref()
            .map(|sim| (SIMULATOR_PREFIX, sim.router())),
    );
    print_banner(&base_url, &args, simulator.is_some(), &config);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Why the server cannot listen, naming the address and what to do.
fn cannot_listen(args: &args::Args, error: &std::io::Error) -> String {
    let address = format!("{}:{}", args.host, args.port);
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "port {} is in use on {}: another wxauth-dev (or another server) is listening there; stop it, or choose another port with --port or PORT",
            args.port, args.host
        ),
        _ => format!("cannot listen on {address}: {error}"),
    }
}

fn print_banner(base_url: &str, args: &args::Args, simulated: bool, config: &Config) {
    eprintln!("wxauth-dev listening on {base_url}");
    eprintln!("  data directory: {}", args.data_dir.display());
    if simulated {
        let appid = config
            .apps
            .ids
            .get()
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
            config
                .wechat
                .settings()
                .map(|w| w.api_base)
                .unwrap_or_default()
        );
    }
}
