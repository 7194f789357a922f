//! Memory handed back to the system between the phases of a run.
//!
//! Reading a national ledger frees, at its end, as much as it keeps: the file's bytes and
//! every parsed batch's cells (national-28: 1.17 GB resident, 0.74 GB of it live). The
//! allocator (mimalloc) keeps freed memory for a while before returning it, and building
//! the model then grows on top of it. Collecting once after reading lowers the peak of the
//! whole run (national-28: 1.31 → 1.21 GB) for a few milliseconds. The model build
//! collects again once the community rows are dropped and every few organization blocks
//! it has taken (the rows were made by the parse threads, whose freed pages the allocator
//! does not hand back on its own): national-28's peak 1.13 → 1.09 GB.

/// Return the memory freed so far to the system (mimalloc's `mi_collect(true)`).
pub fn release_freed() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any
    // time; it only returns free pages of mimalloc's own heaps to the system.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// Ask the processor to bring the cache line of `value` in, without waiting for it: the
/// duplicate check of a national table probes millions of random places, and a load that
/// only warms a line (`black_box`) holds back every instruction after it until the line
/// comes; a prefetch does not.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 processor has; a prefetch
        // is a hint that reads nothing into the program and never faults, and the address
        // is that of a live reference.
        #[allow(unsafe_code)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
