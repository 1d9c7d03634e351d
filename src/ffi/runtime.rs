//! What a `no_std` static library needs from its host, taken from the C library it is linked
//! with: heap memory (`malloc`/`free`, used only while an engine is built and freed) and a panic
//! handler (`abort`). The core is written not to panic, so the handler is a last resort.
//!
//! Compiled only without `std` and without the `external-runtime` feature; a Rust `no_std`
//! program that has its own `#[global_allocator]` and `#[panic_handler]` enables that feature.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
    fn abort() -> !;
}

/// Alignment every C `malloc` guarantees on the targets we build for (32-bit ARM and up).
const MALLOC_ALIGN: usize = 8;

/// The C heap as a Rust global allocator. Larger alignments are served by over-allocating and
/// storing the pointer `malloc` returned just below the aligned block.
struct CHeap;

// SAFETY: `malloc`/`free` are thread-safe in every C library we link with, blocks are
// correctly aligned (directly, or by the over-allocation below) and freed with the pointer
// `malloc` returned.
unsafe impl GlobalAlloc for CHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: plain C call.
            return unsafe { malloc(layout.size()) }.cast();
        }
        let header = core::mem::size_of::<*mut c_void>();
        let Some(total) = layout
            .size()
            .checked_add(layout.align())
            .and_then(|s| s.checked_add(header))
        else {
            return core::ptr::null_mut();
        };
        // SAFETY: plain C call.
        let raw = unsafe { malloc(total) }.cast::<u8>();
        if raw.is_null() {
            return raw;
        }
        let start = raw as usize + header;
        let aligned = (start + layout.align() - 1) & !(layout.align() - 1);
        let offset = aligned - raw as usize;
        // SAFETY: `offset + size <= total`, and the header slot lies inside the block.
        unsafe {
            let user = raw.add(offset);
            user.cast::<*mut u8>().sub(1).write_unaligned(raw);
            user
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: from `malloc` above.
            unsafe { free(ptr.cast()) };
        } else {
            // SAFETY: `alloc` stored the original pointer just below the aligned block.
            unsafe { free(ptr.cast::<*mut u8>().sub(1).read_unaligned().cast()) };
        }
    }
}

#[global_allocator]
static HEAP: CHeap = CHeap;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: plain C call; never returns.
    unsafe { abort() }
}
