//! The harness's own little servers (Runtime API, DynamoDB proxy) on loopback.

use std::net::SocketAddr;
use tokio::task::JoinHandle;

/// A server on 127.0.0.1 at a free port; aborted when dropped.
pub struct LoopbackServer {
    pub address: SocketAddr,
    task: JoinHandle<()>,
}

impl LoopbackServer {
    pub async fn start(routes: axum::Router) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });
        Ok(Self { address, task })
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
