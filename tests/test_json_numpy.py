"""dumps(..., numpy=True): NumPy arrays and scalars, identical to json.dumps of
their tolist() / item(); without numpy=True, the stdlib's TypeError."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ferrocodec import json as fj
from test_json_encode import outcome, to_older_stdlib

np = pytest.importorskip("numpy")
hnp = pytest.importorskip("hypothesis.extra.numpy")

KEYWORDS = [{}, {"indent": 2}, {"indent": "\t", "sort_keys": True}, {"separators": (",", ":")},
            {"allow_nan": False}, {"ensure_ascii": False, "indent": 0}]

DTYPES = ["?", "i1", "u1", "<i2", ">i2", "<u2", ">u4", "<i4", ">i8", "<i8", "<u8", ">u8",
          "<f2", ">f2", "<f4", ">f4", "<f8", ">f8"]


def plain(x):
    """What json.dumps sees after tolist()/item(). NumPy scalars that are
    subclasses of float or str (float64, str_) stay: the stdlib encodes them
    itself (its float64 error message shows their repr), and numpy=True
    changes nothing the stdlib already does."""
    if isinstance(x, (float, int, str)):
        return x
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x


def same(obj, **kw):
    want = outcome(json.dumps, plain(obj), **kw)
    got = to_older_stdlib(outcome(fj.dumps, obj, numpy=True, **kw), want)
    assert got == want
    if want[0] == "ok":
        assert fj.dumpb(obj, numpy=True, **kw) == want[1].encode()
        # The chunked path (iterencode) gives the same text.
        enc = fj.JSONEncoder(numpy=True, **kw)
        assert "".join(enc.iterencode(obj)) == want[1]


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    a = draw(hnp.arrays(dtype, shape))
    # Any strides: reversed and stepped views of the drawn array.
    if a.ndim:
        index = tuple(draw(st.sampled_from([slice(None), slice(None, None, -1), slice(None, None, 2),
                                            slice(1, None, 3)])) for _ in range(a.ndim))
        a = a[index]
    if a.ndim >= 2 and draw(st.booleans()):
        a = a.T
    return a


@given(arrays(), st.sampled_from(KEYWORDS))
def test_arrays_are_their_tolist(a, kw):
    same(a, **kw)


@given(st.lists(arrays(), max_size=3), st.sampled_from(KEYWORDS))
def test_arrays_inside_containers(arrays_, kw):
    same({"vectors": arrays_, "n": len(arrays_)}, **kw)


def test_scalars():
    for s in [np.int8(-5), np.uint64(2**64 - 1), np.int64(-2**63), np.float32(0.1), np.float16(1e-7),
              np.float64(1e16), np.bool_(True), np.bool_(False), np.float32("nan"), np.float64("-inf"),
              np.str_("x")]:
        for kw in KEYWORDS:
            same(s, **kw)
            same([s, {"k": s}], **kw)


def test_values_the_fast_path_does_not_take_still_match():
    cases = [
        np.array([1 + 2j, 3j]),                         # complex: tolist gives complex: TypeError
        np.array(["a", "bc"]),                          # unicode strings
        np.array([b"a"]),                               # bytes: TypeError
        np.array([1.5, 2], dtype=np.longdouble),        # long double scalars: TypeError
        np.array(["2020-01-01"], dtype="M8[D]"),        # datetime64: not exportable; dates: TypeError
        np.array([[1, "x"], [None, 2.5]], dtype=object),
        np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),  # subclass: its tolist() (None for masked)
        np.zeros(3, dtype=[("a", "i4"), ("b", "f4")]),  # records: tuples
        np.arange(6).reshape(2, 3)[:, 1],               # a non-contiguous view
    ]
    for a in cases:
        for kw in KEYWORDS:
            same(a, **kw)


def test_errors_match_the_stdlibs():
    # allow_nan=False, with 3.14's notes on the list items where the stdlib adds them.
    a = np.array([[0.0, 1.0], [2.0, np.nan]], dtype=np.float32)
    same(a, allow_nan=False)
    same({"x": [a]}, allow_nan=False)
    # Without numpy=True: exactly the stdlib's behaviour (TypeError, or default).
    for x in (np.arange(3), np.int64(3), np.float32(1)):
        assert outcome(fj.dumps, x) == outcome(json.dumps, x)
    assert fj.dumps(np.arange(3), default=lambda o: "D") == '"D"'
    # numpy=True goes before default; default still gets everything else.
    assert fj.dumps([np.arange(2), {1}], numpy=True, default=sorted) == "[[0, 1], [1]]"
    # A self-containing object array is a cycle.
    o = np.empty(1, dtype=object)
    o[0] = o
    # (3.14 adds its note for the list item where the cycle closed.)
    assert outcome(fj.dumps, o, numpy=True)[:3] == ("err", "ValueError", "Circular reference detected")


def test_batch_and_lines_take_numpy():
    rows = [np.arange(i, dtype=np.int32) for i in range(5)]
    want = [json.dumps(r.tolist()) for r in rows]
    assert fj.dumps_many(rows, numpy=True) == want
    assert fj.dumpb_many(rows, numpy=True) == [w.encode() for w in want]
    assert fj.dumps_lines(rows, numpy=True) == "".join(w + "\n" for w in want)


def test_large_array():
    a = np.random.default_rng(1).standard_normal((300, 200))
    assert fj.dumps(a, numpy=True) == json.dumps(a.tolist())
    assert fj.loads(fj.dumps(a, numpy=True)) == a.tolist()
