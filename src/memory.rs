//! Memory handed back to the system between the phases of a run, and the allocator
//! ([`Allocator`]: mimalloc, with huge pages under its large allocations).
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

/// Allocations of at least this many bytes are backed by huge pages where the system gives
/// them on request ([`Allocator`]).
const HUGE_MIN: usize = 8 << 20;

/// A huge page of x86-64 and most arm64 Linux systems.
const HUGE_PAGE: usize = 2 << 20;

/// The whole huge pages inside the `size` bytes at address `start`: (first, length), `None`
/// when the range covers none. Never a byte outside the range.
fn huge_range(start: usize, size: usize) -> Option<(usize, usize)> {
    let first = start.checked_next_multiple_of(HUGE_PAGE)?;
    let end = start.checked_add(size)? / HUGE_PAGE * HUGE_PAGE;
    (end > first).then(|| (first, end - first))
}

/// Ask the kernel for transparent huge pages under the `size` bytes at `p` (the whole huge
/// pages within them), before they are written.
fn advise_huge(p: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if let Some((first, len)) = huge_range(p as usize, size) {
        // SAFETY: the range lies within the allocation just made at `p`; the advice
        // changes how the kernel backs its pages, never what they hold, and an error
        // (a kernel without transparent huge pages) leaves everything as it was.
        #[allow(unsafe_code)]
        unsafe {
            libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, size);
}

/// mimalloc, with huge pages asked for under every allocation of 8 MB or more: the
/// duplicate check's table of a national file's keys (~130 MB), the place resolvers' memos
/// and the region index's tables, probed at random places, and the blocks of rows. With 4 KB
/// pages nearly every probe of those tables missed the TLB too (the run's user time was
/// 0.3 s higher on national-28), and the memory came in 300,000 page faults instead of
/// 130,000. Small allocations keep mimalloc's 4 KB pages: asked for everywhere (mimalloc's
/// own setting), huge pages cost more system time than they saved, each page handed back
/// and taken again being 2 MB for the kernel to zero.
pub struct Allocator;

// SAFETY: every call goes to mimalloc with the same arguments; the advice only changes how
// the kernel backs the memory mimalloc returned.
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: as the caller's.
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if layout.size() >= HUGE_MIN && !p.is_null() {
            advise_huge(p, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as the caller's.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: as the caller's.
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if layout.size() >= HUGE_MIN && !p.is_null() {
            advise_huge(p, layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as the caller's.
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if new_size >= HUGE_MIN && !p.is_null() {
            advise_huge(p, new_size);
        }
        p
    }
}

/// Let [`Allocator`]'s advice take effect: mimalloc (built without transparent huge pages)
/// turns them off for the whole process (`PR_SET_THP_DISABLE`) when it starts; they are
/// turned back on when the system gives them only where asked (`madvise` mode), so that
/// only the large allocations get them. In `always` mode they stay off (every small page
/// of mimalloc's would be huge); in `never` mode nothing changes.
pub fn allow_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
        if mode.is_ok_and(|m| m.contains("[madvise]")) {
            // SAFETY: prctl with integer arguments only; it changes a flag of this process.
            #[allow(unsafe_code)]
            unsafe {
                libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_pages_are_asked_for_only_inside_the_allocation() {
        const H: usize = HUGE_PAGE;
        // Aligned: every page.
        assert_eq!(huge_range(4 * H, 3 * H), Some((4 * H, 3 * H)));
        // Unaligned start and end: the whole pages between.
        assert_eq!(huge_range(4 * H + 100, 3 * H), Some((5 * H, 2 * H)));
        assert_eq!(huge_range(4 * H - 1, 2 * H + 2), Some((4 * H, 2 * H)));
        // Less than one whole page.
        assert_eq!(huge_range(4 * H + 1, H), None);
        assert_eq!(huge_range(4 * H, H - 1), None);
        assert_eq!(huge_range(0, 0), None);
        // Near the top of the address space: no overflow.
        assert_eq!(huge_range(usize::MAX - 10, 100), None);
        for start in [1, H - 1, H, 3 * H + 7] {
            for size in [0, 1, H, 2 * H + 3, 9 * H] {
                if let Some((first, len)) = huge_range(start, size) {
                    assert!(first >= start && first + len <= start + size);
                    assert_eq!(first % H, 0);
                    assert_eq!(len % H, 0);
                }
            }
        }
    }

    #[test]
    #[allow(unsafe_code)]
    fn the_allocator_keeps_what_is_written_small_large_grown_and_zeroed() {
        use std::alloc::{GlobalAlloc, Layout};
        let a = Allocator;
        for (size, grown) in [
            (64, 128),
            (HUGE_MIN / 2, 3 * HUGE_MIN),
            (3 * HUGE_MIN, 5 * HUGE_MIN),
        ] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a layout of non-zero size; every byte written and read lies within
            // the allocation as it is at the time; freed once with its layout.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                for i in (0..size).step_by(4093) {
                    *p.add(i) = (i % 251) as u8;
                }
                let q = a.realloc(p, layout, grown);
                assert!(!q.is_null());
                for i in (0..size).step_by(4093) {
                    assert_eq!(*q.add(i), (i % 251) as u8);
                }
                *q.add(grown - 1) = 7;
                a.dealloc(q, Layout::from_size_align(grown, 8).unwrap());
                let z = a.alloc_zeroed(layout);
                assert!(!z.is_null());
                assert!((0..size).step_by(4093).all(|i| *z.add(i) == 0));
                a.dealloc(z, layout);
            }
        }
    }
}
