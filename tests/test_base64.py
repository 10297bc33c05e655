"""ferrocodec.base64 / ferrocodec.binascii (base64 part) against the standard library."""

import array
import base64 as std_base64
import binascii
import io
import subprocess
import sys
import threading
import warnings

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import b64_reference as ref
from ferrocodec import base64 as fb
from ferrocodec import binascii as fa


def outcome(fn, *args, **kwargs):
    """The result of a call, or the type and message of what it raised."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - comparing whatever is raised
        return ("raise", type(e), str(e))


def oracle_a2b(data, strict_mode=False):
    """The 3.15 answer: the stdlib where it has 3.15 semantics or all versions agree."""
    raw = bytes(data, "ascii") if isinstance(data, str) else bytes(data)
    if ref.STDLIB_HAS_315_SEMANTICS or ref.versions_agree(raw):
        return outcome(binascii.a2b_base64, data, strict_mode=strict_mode)
    return outcome(ref.a2b_base64, raw, strict_mode)


def test_error_is_the_stdlib_class():
    assert fa.Error is binascii.Error
    assert fa.Incomplete is binascii.Incomplete
    with pytest.raises(binascii.Error):
        fb.b64decode(b"abc")


def test_reference_matches_stdlib():
    if not ref.STDLIB_HAS_315_SEMANTICS:
        pytest.skip("this interpreter's binascii predates the 3.14.7/3.15 decoding rules")
    for data in [b"ab==cd", b"abc=d", b"ab=c=", b"=ab", b"ab===", b"AAAA=", b"abcde", b"ab==c=",
                 b"\nab==", b"YQ==YQ==", b"Y=Q=", b"a=b=c=d="]:
        for strict in (False, True):
            assert outcome(ref.a2b_base64, data, strict) == outcome(binascii.a2b_base64, data, strict_mode=strict)


def test_reference_matches_stdlib_ignorechars():
    if not ref.STDLIB_HAS_IGNORECHARS:
        pytest.skip("this interpreter's binascii has no ignorechars (3.15)")
    for data in [b"ab==cd", b"ab\n==", b"YQ==YQ==", b"Y=Q=", b"\n=ab", b"a=\n", b"ab*cd"]:
        for ignore in (b"", b"\n", b"=", b"=\n*"):
            for strict in (None, False, True):
                assert (outcome(ref.a2b_base64, data, strict, ignore)
                        == outcome(binascii.a2b_base64, data, strict_mode=strict, ignorechars=ignore))


# Inputs that reach every branch of the decoder: alphabet, pads, whitespace, junk.
b64ish = st.lists(st.sampled_from(list(b"ABCQRYWJjabz019+/-_====\n\r \t\x0c*\x80")), max_size=80).map(bytes)


@given(data=st.binary(max_size=2000))
def test_b64encode_matches_stdlib(data):
    assert fb.b64encode(data) == std_base64.b64encode(data)
    assert fb.standard_b64encode(data) == std_base64.standard_b64encode(data)
    assert fb.urlsafe_b64encode(data) == std_base64.urlsafe_b64encode(data)
    assert fa.b2a_base64(data) == binascii.b2a_base64(data)
    assert fa.b2a_base64(data, newline=False) == binascii.b2a_base64(data, newline=False)
    assert fb.encodebytes(data) == std_base64.encodebytes(data)


@given(data=st.binary(max_size=300), altchars=st.binary(min_size=2, max_size=2))
def test_b64encode_altchars_matches_stdlib(data, altchars):
    assert fb.b64encode(data, altchars) == std_base64.b64encode(data, altchars)


@given(data=st.binary(max_size=400), wrapcol=st.integers(0, 100))
def test_wrapcol_lines(data, wrapcol):
    # 3.15: a newline after at most every `wrapcol` characters (whole quads);
    # older stdlibs have no wrapcol, so compare with the unwrapped encoding.
    got = fb.b64encode(data, wrapcol=wrapcol)
    flat = std_base64.b64encode(data)
    assert got.replace(b"\n", b"") == flat
    if wrapcol:
        width = max(4, wrapcol // 4 * 4)
        lines = got.split(b"\n")
        assert all(len(line) == width for line in lines[:-1])
        assert 0 < len(lines[-1]) <= width or not data
    else:
        assert got == flat
    assert fa.b2a_base64(data, wrapcol=76) == std_base64.encodebytes(data) or not data


def test_wrapcol_negative():
    # 3.15's b64encode hands wrapcol to b2a_base64, whose size_t converter
    # raises this (only b16encode checks in Python: "Negative wrapcol").
    for call in (lambda w: fb.b64encode(b"abc", wrapcol=w), lambda w: fa.b2a_base64(b"abc", wrapcol=w)):
        with pytest.raises(ValueError, match="^Cannot convert negative int$"):
            call(-1)
        with pytest.raises(OverflowError, match="^Python int too large for C size_t$"):
            call(2 ** 64)
        with pytest.raises(TypeError):
            call(1.0)
        assert call(True) == call(4)


@given(data=b64ish, strict=st.booleans())
def test_a2b_base64_matches_315(data, strict):
    assert outcome(fa.a2b_base64, data, strict_mode=strict) == oracle_a2b(data, strict)


@given(data=st.binary(max_size=600), strict=st.booleans(), newline=st.booleans(), wrap=st.sampled_from([0, 76]))
def test_a2b_base64_encoded_input(data, strict, newline, wrap):
    enc = fa.b2a_base64(data, newline=newline, wrapcol=wrap)
    assert outcome(fa.a2b_base64, enc, strict_mode=strict) == oracle_a2b(enc, strict)


def oracle_ignoring(data, strict_mode=None, ignorechars=None, alphabet=None):
    """3.15's a2b_base64 with ignorechars (and b64decode's alphabet): the
    stdlib where it has them, else the transcription."""
    kw = {} if alphabet is None else {"alphabet": alphabet}
    if ref.STDLIB_HAS_IGNORECHARS:
        if strict_mode is not None:
            kw["strict_mode"] = strict_mode
        return outcome(binascii.a2b_base64, data, ignorechars=ignorechars, **kw)
    return outcome(ref.a2b_base64, bytes(data), strict_mode, ignorechars, **kw)


ignorechars_sets = st.sampled_from([b"", b"\n", b"\r\n", b" \t\n\r\x0c", b"=", b"=\n", b"*\x80", b"A\n", b"-_"])


@given(data=b64ish, strict=st.sampled_from([None, False, True, 1, 0]), ignorechars=ignorechars_sets)
def test_a2b_base64_ignorechars(data, strict, ignorechars):
    kw = {} if strict is None else {"strict_mode": strict}
    expected = oracle_ignoring(data, None if strict is None else bool(strict), ignorechars)
    assert outcome(fa.a2b_base64, data, ignorechars=ignorechars, **kw) == expected
    assert outcome(fa.a2b_base64, data, ignorechars=bytearray(ignorechars), **kw) == expected
    assert outcome(fa.a2b_base64, data.decode("latin-1"), ignorechars=memoryview(ignorechars), **kw) == (
        expected if data.isascii() else outcome(fa.a2b_base64, "\x80"))


@given(data=st.binary(max_size=3000), wrap=st.sampled_from([0, 4, 76]), ignorechars=ignorechars_sets,
       validate=st.sampled_from([None, False, True]))
def test_b64decode_ignorechars(data, wrap, ignorechars, validate):
    # b64decode(s, ignorechars=...) (3.15): strict by default; SIMD-sized inputs too.
    enc = fa.b2a_base64(data, wrapcol=wrap)
    kw = {} if validate is None else {"validate": validate}
    expected = oracle_ignoring(enc, validate, ignorechars)
    assert outcome(fb.b64decode, enc, ignorechars=ignorechars, **kw) == expected
    if expected[0] == "ok":
        assert expected[1] == data


@given(data=b64ish, validate=st.sampled_from([None, False, True]), ignorechars=ignorechars_sets,
       altchars=st.sampled_from([b"-_", b"+/", b"._", b"/+", b"ab", b"=-"]))
def test_b64decode_altchars_and_ignorechars(data, validate, ignorechars, altchars):
    # With ignorechars, 3.15 decodes with the altchars in the alphabet: '+'
    # and '/' are not data unless they are altchars, and nothing warns.
    kw = {} if validate is None else {"validate": validate}
    expected = oracle_ignoring(data, validate, ignorechars, ref._ALPHABET[:-2] + altchars)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert outcome(fb.b64decode, data, altchars, ignorechars=ignorechars, **kw) == expected
    assert caught == []


def test_flags_take_any_truth_value():
    # Argument Clinic's bool converter: any object, by its truth value.
    assert fa.a2b_base64(b"Y Q==", strict_mode=0) == binascii.a2b_base64(b"Y Q==", strict_mode=0) == b"a"
    for flag in (1, "yes", [0]):
        assert outcome(fa.a2b_base64, b"Y Q==", strict_mode=flag) == oracle_a2b(b"Y Q==", True)
        assert outcome(fb.b64decode, b"Y Q==", validate=flag) == oracle_a2b(b"Y Q==", True)
        assert fb.b64decode_many([b"YQ=="], validate=flag) == [b"a"]
    # An explicit None is false (the C default "not given" is not None).
    assert fa.a2b_base64(b"Y Q==", strict_mode=None) == b"a"
    assert fa.a2b_base64(b"Y Q==", strict_mode=None, ignorechars=b"*") == b"a"
    assert fa.b2a_base64(b"a", newline=0) == binascii.b2a_base64(b"a", newline=0) == b"YQ=="
    assert fa.b2a_base64(b"a", newline="") == b"YQ=="
    assert fb.b16decode(b"ab", casefold=1) == std_base64.b16decode(b"ab", casefold=1)

    class Bad:
        def __bool__(self):
            raise ZeroDivisionError("no truth")

    for call in (lambda: fa.a2b_base64(b"", strict_mode=Bad()), lambda: fa.b2a_base64(b"", newline=Bad()),
                 lambda: fb.b64decode(b"", validate=Bad())):
        with pytest.raises(ZeroDivisionError, match="no truth"):
            call()


def test_b64decode_argument_forms():
    # The native common path and the Python general path give one function:
    # explicit None is not "not specified" (validate=None is false, as
    # 3.15's strict_mode=None), other buffer types take the general path.
    data = b"YW\nJj"
    assert fb.b64decode(data, None) == fb.b64decode(data, altchars=None) == b"abc"
    assert fb.b64decode(data, validate=None, ignorechars=b"") == b"abc"
    assert outcome(fb.b64decode, data, ignorechars=b"") == ("raise", binascii.Error, "Only base64 data is allowed")
    for form in (memoryview(data), array.array("B", data), bytearray(data), data.decode()):
        assert fb.b64decode(form) == b"abc"
        assert fb.b64decode(form, ignorechars=b"\n") == b"abc"
        assert outcome(fb.b64decode, form, validate=True) == ("raise", binascii.Error, "Only base64 data is allowed")
    with pytest.raises(TypeError, match="argument should be a bytes-like object or ASCII string, not 'int'"):
        fb.b64decode(1)
    with pytest.raises(TypeError):
        fb.b64decode(data, None, False, b"")  # ignorechars is keyword-only


def test_ignorechars_types():
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'str'"):
        fa.a2b_base64(b"YQ==", ignorechars="\n")
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'str'"):
        fb.b64decode(b"YQ==", ignorechars="\n")


@given(data=st.binary(min_size=1, max_size=300), pos=st.integers(0), junk=st.sampled_from(list(b"=\n*A-_ \x00\xff")),
       op=st.sampled_from(["insert", "replace", "delete", "truncate"]), strict=st.booleans())
def test_corrupted_input(data, pos, junk, op, strict):
    enc = bytearray(std_base64.b64encode(data))
    pos %= len(enc)
    if op == "insert":
        enc.insert(pos, junk)
    elif op == "replace":
        enc[pos] = junk
    elif op == "delete":
        del enc[pos]
    else:
        del enc[pos:]
    enc = bytes(enc)
    assert outcome(fa.a2b_base64, enc, strict_mode=strict) == oracle_a2b(enc, strict)
    assert outcome(fb.b64decode, enc, validate=strict) == oracle_a2b(enc, strict)


@given(data=b64ish, validate=st.booleans())
def test_b64decode_matches_315(data, validate):
    expected = oracle_a2b(data, validate)
    assert outcome(fb.b64decode, data, validate=validate) == expected
    assert outcome(fb.b64decode, data.decode("latin-1"), validate=validate) == (
        expected if data.isascii() else ("raise", ValueError, "string argument should contain only ASCII characters"))
    if not validate:
        assert outcome(fb.standard_b64decode, data) == expected
        assert outcome(fb.decodebytes, data) == expected


@given(data=b64ish, validate=st.booleans(), altchars=st.sampled_from([b"-_", b"+/", b"._", b"/+", b"ab", b"=-"]))
def test_b64decode_altchars(data, validate, altchars):
    translated = data.translate(bytes.maketrans(altchars, b"+/"))
    expected = oracle_a2b(translated, validate)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = outcome(fb.b64decode, data, altchars, validate)
    assert got == expected
    # 3.15: '+' or '/' not in altchars but present in the data warns (only if decoding succeeded).
    bad = next((c for c in b"+/" if c not in altchars and c in data), None)
    want = [] if bad is None or got[0] != "ok" else [DeprecationWarning if validate else FutureWarning]
    assert [w.category for w in caught] == want


@given(data=b64ish)
def test_urlsafe_b64decode(data):
    translated = data.translate(bytes.maketrans(b"-_", b"+/"))
    expected = oracle_a2b(translated, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert outcome(fb.urlsafe_b64decode, data) == expected
    bad = b"+" in data or b"/" in data
    if expected[0] == "ok" and bad:
        assert [w.category for w in caught] == [FutureWarning]
        assert "in URL-safe Base64 data will be discarded in future Python versions" in str(caught[0].message)
    else:
        assert caught == []


def test_warning_points_at_the_caller():
    with pytest.warns(FutureWarning) as rec:
        fb.urlsafe_b64decode(b"ab+/")
    assert rec[0].filename == __file__


def test_altchars_length():
    for altchars in (b"", b"a", b"abc"):
        with pytest.raises(ValueError, match=r"invalid altchars: "):
            fb.b64encode(b"x", altchars)
        with pytest.raises(ValueError, match=r"invalid altchars: "):
            fb.b64decode(b"eA==", altchars)


# --- input types ---------------------------------------------------------------

def _np():
    return pytest.importorskip("numpy")


def buffers(raw: bytes):
    yield bytes(raw)
    yield bytearray(raw)
    yield memoryview(raw)
    yield array.array("B", raw)
    np = _np()
    yield np.frombuffer(raw, dtype=np.uint8)


@pytest.mark.parametrize("raw", [b"", b"hello", bytes(range(256)) * 3])
def test_buffer_types(raw):
    for obj in buffers(raw):
        assert fb.b64encode(obj) == std_base64.b64encode(obj)
        assert fa.b2a_base64(obj) == binascii.b2a_base64(obj)
    enc = std_base64.b64encode(raw)
    for obj in buffers(enc):
        assert fb.b64decode(obj) == raw
        assert fa.a2b_base64(obj) == raw
    # Multi-byte items: the raw bytes are coded, as by the stdlib.
    ints = array.array("i", range(50))
    assert fb.b64encode(ints) == std_base64.b64encode(ints)
    assert fa.a2b_base64(fa.b2a_base64(ints)) == ints.tobytes()


BAD_INPUTS = [
    "str", 12, None, 1.5, ["a"], memoryview(b"abcdef")[::2], "héllo", "\ud800",
    array.array("i", [1, 2, 3]), memoryview(b"abcd").cast("B", (2, 2)),
]


@pytest.mark.parametrize("obj", BAD_INPUTS, ids=repr)
def test_errors_for_odd_inputs_match_stdlib(obj):
    std = [
        (fb.b64encode, std_base64.b64encode), (fb.standard_b64encode, std_base64.standard_b64encode),
        (fb.urlsafe_b64encode, std_base64.urlsafe_b64encode), (fa.b2a_base64, binascii.b2a_base64),
        (fb.encodebytes, std_base64.encodebytes), (fb.decodebytes, std_base64.decodebytes),
        (fb.b64decode, std_base64.b64decode), (fb.standard_b64decode, std_base64.standard_b64decode),
        (fb.urlsafe_b64decode, std_base64.urlsafe_b64decode), (fa.a2b_base64, binascii.a2b_base64),
    ]
    for ours, theirs in std:
        expected = outcome(theirs, obj)
        got = outcome(ours, obj)
        if expected[0] == "ok" and got[0] == "ok" and not ref.STDLIB_HAS_315_SEMANTICS:
            continue  # decoded values may differ by version; types/errors are what we check here
        assert got == expected, (ours.__name__, obj)


# --- sizes: the detached (GIL-released) and SIMD paths ----------------------------

@pytest.mark.parametrize("n", [31 * 1024, 32 * 1024, 100_003, 1 << 20])
def test_large_inputs(n):
    data = bytes((i * 7919) % 251 for i in range(n))
    enc = std_base64.b64encode(data)
    assert fb.b64encode(data) == enc
    assert fb.b64decode(enc) == data
    assert fb.b64decode(enc, validate=True) == data
    lines = std_base64.encodebytes(data)
    assert fb.encodebytes(data) == lines
    assert fb.decodebytes(lines) == data
    assert fb.b64decode(lines) == data
    bad = enc[: n // 2] + b"*" + enc[n // 2:]
    assert outcome(fb.b64decode, bad, validate=True) == ("raise", binascii.Error, "Only base64 data is allowed")
    assert fb.b64decode(bad) == data


def test_many_threads_at_once():
    data = [bytes((i * j) % 256 for j in range(70_000 + i)) for i in range(8)]
    errors = []

    def work(d):
        try:
            for _ in range(20):
                e = fb.b64encode(d)
                assert fb.b64decode(e, validate=True) == d
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in data]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- file interface and CLI ----------------------------------------------------------

@given(data=st.binary(max_size=500))
def test_encode_decode_files(data):
    out_std, out_ours = io.BytesIO(), io.BytesIO()
    std_base64.encode(io.BytesIO(data), out_std)
    fb.encode(io.BytesIO(data), out_ours)
    assert out_ours.getvalue() == out_std.getvalue()
    back = io.BytesIO()
    fb.decode(io.BytesIO(out_ours.getvalue()), back)
    assert back.getvalue() == data


def run_cli(module, *args, stdin=b""):
    return subprocess.run([sys.executable, "-m", module, *args], input=stdin, capture_output=True)


@pytest.mark.parametrize("flag", ["-e", "-d", "-u", None])
def test_cli_matches_stdlib(tmp_path, flag):
    raw = bytes(range(256)) * 5
    src = tmp_path / "in.bin"
    src.write_bytes(std_base64.encodebytes(raw) if flag in ("-d", "-u") else raw)
    args = [flag] if flag else []
    for how in ("file", "stdin", "dash"):
        if how == "file":
            a, stdin = [*args, str(src)], b""
        elif how == "dash":
            a, stdin = [*args, "-"], src.read_bytes()
        else:
            a, stdin = args, src.read_bytes()
        ours, theirs = run_cli("ferrocodec.base64", *a, stdin=stdin), run_cli("base64", *a, stdin=stdin)
        assert ours.returncode == theirs.returncode == 0
        assert ours.stdout == theirs.stdout


def test_cli_bad_option_and_test_flag():
    ours, theirs = run_cli("ferrocodec.base64", "-x"), run_cli("base64", "-x")
    assert ours.returncode == theirs.returncode == 2
    assert ours.stdout == theirs.stdout == b""
    assert ours.stderr.splitlines()[0] == theirs.stderr.splitlines()[0] == b"option -x not recognized"
    out = run_cli("ferrocodec.base64", "-t")
    assert out.returncode == 0
    assert out.stdout.splitlines() == [b"b'Aladdin:open sesame'", b"b'QWxhZGRpbjpvcGVuIHNlc2FtZQ==\\n'",
                                       b"b'Aladdin:open sesame'"]
