//! Settings the local server decides itself (the simulator's appid, secret and
//! URL), laid over the process environment.

use std::collections::HashMap;
use wxauth_shared::config::Env;

pub struct EnvOverlay<E> {
    base: E,
    overrides: HashMap<&'static str, String>,
}

impl<E: Env> EnvOverlay<E> {
    pub fn new(base: E) -> Self {
        Self {
            base,
            overrides: HashMap::new(),
        }
    }

    pub fn set(&mut self, name: &'static str, value: String) {
        self.overrides.insert(name, value);
    }
}

impl<E: Env> Env for EnvOverlay<E> {
    fn var(&self, name: &str) -> Option<String> {
        self.overrides
            .get(name)
            .cloned()
            .or_else(|| self.base.var(name))
    }
}
