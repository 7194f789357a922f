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

/// Tables smaller than this are left to ordinary pages ([`huge_pages`]).
pub const HUGE_MIN: usize = 32 << 20;

/// Ask the kernel to back the room of `v` with 2 MB pages (Linux transparent huge pages,
/// where the system allows them on request), before anything is written to it: a table
/// of millions of keys probed at random (the duplicate check's, the place memos, the
/// region index) misses the processor's page table cache on nearly every probe with 4 KB
/// pages, and each of its pages is a fault of its own when first written. Rooms smaller
/// than [`HUGE_MIN`] are left alone; elsewhere than Linux this does nothing.
pub fn huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
        if bytes < HUGE_MIN {
            return;
        }
        let start = v.as_ptr() as usize;
        let first = start.next_multiple_of(HUGE);
        let end = start.saturating_add(bytes) / HUGE * HUGE;
        if end > first {
            // SAFETY: the range lies within the allocation of `v`, which is live for the
            // call; MADV_HUGEPAGE is advice on how to back it and changes neither its
            // contents nor whether it may be read or written. A failure changes nothing.
            #[allow(unsafe_code)]
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}
