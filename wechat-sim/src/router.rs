//! The simulator's routes: every handler mounted on one [`Simulator`] handle.

use axum::Router;
use axum::routing::{get, post};

use crate::handlers::{
    checksession, control, getuserphonenumber, jscode2session, media_check_async, msg_sec_check,
    resetusersessionkey, stable_token,
};
use crate::simulator::Simulator;

impl Simulator {
    /// All simulated endpoints and the `/sim/` control routes, for serving
    /// them from a host server (the dev server mounts them next to its own
    /// routes). There is no fallback route, so the router merges into one
    /// that has its own.
    pub fn router(&self) -> Router {
        Router::new()
            .route(jscode2session::PATH, get(jscode2session::handle))
            .route(stable_token::PATH, post(stable_token::handle))
            .route(getuserphonenumber::PATH, post(getuserphonenumber::handle))
            .route(checksession::PATH, get(checksession::handle))
            .route(resetusersessionkey::PATH, get(resetusersessionkey::handle))
            .route(msg_sec_check::PATH, post(msg_sec_check::handle))
            .route(media_check_async::PATH, post(media_check_async::handle))
            .merge(control::routes())
            .with_state(self.clone())
    }
}
