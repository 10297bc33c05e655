//! `b64encode_many`, `b64decode_many` and `b64decode_array`: many payloads
//! per call, coded across cores with the thread detached.
//!
//! Each call works in phases: read every input (attached), size the outputs
//! (detached), allocate them at their final size (attached), code into them
//! (detached, in parallel), then settle the rare inputs the SIMD engine
//! refused with CPython's state machine, in item order, so the error raised
//! is the first bad item's, as a loop of single calls would raise it.

use crate::base64::Error;
use crate::batch::map_detached;
use crate::buffer::{
    ascii_data, new_bytes_uninit, size_t, AsciiData, Buffer, OutPtr, WritableBuffer,
};
use ferrocodec::base64::{self as core, DecodeError, DecodeTable, EncodeAlphabet};
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use std::borrow::Cow;

/// `err` with "item {i}: " in front of its message, same exception type, the
/// original as its `__cause__`.
fn at_item(py: Python<'_>, i: usize, err: PyErr) -> PyErr {
    let msg = match err.value(py).str() {
        Ok(s) => format!("item {i}: {s}"),
        Err(_) => format!("item {i}"),
    };
    match err.get_type(py).call1((msg,)) {
        Ok(new) => {
            let new = PyErr::from_value(new);
            new.set_cause(py, Some(err));
            new
        }
        Err(_) => err,
    }
}

fn decode_error(i: usize, e: &DecodeError) -> PyErr {
    Error::new_err(format!("item {i}: {e}"))
}

/// Every element of an iterable, as strong references (another thread may
/// change the container meanwhile; these stay alive).
fn collect<'py>(items: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    items.try_iter()?.collect()
}

fn altchars_table(altchars: Option<&[u8]>) -> PyResult<Cow<'static, DecodeTable>> {
    Ok(match altchars {
        None => Cow::Borrowed(DecodeTable::standard()),
        Some(&[a, b]) => Cow::Owned(DecodeTable::with_altchars([a, b])),
        Some(_) => return Err(PyValueError::new_err("altchars must be 2 bytes")),
    })
}

/// Many `b64encode(item, altchars, wrapcol=wrapcol)` calls.
#[pyfunction]
#[pyo3(signature = (items, altchars, wrapcol))]
pub fn _b64encode_many<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    wrapcol: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let wrapcol = size_t(wrapcol)?;
    let alphabet = match altchars {
        None => EncodeAlphabet::STANDARD,
        Some(&[a, b]) => EncodeAlphabet::with_altchars([a, b]),
        Some(_) => return Err(PyValueError::new_err("altchars must be 2 bytes")),
    };
    let objs = collect(items)?;
    let buffers = objs
        .iter()
        .enumerate()
        .map(|(i, o)| Buffer::get(o).map_err(|e| at_item(py, i, e)))
        .collect::<PyResult<Vec<_>>>()?;
    let inputs: Vec<&[u8]> = buffers.iter().map(Buffer::as_slice).collect();
    let mut outs = Vec::with_capacity(inputs.len());
    let mut ptrs = Vec::with_capacity(inputs.len());
    for data in &inputs {
        let len = core::encoded_len(data.len(), wrapcol, false, true)
            .ok_or_else(|| PyMemoryError::new_err(()))?;
        let (bytes, ptr) = new_bytes_uninit(py, len)?;
        outs.push(bytes);
        ptrs.push(ptr);
    }
    let work = inputs.iter().map(|d| d.len()).sum();
    map_detached(py, inputs.len(), work, |i| {
        // SAFETY: each new bytes object is written by exactly one task, and
        // `outs` keeps it alive and unshared until the list is built.
        let out = unsafe { ptrs[i].as_mut_slice() };
        core::encode_into(inputs[i], alphabet, wrapcol, false, true, out);
    });
    PyList::new(py, outs)
}

/// The inputs of a decoding batch: str, bytes and bytearray (and their
/// subclasses) read as binascii reads them; any other object first converted
/// by `convert` (the package's `_bytes_from_decode_data`, which raises the
/// stdlib's errors and copies non-contiguous buffers).
fn decode_inputs<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    convert: &Bound<'py, PyAny>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let mut objs = collect(items)?;
    for (i, o) in objs.iter_mut().enumerate() {
        if !(o.is_instance_of::<PyString>()
            || o.is_instance_of::<PyBytes>()
            || o.is_instance_of::<PyByteArray>())
        {
            *o = convert.call1((&*o,)).map_err(|e| at_item(py, i, e))?;
        }
    }
    Ok(objs)
}

fn ascii_inputs<'a>(py: Python<'_>, objs: &'a [Bound<'_, PyAny>]) -> PyResult<Vec<AsciiData<'a>>> {
    objs.iter()
        .enumerate()
        .map(|(i, o)| ascii_data(o).map_err(|e| at_item(py, i, e)))
        .collect()
}

/// What the sizing pass learnt about one input.
enum Plan {
    /// The SIMD engine should take it: this many bytes, unless it refuses.
    Fast(usize),
    /// Decoded by the state machine already (it had to be, to know the size).
    Done(Result<Vec<u8>, DecodeError>),
}

fn plan(data: &[u8], table: &DecodeTable, strict: bool) -> Plan {
    match core::simd_decoded_len(data, table, strict) {
        Some(len) => Plan::Fast(len),
        None => Plan::Done(core::decode_scalar(data, table, strict)),
    }
}

/// A decoding batch after its sizing pass.
struct Batch<'a> {
    inputs: Vec<&'a [u8]>,
    table: &'a DecodeTable,
    validate: bool,
    /// Input bytes in all.
    work: usize,
}

/// Reads every item as `b64decode` would (attached), plans each one
/// (detached, in parallel), and hands both to `body`.
fn decode_batch<'py, T>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    validate: bool,
    convert: &Bound<'py, PyAny>,
    body: impl FnOnce(&Batch<'_>, Vec<Plan>) -> PyResult<T>,
) -> PyResult<T> {
    let table = altchars_table(altchars)?;
    let objs = decode_inputs(py, items, convert)?;
    let data = ascii_inputs(py, &objs)?;
    let inputs: Vec<&[u8]> = data.iter().map(AsciiData::as_slice).collect();
    let batch = Batch {
        work: inputs.iter().map(|d| d.len()).sum(),
        inputs,
        table: &table,
        validate,
    };
    let b = &batch;
    let plans = map_detached(py, b.inputs.len(), b.work, |i| {
        plan(b.inputs[i], b.table, b.validate)
    });
    body(b, plans)
}

/// Many `b64decode(item, altchars, validate)` calls.
#[pyfunction]
#[pyo3(signature = (items, altchars, validate, convert))]
pub fn _b64decode_many<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    validate: bool,
    convert: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    decode_batch(py, items, altchars, validate, convert, |b, plans| {
        decode_many(py, b, plans)
    })
}

fn decode_many<'py>(
    py: Python<'py>,
    b: &Batch<'_>,
    plans: Vec<Plan>,
) -> PyResult<Bound<'py, PyList>> {
    let (inputs, table, validate, work) = (&b.inputs, b.table, b.validate, b.work);
    let n = inputs.len();
    let mut outs: Vec<Option<Bound<'py, PyBytes>>> = Vec::with_capacity(n);
    let mut ptrs = Vec::with_capacity(n);
    for p in &plans {
        match p {
            Plan::Fast(len) => {
                let (bytes, ptr) = new_bytes_uninit(py, *len)?;
                outs.push(Some(bytes));
                ptrs.push(Some(ptr));
            }
            Plan::Done(Ok(v)) => {
                outs.push(Some(PyBytes::new(py, v)));
                ptrs.push(None);
            }
            Plan::Done(Err(_)) => {
                outs.push(None);
                ptrs.push(None);
            }
        }
    }
    let decoded = map_detached(py, n, work, |i| match ptrs[i] {
        // SAFETY: each new bytes object is written by exactly one task, and
        // `outs` keeps it alive and unshared until the list is built.
        Some(ptr) => core::decode_simd(inputs[i], table, unsafe { ptr.as_mut_slice() }),
        None => true,
    });
    // In item order: the first bad item is the one reported.
    for (i, plan) in plans.into_iter().enumerate() {
        match plan {
            Plan::Done(Err(e)) => return Err(decode_error(i, &e)),
            Plan::Fast(_) if !decoded[i] => match core::decode_scalar(inputs[i], table, validate) {
                Ok(v) => outs[i] = Some(PyBytes::new(py, &v)),
                Err(e) => return Err(decode_error(i, &e)),
            },
            _ => {}
        }
    }
    PyList::new(py, outs.into_iter().map(|o| o.expect("every item decoded")))
}

/// `b64decode_array`'s core: every item decodes to the same number of bytes,
/// a multiple of `itemsize`; `alloc(rows, row_bytes)` returns a writable,
/// C-contiguous object of exactly `rows * row_bytes` bytes (a NumPy array),
/// which is filled and returned.
#[pyfunction]
#[pyo3(signature = (items, altchars, validate, convert, itemsize, alloc))]
#[allow(clippy::too_many_arguments)]
pub fn _b64decode_rows<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    validate: bool,
    convert: &Bound<'py, PyAny>,
    itemsize: usize,
    alloc: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    decode_batch(py, items, altchars, validate, convert, |b, plans| {
        decode_rows(py, b, plans, itemsize, alloc)
    })
}

fn decode_rows<'py>(
    py: Python<'py>,
    b: &Batch<'_>,
    mut plans: Vec<Plan>,
    itemsize: usize,
    alloc: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (inputs, table, validate, work) = (&b.inputs, b.table, b.validate, b.work);
    let n = inputs.len();
    if n == 0 {
        return alloc.call1((0, 0));
    }
    // The row size is item 0's true size: settle item 0 now if it is Fast.
    if let Plan::Fast(len) = plans[0] {
        let mut v = vec![0u8; len];
        plans[0] = Plan::Done(if core::decode_simd(inputs[0], table, &mut v) {
            Ok(v)
        } else {
            core::decode_scalar(inputs[0], table, validate)
        });
    }
    let row = match &plans[0] {
        Plan::Done(Ok(v)) => v.len(),
        Plan::Done(Err(e)) => return Err(decode_error(0, e)),
        Plan::Fast(_) => unreachable!("item 0 was settled above"),
    };
    if itemsize == 0 || row % itemsize != 0 {
        return Err(PyValueError::new_err(format!(
            "item 0 decodes to {row} bytes, not a multiple of the dtype's itemsize {itemsize}"
        )));
    }
    let array = alloc.call1((n, row))?;
    let mut export = WritableBuffer::get(&array)?;
    let out = export.as_mut_slice();
    if out.len() != n * row {
        return Err(PyRuntimeError::new_err(
            "b64decode_array: the allocated array has the wrong size",
        ));
    }
    let rows: Vec<OutPtr> = if row == 0 {
        vec![OutPtr::from_slice(&mut []); n]
    } else {
        out.chunks_exact_mut(row).map(OutPtr::from_slice).collect()
    };
    // Rows whose size is already known to be right are filled in parallel.
    let filled = map_detached(py, n, work, |i| {
        // SAFETY: row i is written by task i only; `out` outlives the call.
        let dst = unsafe { rows[i].as_mut_slice() };
        match &plans[i] {
            Plan::Fast(len) if *len == row => core::decode_simd(inputs[i], table, dst),
            Plan::Done(Ok(v)) if v.len() == row => {
                dst.copy_from_slice(v);
                true
            }
            _ => false,
        }
    });
    // The rest in item order, as a loop of b64decode calls would meet them.
    for i in 0..n {
        if filled[i] {
            continue;
        }
        let v = match &plans[i] {
            Plan::Done(Err(e)) => return Err(decode_error(i, e)),
            Plan::Done(Ok(v)) => Cow::Borrowed(v.as_slice()),
            Plan::Fast(_) => Cow::Owned(
                core::decode_scalar(inputs[i], table, validate).map_err(|e| decode_error(i, &e))?,
            ),
        };
        if v.len() != row {
            return Err(PyValueError::new_err(format!(
                "item {i} decodes to {} bytes, item 0 to {row}",
                v.len()
            )));
        }
        // SAFETY: no task is running any more; row i is ours.
        unsafe { rows[i].as_mut_slice() }.copy_from_slice(&v);
    }
    Ok(array)
}
