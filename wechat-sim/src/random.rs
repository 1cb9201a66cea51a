//! Random bytes from the system RNG (aws-lc-rs), the one source of randomness.

/// Returns `N` random bytes.
///
/// # Panics
/// If the system RNG fails, which only happens on a broken host; a simulator
/// has no sensible way to go on without randomness.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    aws_lc_rs::rand::fill(&mut out).expect("system random number generator failed");
    out
}

/// Returns a random `u32`.
pub(crate) fn u32() -> u32 {
    u32::from_le_bytes(bytes::<4>())
}
