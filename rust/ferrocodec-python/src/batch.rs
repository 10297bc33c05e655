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

/// Below this much input (bytes, estimated) the work stays on one thread:
/// attaching workers costs more than it saves.
pub const PARALLEL_THRESHOLD: usize = 64 * 1024;

/// `items.iter().map(f)` in item order, stopping at the first error (the
/// first in item order wins). `work` estimates the input size in bytes.
pub fn map_in_order<I, T, E, F>(py: Python<'_>, items: &[I], work: usize, f: F) -> Result<Vec<T>, E>
where
    I: Sync,
    T: Send,
    E: Send,
    F: Fn(Python<'_>, usize, &I) -> Result<T, E> + Sync,
{
    if !cfg!(Py_GIL_DISABLED) || work < PARALLEL_THRESHOLD || items.len() < 2 {
        return items.iter().enumerate().map(|(i, item)| f(py, i, item)).collect();
    }
    // A few groups per worker, so an uneven group does not leave cores idle.
    let groups = rayon::current_num_threads() * 4;
    let size = items.len().div_ceil(groups).max(1);
    let parts: Vec<Result<Vec<T>, E>> = py.detach(|| {
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
    });
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}
