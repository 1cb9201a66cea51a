//! Hashing and checking passwords: argon2id (RustCrypto `argon2`) at OWASP's
//! parameters, stored as PHC strings. A hash made with other parameters still
//! verifies (they are in its string) and is reported stale, so that a login
//! rehashes it with today's.

use crate::domain::{Password, PasswordHash};
use argon2::password_hash::phc;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};

/// OWASP's argon2id minimum (Password Storage Cheat Sheet): 19 MiB, two
/// passes, one lane. One verify costs about as much CPU as it costs memory;
/// `docs/benchmarks.md` has it at each Lambda memory size.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

/// What checking a password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Wrong,
    /// Right; `stale` when its hash was made with other parameters.
    Right {
        stale: bool,
    },
}

#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new(MEMORY_KIB, PASSES, LANES)
    }
}

impl PasswordHasher {
    /// Parameters other than OWASP's: for tests of the rehash, and benchmarks.
    pub fn new(memory_kib: u32, passes: u32, lanes: u32) -> Self {
        let params =
            Params::new(memory_kib, passes, lanes, None).expect("argon2 parameters in range");
        Self { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A fresh hash of `password`, with a random 16-byte salt.
    pub fn hash(&self, password: &Password) -> PasswordHash {
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt).expect("the system random source works");
        let hash = self
            .argon2()
            .hash_password_with_salt(password.expose().as_bytes(), &salt)
            .expect("argon2id hashes any password with a 16-byte salt");
        PasswordHash::from_phc(hash.to_string())
    }

    /// Checks `password` against a stored hash. A hash that does not parse is
    /// never a match (and is logged: it is a corrupt item, not a wrong try).
    pub fn verify(&self, password: &Password, stored: &PasswordHash) -> Verified {
        let Ok(parsed) = phc::PasswordHash::new(stored.phc()) else {
            tracing::error!("a stored password hash is not a PHC string");
            return Verified::Wrong;
        };
        if self
            .argon2()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_err()
        {
            return Verified::Wrong;
        }
        let current = Params::try_from(&parsed).ok();
        let stale = parsed.algorithm.as_str() != "argon2id"
            || parsed.version != Some(Version::V0x13.into())
            || current.is_none_or(|p| {
                (p.m_cost(), p.t_cost(), p.p_cost())
                    != (
                        self.params.m_cost(),
                        self.params.t_cost(),
                        self.params.p_cost(),
                    )
            });
        Verified::Right { stale }
    }

    /// [`verify`](Self::verify) off the async threads: one verify is tens of
    /// milliseconds of CPU, which would stall every other request of the
    /// local server.
    pub async fn verify_blocking(&self, password: &Password, stored: &PasswordHash) -> Verified {
        let (hasher, password, stored) = (self.clone(), password.clone(), stored.clone());
        tokio::task::spawn_blocking(move || hasher.verify(&password, &stored))
            .await
            .unwrap_or(Verified::Wrong)
    }

    /// [`hash`](Self::hash) off the async threads.
    pub async fn hash_blocking(&self, password: &Password) -> PasswordHash {
        let (hasher, owned) = (self.clone(), password.clone());
        match tokio::task::spawn_blocking(move || hasher.hash(&owned)).await {
            Ok(hash) => hash,
            Err(_) => self.hash(password),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    #[test]
    fn hashes_are_owasp_argon2id_phc_strings_that_verify_only_the_right_password() {
        let hasher = PasswordHasher::default();
        let hash = hasher.hash(&pw("correct horse"));
        assert!(
            hash.phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.phc()
        );
        assert_eq!(
            hasher.verify(&pw("correct horse"), &hash),
            Verified::Right { stale: false }
        );
        assert_eq!(hasher.verify(&pw("correct horsE"), &hash), Verified::Wrong);
        // Two hashes of one password differ (the salt).
        assert_ne!(hasher.hash(&pw("correct horse")), hash);
        assert_eq!(
            hasher.verify(&pw("x"), &PasswordHash::from_phc("not phc".into())),
            Verified::Wrong
        );
    }

    #[test]
    fn a_hash_of_other_parameters_verifies_and_is_stale() {
        let old = PasswordHasher::new(8 * 1024, 1, 1).hash(&pw("correct horse"));
        assert_eq!(
            PasswordHasher::default().verify(&pw("correct horse"), &old),
            Verified::Right { stale: true }
        );
        assert_eq!(
            PasswordHasher::default().verify(&pw("wrong horse"), &old),
            Verified::Wrong
        );
    }
}
