//! Serving the simulator on its own socket, for tests.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tracing::error;

use crate::simulator::Simulator;

/// A simulator serving HTTP in a background task.
///
/// Dropping it stops the server: the listener closes, idle connections are
/// closed and requests in flight are finished first (graceful shutdown).
pub struct RunningSimulator {
    simulator: Simulator,
    addr: SocketAddr,
    base_url: String,
    /// Dropping the sender is the shutdown signal.
    _shutdown: oneshot::Sender<()>,
}

impl Simulator {
    /// Binds `addr` (use `127.0.0.1:0` in tests for a free port) and serves all
    /// endpoints from a task spawned on the current Tokio runtime.
    ///
    /// # Errors
    /// If the address can't be bound.
    pub async fn start(&self, addr: SocketAddr) -> io::Result<RunningSimulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = self.router();
        tokio::spawn(async move {
            let signal = async {
                // Resolves when the sender is dropped.
                let _ = stopped.await;
            };
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                error!(%err, "WeChat simulator server failed");
            }
        });
        Ok(RunningSimulator {
            simulator: self.clone(),
            addr,
            base_url: format!("http://{}", reachable(addr)),
            _shutdown: shutdown,
        })
    }
}

impl RunningSimulator {
    /// Where to send requests instead of `https://api.weixin.qq.com`, e.g.
    /// `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator being served, for inspecting its state.
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }
}

impl fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSimulator")
            .field("base_url", &self.base_url)
            .field("simulator", &self.simulator)
            .finish()
    }
}

/// The address clients should connect to: a wildcard bind (`0.0.0.0`, `::`)
/// is reached through loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}
