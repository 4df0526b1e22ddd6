//! The global allocator: a bump allocator over `[_heap_start, _heap_end)` (32 MiB, see link.x).
//!
//! Freeing only gives memory back when the freed block is the most recent allocation, and
//! `realloc` of the most recent allocation grows it in place, so a single growing `Vec` costs no
//! more than its final size. Allocation returns null when the heap is full (which `alloc` turns
//! into a panic: "memory allocation of N bytes failed").

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, addr_of};

unsafe extern "C" {
    static _heap_start: u8;
    static _heap_end: u8;
}

fn heap_start() -> usize {
    // Only the address of the linker symbol is taken (the symbol has no contents).
    addr_of!(_heap_start) as usize
}

fn heap_end() -> usize {
    addr_of!(_heap_end) as usize
}

struct BumpAllocator {
    /// First free byte; 0 until the first allocation.
    next: UnsafeCell<usize>,
}

// SAFETY: a guest has a single thread and no interrupts.
unsafe impl Sync for BumpAllocator {}

impl BumpAllocator {
    fn next(&self) -> usize {
        // SAFETY: single-threaded (see `Sync` above); no reference to the cell escapes.
        let next = unsafe { *self.next.get() };
        if next == 0 {
            heap_start()
        } else {
            next
        }
    }

    fn set_next(&self, next: usize) {
        // SAFETY: single-threaded (see `Sync` above); no reference to the cell escapes.
        unsafe { *self.next.get() = next }
    }
}

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let align_mask = layout.align() - 1; // align is a power of two
        let Some(start) = self.next().checked_add(align_mask).map(|p| p & !align_mask) else {
            return ptr::null_mut();
        };
        match start.checked_add(layout.size()) {
            Some(end) if end <= heap_end() => {
                self.set_next(end);
                start as *mut u8
            }
            _ => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Give the block back only if it is the most recent one.
        if ptr as usize + layout.size() == self.next() {
            self.set_next(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let start = ptr as usize;
        if start + layout.size() == self.next() {
            // The most recent block: grow or shrink it in place.
            return match start.checked_add(new_size) {
                Some(end) if end <= heap_end() => {
                    self.set_next(end);
                    ptr
                }
                _ => ptr::null_mut(),
            };
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the caller guarantees that `layout.align()` and `new_size` form a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (it is larger than the old one).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for `layout.size()` bytes and do not overlap
            // (the new block lies after every existing one).
            unsafe { ptr::copy_nonoverlapping(ptr, new, layout.size()) };
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator {
    next: UnsafeCell::new(0),
};
