//! Hashing and checking passwords: argon2id (RustCrypto `argon2`) at OWASP's
//! parameters, stored as PHC strings. A hash made with other parameters still
//! verifies (they are in its string) and is reported stale, so that a login
//! rehashes it with today's.

use crate::domain::{Password, PasswordHash};
use argon2::password_hash::phc;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use std::sync::{Arc, Mutex};

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

/// The hasher. Its 19 MiB of argon2 memory is allocated once and reused:
/// allocated afresh for each check (the crate's own way), glibc keeps several
/// such blocks resident after a few checks (measured: 120 MB after five), a
/// function's whole memory size at 128–256 MB. A second check at the same time
/// (the local server) works in memory of its own.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    memory: Arc<Mutex<Vec<Block>>>,
}

/// Without the memory: it holds what the last check computed.
impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// The most a stored hash may ask for: a tampered or corrupt item naming
/// gigabytes or thousands of passes would abort the process on allocation or
/// run past the function's timeout. Well above any sane setting.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new(MEMORY_KIB, PASSES, LANES)
    }
}

/// The output length of new hashes (argon2's default, 256 bits).
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;

impl PasswordHasher {
    /// Parameters other than OWASP's: for tests of the rehash, and benchmarks.
    pub fn new(memory_kib: u32, passes: u32, lanes: u32) -> Self {
        let params = Params::new(memory_kib, passes, lanes, Some(OUTPUT_LEN))
            .expect("argon2 parameters in range");
        Self {
            params,
            memory: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// argon2id of `password` and `salt` under `params`, into `out`, in the
    /// reused memory when it is free and the right size.
    fn compute(
        &self,
        argon2: &Argon2<'_>,
        params: &Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), argon2::Error> {
        let blocks = params.block_count();
        if let Ok(mut memory) = self.memory.try_lock()
            && (memory.is_empty() || memory.len() == blocks)
            && blocks == self.params.block_count()
        {
            if memory.is_empty() {
                memory.resize(blocks, Block::default());
            }
            return argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..]);
        }
        let mut memory = vec![Block::default(); blocks];
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..])
    }

    /// A fresh hash of `password`, with a random 16-byte salt, as a PHC
    /// string: `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (base64, unpadded).
    pub fn hash(&self, password: &Password) -> PasswordHash {
        let mut salt = [0u8; SALT_LEN];
        aws_lc_rs::rand::fill(&mut salt).expect("the system random source works");
        let mut out = [0u8; OUTPUT_LEN];
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        self.compute(
            &argon2,
            &self.params,
            password.expose().as_bytes(),
            &salt,
            &mut out,
        )
        .expect("argon2id hashes any password of at most 128 characters");
        let p = &self.params;
        PasswordHash::from_phc(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            p.m_cost(),
            p.t_cost(),
            p.p_cost(),
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        ))
    }

    /// Checks `password` against a stored hash, under the parameters the hash
    /// names. A hash that does not parse is never a match (and is logged: it
    /// is a corrupt item, not a wrong try).
    pub fn verify(&self, password: &Password, stored: &PasswordHash) -> Verified {
        let Some((algorithm, version, params, salt, expected)) = parse(stored) else {
            tracing::error!("a stored password hash is not an argon2 PHC string");
            return Verified::Wrong;
        };
        let mut out = vec![0u8; expected.len()];
        let argon2 = Argon2::new(algorithm, version, params.clone());
        if self
            .compute(
                &argon2,
                &params,
                password.expose().as_bytes(),
                &salt,
                &mut out,
            )
            .is_err()
            || aws_lc_rs::constant_time::verify_slices_are_equal(&out, &expected).is_err()
        {
            return Verified::Wrong;
        }
        let current = &self.params;
        let stale = algorithm != Algorithm::Argon2id
            || version != Version::V0x13
            || (params.m_cost(), params.t_cost(), params.p_cost())
                != (current.m_cost(), current.t_cost(), current.p_cost())
            || expected.len() != OUTPUT_LEN;
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

/// What a stored PHC string says: algorithm, version, parameters, salt, hash.
type Stored = (Algorithm, Version, Params, Vec<u8>, Vec<u8>);

fn parse(stored: &PasswordHash) -> Option<Stored> {
    let parsed = phc::PasswordHash::new(stored.phc()).ok()?;
    let algorithm = Algorithm::new(parsed.algorithm.as_str()).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::V0x10,
    };
    let params = Params::try_from(&parsed).ok()?;
    if params.m_cost() > MAX_MEMORY_KIB
        || params.t_cost() > MAX_PASSES
        || params.p_cost() > MAX_LANES
    {
        return None;
    }
    let salt = parsed.salt.as_ref()?.as_ref().to_vec();
    let expected = parsed.hash.as_ref()?.as_bytes().to_vec();
    Some((algorithm, version, params, salt, expected))
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
        // A hash naming 4 TiB of memory or 1,000 passes is refused unrun.
        for absurd in [
            "$argon2id$v=19$m=4294967295,t=2,p=1$c2l4dGVlbiBieXRlIHNsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "$argon2id$v=19$m=19456,t=1000,p=1$c2l4dGVlbiBieXRlIHNsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        ] {
            let started = std::time::Instant::now();
            assert_eq!(
                hasher.verify(&pw("x"), &PasswordHash::from_phc(absurd.into())),
                Verified::Wrong
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
        assert!(!format!("{hasher:?}").contains("memory"));
    }

    #[test]
    fn our_phc_strings_are_the_argon2_crates_both_ways() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::default();
        let ours = hasher.hash(&pw("correct horse"));
        let parsed = phc::PasswordHash::new(ours.phc()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password_with_salt(b"correct horse", b"sixteen byte slt")
            .unwrap()
            .to_string();
        assert_eq!(
            hasher.verify(&pw("correct horse"), &PasswordHash::from_phc(theirs)),
            Verified::Right { stale: false }
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
