//! Command-line flags, with environment variables as fallbacks.

use std::path::PathBuf;
use wxauth_shared::config::Env;

// The local server's own variables, each with its flag.
pub const PORT: &str = "PORT";
pub const DEFAULT_PORT: u16 = 3000;
pub const HOST: &str = "HOST";
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const WXAUTH_DATA_DIR: &str = "WXAUTH_DATA_DIR";
pub const DEFAULT_DATA_DIR: &str = ".wxauth";

pub const USAGE: &str = "\
wxauth-dev: every wxauth route on one local port

USAGE: wxauth-dev [--port N] [--host ADDR] [--data-dir DIR]

  --port N        port to listen on (env PORT; default 3000; 0 picks a free one)
  --host ADDR     address to bind (env HOST; default 127.0.0.1)
  --data-dir DIR  embedded database, avatar images and generated signing key
                  (env WXAUTH_DATA_DIR; default .wxauth)

All other settings are the same environment variables as the Lambda functions
(see README). Without WECHAT_SECRET the WeChat simulator runs in-process and
pushes its image-check verdicts to this server's /wechat/push, in safe mode,
with WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY (made up for the run when unset).
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub port: u16,
    pub host: String,
    pub data_dir: PathBuf,
}

pub enum Parsed {
    Run(Args),
    Help,
}

impl Args {
    pub fn parse(mut argv: impl Iterator<Item = String>, env: &dyn Env) -> Result<Parsed, String> {
        let mut port = env.var(PORT);
        let mut host = env.var(HOST);
        let mut data_dir = env.var(WXAUTH_DATA_DIR);
        while let Some(flag) = argv.next() {
            let slot = match flag.as_str() {
                "--port" => &mut port,
                "--host" => &mut host,
                "--data-dir" => &mut data_dir,
                "-h" | "--help" => return Ok(Parsed::Help),
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
            };
            *slot = Some(argv.next().ok_or_else(|| format!("{flag} needs a value"))?);
        }
        let port = match port.filter(|p| !p.is_empty()) {
            None => DEFAULT_PORT,
            Some(p) => p
                .parse()
                .map_err(|_| format!("port must be a number from 0 to 65535, got {p:?}"))?,
        };
        Ok(Parsed::Run(Args {
            port,
            host: host
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| DEFAULT_HOST.to_owned()),
            data_dir: PathBuf::from(
                data_dir
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()),
            ),
        }))
    }
}
