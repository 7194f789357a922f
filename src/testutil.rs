//! Helpers shared by the unit tests.

/// A xorshift64 generator from `seed` (not 0): the same numbers on every run, for tests that
/// try many generated inputs.
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
