//! Running one function over many inputs (the `*_many` and JSON Lines APIs).
//!
//! On a free-threaded build the inputs are split into groups that rayon's
//! pool works on in parallel; each worker attaches to the interpreter for its
//! group, and the calling thread is detached while it waits, so no thread
//! ever holds the interpreter while blocked on rayon (PyO3's parallelism
//! guide). With the GIL only one thread can build Python objects at a time,
//! so there the work runs in order on the calling thread; [`pipeline`] lets
//! a pool thread do the part that needs no interpreter (scanning) ahead of
//! it.

use pyo3::prelude::*;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

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

/// Whether `map_in_order` spreads `n` items of `work` bytes over the pool.
///
/// Decoding does not use it: measured on 3.14.7t (docs/benchmarks.md),
/// objects built on pool threads and freed by the caller's thread make
/// mimalloc fault in fresh pages (44% of the time in `clear_page`), so
/// decoding on all threads was slower than the serial loop (0.65-0.78x).
/// Decoding batches use [`pipeline`] instead: only the scan runs on the pool.
pub fn runs_parallel(work: usize, n: usize) -> bool {
    cfg!(Py_GIL_DISABLED) && work >= PARALLEL_THRESHOLD && n >= 2
}

/// `items.iter().map(f)` in item order, stopping at the first error (the
/// first in item order wins). `work` estimates the input size in bytes.
pub fn map_in_order<I, T, E, F>(py: Python<'_>, items: &[I], work: usize, f: F) -> Result<Vec<T>, E>
where
    I: Sync,
    T: Send,
    E: Send,
    F: Fn(Python<'_>, usize, &I) -> Result<T, E> + Sync,
{
    if !runs_parallel(work, items.len()) {
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

/// Whether [`pipeline`] may run: enough input to pay for a second thread,
/// a pool of at least two threads, and not called from a pool thread itself
/// (a hook inside a parallel batch).
pub fn pipelines(work: usize, n: usize) -> bool {
    work >= PARALLEL_THRESHOLD
        && n >= 2
        && rayon::current_thread_index().is_none()
        && pool().current_num_threads() >= 2
}

/// How many spare scans [`pipeline`] keeps for its next call.
const SPARE_MAX: usize = 16;

/// The chunk states of a [`pipeline`].
const FREE: u8 = 0;
const SCANNING: u8 = 1;
const SCANNED: u8 = 2;
const TAKEN: u8 = 3;

/// One chunk of a [`pipeline`]: its state and its scan. Aligned to its own
/// cache lines, so the two threads never write the same line.
#[repr(align(128))]
struct Chunk<S> {
    state: AtomicU8,
    scan: Mutex<Option<S>>,
}

/// What the builder of a [`pipeline`] tells its worker, on its own cache line.
#[repr(align(128))]
struct Progress {
    /// Chunks built so far.
    built: AtomicUsize,
    /// Whether a worker job is queued or running.
    running: AtomicBool,
    /// The builder is done: a running job ends at its next chunk.
    stop: AtomicBool,
    /// The next chunk the worker looks at (only the one running job moves it).
    next: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `build` over `items` in order on the calling thread, with `scan` run
/// ahead of it on a pool thread. `scan` fills an `S` for a chunk of `chunk`
/// items; `build` gets an item with its chunk's `S` and its place in the
/// chunk, or None for an item of a chunk it reached before the worker did
/// (it then reads that item itself). Returns the results of `build` in
/// order, or its first error.
///
/// The two threads meet once per chunk, never per item, and neither waits
/// for the other: the worker scans at most `window` chunks ahead of the
/// builder and then ends its job, the builder queues a new job once the
/// worker has fallen back to half the window, and the builder only spins
/// while the worker finishes the chunk it needs. A job that never gets a
/// pool thread (a busy pool) leaves every chunk to the builder. `scan` runs
/// without the interpreter and must touch no Python object. The calling
/// thread is attached while it builds and detached while it waits for the
/// job's last chunk at the end.
///
/// The `S` values are reused, within the call and across calls (`spare`
/// keeps a few): the builder hands each chunk's back to the worker, so the
/// worker neither allocates them again nor has them freed by the other
/// thread. Measured with glibc's allocator, those allocations made the two
/// threads contend for an arena lock, and the pipeline was slower than the
/// serial loop.
#[allow(clippy::too_many_arguments)]
pub fn pipeline<I, S, T, E, F, B>(
    py: Python<'_>,
    items: &[I],
    chunk: usize,
    window: usize,
    spare: &Mutex<Vec<S>>,
    scan: F,
    mut build: B,
) -> Result<Vec<T>, E>
where
    I: Sync,
    S: Send + Default,
    T: Send,
    E: Send,
    F: Fn(&[I], &mut S) + Sync,
    B: FnMut(Python<'_>, usize, &I, Option<(&S, usize)>) -> Result<T, E> + Send,
{
    let chunk = chunk.max(1);
    let window = window.max(2);
    let chunks: Vec<Chunk<S>> = (0..items.len().div_ceil(chunk))
        .map(|c| Chunk {
            // The builder starts on chunk 0 while the job starts.
            state: AtomicU8::new(if c == 0 { TAKEN } else { FREE }),
            scan: Mutex::new(None),
        })
        .collect();
    let group = |c: usize| &items[c * chunk..(c * chunk + chunk).min(items.len())];
    let progress = Progress {
        built: AtomicUsize::new(0),
        running: AtomicBool::new(true),
        stop: AtomicBool::new(false),
        next: AtomicUsize::new(1),
    };
    let worker = || loop {
        let c = progress.next.load(Ordering::Relaxed);
        if c >= chunks.len()
            || progress.stop.load(Ordering::Relaxed)
            || c >= progress.built.load(Ordering::Acquire) + window
        {
            progress.running.store(false, Ordering::Release);
            return;
        }
        progress.next.store(c + 1, Ordering::Relaxed);
        let slot = &chunks[c];
        if slot
            .state
            .compare_exchange(FREE, SCANNING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            continue; // the builder got there first
        }
        let mut s = lock(spare).pop().unwrap_or_default();
        let scanned =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scan(group(c), &mut s)));
        if let Err(panic) = scanned {
            // The builder reads this chunk itself and does not wait for it;
            // the panic reaches the caller when the scope ends.
            slot.state.store(SCANNED, Ordering::Release);
            progress.running.store(false, Ordering::Release);
            std::panic::resume_unwind(panic);
        }
        *lock(&slot.scan) = Some(s);
        slot.state.store(SCANNED, Ordering::Release);
    };
    let worker = &worker;
    let result = py.detach(|| {
        pool().in_place_scope(|scope| {
            scope.spawn(move |_| worker());
            let result = Python::attach(|py| {
                let mut out = Vec::with_capacity(items.len());
                for (c, slot) in chunks.iter().enumerate() {
                    let scanned = match slot.state.compare_exchange(
                        FREE,
                        TAKEN,
                        Ordering::Acquire,
                        Ordering::Acquire,
                    ) {
                        Ok(_) | Err(TAKEN) => None,
                        Err(_) => {
                            // Scanned, or being scanned: at most one chunk's
                            // scan, unless the worker's thread is preempted.
                            let mut spins = 0u32;
                            while slot.state.load(Ordering::Acquire) != SCANNED {
                                spins += 1;
                                if spins < 4096 {
                                    std::hint::spin_loop();
                                } else {
                                    std::thread::yield_now();
                                }
                            }
                            lock(&slot.scan).take()
                        }
                    };
                    for (j, item) in group(c).iter().enumerate() {
                        let s = scanned.as_ref().map(|s| (s, j));
                        out.push(build(py, c * chunk + j, item, s)?);
                    }
                    if let Some(s) = scanned {
                        lock(spare).push(s);
                    }
                    progress.built.store(c + 1, Ordering::Release);
                    // Queue a new job once the last one has ended and the
                    // builder is within half a window of where it stopped.
                    let next = progress.next.load(Ordering::Relaxed);
                    if next < chunks.len()
                        && next <= c + 1 + window / 2
                        && !progress.running.load(Ordering::Acquire)
                    {
                        progress.running.store(true, Ordering::Relaxed);
                        scope.spawn(move |_| worker());
                    }
                }
                Ok(out)
            });
            progress.stop.store(true, Ordering::Relaxed);
            result
        })
    });
    // Scans the builder did not reach (it stopped at an error) become spares too.
    let mut spare = lock(spare);
    spare.extend(
        chunks
            .into_iter()
            .filter_map(|c| c.scan.into_inner().ok().flatten()),
    );
    spare.truncate(SPARE_MAX);
    result
}
