"""b64encode_many, b64decode_many and b64decode_array (ferrocodec's additions).

Their oracle is a loop of single calls: the stdlib's where it has the
arguments, ferrocodec's own single-call functions (checked against the stdlib
in test_base64.py) for 3.15's wrapcol. A bad item must raise what the loop
raises at the first bad item, with "item N: " in front of the message.
"""

import array
import base64 as std
import binascii
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ferrocodec import base64 as fb
from test_base64_family import outcome

np = pytest.importorskip("numpy")

B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def loop(fn, items, *args, **kwargs):
    """What a loop of single calls gives, with the batch APIs' error wording."""
    out = []
    for i, item in enumerate(items):
        r = outcome(fn, item, *args, **kwargs)
        if r[0] == "raise":
            return ("raise", r[1], f"item {i}: {r[2]}")
        out.append(r[1])
    return ("ok", out)


# Payloads: clean base64 of random bytes, or that with a corruption.
def corrupt(data, junk, cut, kind):
    text = std.b64encode(data)
    if kind == 0:
        return text
    if kind == 1:
        return text[:cut] + junk + text[cut:]
    if kind == 2:
        return text[:cut]
    return text.replace(b"=", b"") + b"=" * (cut % 4)


payload = st.builds(corrupt, st.binary(max_size=64),
                    st.binary(min_size=1, max_size=3).filter(lambda b: b.isascii()),
                    st.integers(0, 100), st.integers(0, 3))


@given(st.lists(st.binary(max_size=300), max_size=20),
       st.sampled_from([None, b"-_", b"*!"]), st.sampled_from([0, 4, 10, 76]))
def test_encode_many_matches_a_loop(items, altchars, wrapcol):
    if wrapcol == 0:
        assert fb.b64encode_many(items, altchars) == [std.b64encode(x, altchars) for x in items]
    got = fb.b64encode_many(items, altchars, wrapcol=wrapcol)
    assert got == [fb.b64encode(x, altchars, wrapcol=wrapcol) for x in items]


@given(st.lists(payload, max_size=20), st.booleans(), st.booleans())
def test_decode_many_matches_a_loop(items, validate, as_str):
    if as_str:
        items = [x.decode("latin-1") for x in items]
    assert outcome(fb.b64decode_many, items, validate=validate) == loop(
        fb.b64decode, items, validate=validate)


@given(st.lists(st.binary(max_size=200), max_size=20), st.booleans())
def test_decode_many_of_clean_data_is_the_stdlibs(items, validate):
    text = [std.b64encode(x).decode() for x in items]
    assert fb.b64decode_many(text, validate=validate) == [std.b64decode(t, validate=validate)
                                                          for t in text]


def test_large_batches_run_in_parallel_and_report_the_first_bad_item():
    # Over the parallel threshold; bad items at several places, the first wins.
    good = [std.b64encode(bytes([i % 256]) * 3000) for i in range(200)]
    assert fb.b64decode_many(good) == [std.b64decode(x) for x in good]
    assert fb.b64encode_many([std.b64decode(x) for x in good]) == good
    for bad_at in ([0], [199], [57, 120], [3, 4, 5]):
        items = list(good)
        for i in bad_at:
            items[i] = items[i][:-1]  # incorrect padding
        with pytest.raises(binascii.Error, match=rf"^item {bad_at[0]}: Incorrect padding$"):
            fb.b64decode_many(items)
    # A non-canonical item (refused by the SIMD engine, accepted by CPython's
    # state machine) and one with junk, in a large batch.
    items = list(good)
    items[10] = b"QR=="
    items[11] = b"Q U\x00F=B"
    assert fb.b64decode_many(items) == [fb.b64decode(x) for x in items]
    with pytest.raises(binascii.Error, match=r"^item 10: Only base64 data is allowed$"):
        fb.b64decode_many(items[:10] + [items[11]], validate=True)


def test_input_types():
    data = b"ferrocodec"
    enc = std.b64encode(data)
    a = array.array("B", data)
    strided = memoryview(b"xfxexrxrxoxcxoxdxexc")[1::2]
    assert fb.b64encode_many([data, bytearray(data), memoryview(data), a]) == [enc] * 4
    strided_enc = memoryview(bytes(b for c in enc for b in (c, 0)))[::2]
    assert fb.b64decode_many([enc, enc.decode(), bytearray(enc), memoryview(enc),
                              array.array("B", enc), strided_enc]) == [data] * 6
    assert outcome(fb.b64encode_many, [data, strided]) == loop(std.b64encode, [data, strided])
    for bad in (5, None, "é", "abc\udc80"):
        assert outcome(fb.b64decode_many, [enc, bad]) == loop(std.b64decode, [enc, bad])
    for bad in (5, "text", None):
        assert outcome(fb.b64encode_many, [data, bad]) == loop(std.b64encode, [data, bad])
    # Any iterable; not a single payload (a str or bytes is not a batch).
    assert fb.b64encode_many(iter([data])) == [enc]
    assert fb.b64decode_many(x for x in [enc]) == [data]
    assert fb.b64encode_many([]) == [] and fb.b64decode_many(()) == []
    for single in (b"QUFB", "QUFB", bytearray(b"QUFB")):
        with pytest.raises(TypeError, match="takes an iterable of payloads"):
            fb.b64decode_many(single)
    with pytest.raises(TypeError, match="takes an iterable of payloads"):
        fb.b64encode_many(b"abc")


def test_arguments():
    with pytest.raises(ValueError, match="invalid altchars"):
        fb.b64encode_many([b"x"], b"-")
    with pytest.raises(ValueError, match="invalid altchars"):
        fb.b64decode_many([b"x"], b"-_!")
    with pytest.raises(ValueError, match="Cannot convert negative int"):
        fb.b64encode_many([b"x"], wrapcol=-1)
    with pytest.raises(TypeError):
        fb.b64encode_many([b"x"], wrapcol=1.5)
    # altchars: '+' or '/' that are not altchars warn once, as b64decode does.
    items = [b"-_-_", b"++//"]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = fb.b64decode_many(items, b"-_")
        single = [fb.b64decode(x, b"-_") for x in items]
    assert got == single
    assert [str(x.message) for x in w] == [str(w[-1].message)] * 2
    assert w[0].category is FutureWarning


# b64decode_array

def vectors(n, dim, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, dim)).astype(np.float32)


def test_decode_array_is_np_stack_of_frombuffer():
    vecs = vectors(300, 1536)
    text = [std.b64encode(v.tobytes()).decode() for v in vecs]
    got = fb.b64decode_array(text, np.float32)
    ref = np.stack([np.frombuffer(std.b64decode(t), np.float32) for t in text])
    assert got.dtype == np.float32 and got.shape == (300, 1536)
    assert np.array_equal(got, ref) and np.array_equal(got, vecs)
    assert got.flags.c_contiguous and got.flags.writeable
    # Other dtypes, byte orders and input types.
    for dtype in ("uint8", "<f4", ">f4", "i2", "f8", "c8", np.dtype([("a", "u1"), ("b", "<i2")])):
        dt = np.dtype(dtype)
        payloads = [bytes(range(6 * dt.itemsize))] * 3
        items = [std.b64encode(p) for p in payloads]
        got = fb.b64decode_array(items, dtype)
        assert got.dtype == dt and got.shape == (3, 6)
        assert got.tobytes() == b"".join(payloads)
    assert fb.b64decode_array([b"QUFB"]).dtype == np.uint8


def test_decode_array_single_payload_and_empty():
    v = vectors(1, 8)[0]
    text = std.b64encode(v.tobytes())
    for single in (text, text.decode(), bytearray(text), memoryview(text)):
        got = fb.b64decode_array(single, np.float32)
        assert got.shape == (8,) and np.array_equal(got, v)
    assert fb.b64decode_array([], np.float32).shape == (0, 0)
    assert fb.b64decode_array(["", ""], np.float32).shape == (2, 0)


def test_decode_array_errors():
    ok = std.b64encode(b"\0" * 8)
    with pytest.raises(ValueError, match=r"^item 2 decodes to 12 bytes, item 0 to 8$"):
        fb.b64decode_array([ok, ok, std.b64encode(b"\0" * 12)], np.float32)
    with pytest.raises(ValueError, match=r"^item 0 decodes to 6 bytes, not a multiple of the dtype's itemsize 4$"):
        fb.b64decode_array([std.b64encode(b"\0" * 6)], np.float32)
    # The first bad item wins, whatever kind of bad it is.
    with pytest.raises(binascii.Error, match=r"^item 1: Incorrect padding$"):
        fb.b64decode_array([ok, ok[:-1], std.b64encode(b"\0" * 12)], np.float32)
    with pytest.raises(ValueError, match=r"^item 1 decodes to 4 bytes"):
        fb.b64decode_array([ok, std.b64encode(b"\0" * 4), ok[:-1]], np.float32)
    with pytest.raises(binascii.Error, match=r"^item 0: Incorrect padding$"):
        fb.b64decode_array([ok[:-1], ok])
    with pytest.raises(binascii.Error, match=r"^item 1: Only base64 data is allowed$"):
        fb.b64decode_array([ok, b"AAAA AAAA=="], validate=True)
    # Lenient decoding drops junk, as b64decode does, so such rows fit.
    got = fb.b64decode_array([ok, b"AA AA\nAA*AA AAA=", b"AAAAAAAAAAA="])
    assert got.tobytes() == b"\0" * 24
    with pytest.raises(TypeError, match=r"^item 1: argument should be a bytes-like"):
        fb.b64decode_array([ok, 7])
    with pytest.raises(TypeError, match="holds Python objects"):
        fb.b64decode_array([ok], object)


def test_decode_array_large_parallel_with_bad_rows():
    vecs = vectors(100, 256, seed=3)
    text = [std.b64encode(v.tobytes()) for v in vecs]
    for i in (0, 50, 99):
        items = list(text)
        items[i] = items[i][:-1]
        with pytest.raises(binascii.Error, match=rf"^item {i}: Incorrect padding$"):
            fb.b64decode_array(items, np.float32)
    # Rows the SIMD engine refuses (whitespace, junk) still decode right.
    items = list(text)
    items[7] = b"\n".join(items[7][j:j + 76] for j in range(0, len(items[7]), 76))
    items[8] = items[8][:100] + b"!" + items[8][100:]
    assert np.array_equal(fb.b64decode_array(items, np.float32), vecs)


def test_b64encode_takes_numpy_arrays_without_copying():
    a = vectors(4, 16)
    assert fb.b64encode(a) == std.b64encode(a)
    assert fb.b64encode_many(list(a)) == [std.b64encode(row) for row in a]
    # Non-contiguous arrays get the stdlib's error.
    assert outcome(fb.b64encode, a[:, ::2]) == outcome(std.b64encode, a[:, ::2])
