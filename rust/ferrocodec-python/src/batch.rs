//! Running one function over many inputs (the `*_many` and JSON Lines APIs).
//!
//! On a free-threaded build the inputs are split into groups that rayon's
//! pool works on in parallel; each worker attaches to the interpreter for its
//! group, and the calling thread is detached while it waits, so no thread
//! ever holds the interpreter while blocked on rayon (PyO3's parallelism
//! guide). With the GIL only one thread can build Python objects at a time,
//! so there the work runs in order on the calling thread.

use pyo3::prelude::*;
use rayon::prelude::*;
use std::sync::OnceLock;

/// ferrocodec's worker pool. Each worker gets a Python thread state when it
/// starts and keeps it (detached) for its lifetime, so attaching for a group
/// of items is cheap; with rayon's global pool every `Python::attach` would
/// create and delete a thread state, which costs more than small documents.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("ferrocodec-{i}"))
            .start_handler(|_| {
                // SAFETY: called once on a new thread that has no thread
                // state: Ensure creates and attaches one, SaveThread detaches
                // it again; the thread state stays registered to the thread.
                unsafe {
                    pyo3::ffi::PyGILState_Ensure();
                    pyo3::ffi::PyEval_SaveThread();
                }
            })
            .build()
            .expect("cannot start the ferrocodec worker pool")
    })
}

/// Below this much input (bytes, estimated) the work stays on one thread:
/// attaching workers costs more than it saves.
pub const PARALLEL_THRESHOLD: usize = 64 * 1024;

/// How a batch may run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Across the pool on free-threaded builds.
    Parallel,
    /// Always in order on the calling thread. Decoding uses this for now:
    /// measured on 3.14.7t (docs/benchmarks.md), objects built on workers
    /// and freed by the caller's thread make mimalloc fault in fresh pages
    /// (44% of the time in `clear_page`), so parallel decoding was slower
    /// than the serial loop (0.65-0.78x).
    Serial,
}

/// Whether `map_in_order` spreads `n` items of `work` bytes over the pool.
pub fn runs_parallel(mode: Mode, work: usize, n: usize) -> bool {
    cfg!(Py_GIL_DISABLED) && mode == Mode::Parallel && work >= PARALLEL_THRESHOLD && n >= 2
}

/// `items.iter().map(f)` in item order, stopping at the first error (the
/// first in item order wins). `work` estimates the input size in bytes.
pub fn map_in_order<I, T, E, F>(
    py: Python<'_>,
    items: &[I],
    work: usize,
    mode: Mode,
    f: F,
) -> Result<Vec<T>, E>
where
    I: Sync,
    T: Send,
    E: Send,
    F: Fn(Python<'_>, usize, &I) -> Result<T, E> + Sync,
{
    if !runs_parallel(mode, work, items.len()) {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(py, i, item))
            .collect();
    }
    let pool = pool();
    // One group per worker: each group costs an attach.
    let size = items.len().div_ceil(pool.current_num_threads()).max(1);
    let parts: Vec<Result<Vec<T>, E>> = py.detach(|| {
        pool.install(|| {
            items
                .par_chunks(size)
                .enumerate()
                .map(|(g, group)| {
                    Python::attach(|py| {
                        group
                            .iter()
                            .enumerate()
                            .map(|(j, item)| f(py, g * size + j, item))
                            .collect()
                    })
                })
                .collect()
        })
    });
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// `(0..n).map(f)` for work that touches no Python object (coding bytes
/// between buffers the caller keeps alive): run detached, and across the pool
/// once `work` bytes pay for it. Unlike [`map_in_order`] this is parallel on
/// GIL builds too, since no worker attaches.
pub fn map_detached<T, F>(py: Python<'_>, n: usize, work: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Send + Sync,
{
    if work < PARALLEL_THRESHOLD || n < 2 {
        return crate::buffer::maybe_detach(py, work, || (0..n).map(&f).collect());
    }
    py.detach(|| pool().install(|| (0..n).into_par_iter().map(&f).collect()))
}
