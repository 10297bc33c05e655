"""ferrocodec.json decoding against the standard library (CPython 3.14 semantics)."""

import decimal
import gc
import io
import json
import pickle
import sys
import threading
import weakref

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ferrocodec import json as fj
from json_oracle import canon, expected_loads, outcome

# --- generated documents ---------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.text(max_size=8), children, max_size=6),
    max_leaves=30,
)
dump_options = st.fixed_dictionaries(
    {},
    optional={
        "ensure_ascii": st.booleans(),
        "indent": st.none() | st.integers(0, 4) | st.sampled_from(["", "\t", " \n "]),
        "separators": st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]),
        "sort_keys": st.booleans(),
    },
)


def check(doc, **kwargs):
    assert outcome(fj.loads, doc, **kwargs) == expected_loads(doc, **kwargs)


@given(values, dump_options)
def test_generated_documents(value, options):
    doc = json.dumps(value, **options)
    check(doc)
    check(doc.encode("utf-8", "surrogatepass"))


@given(values, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]))
def test_bytes_in_every_encoding(value, encoding):
    doc = json.dumps(value)
    check(doc.encode(encoding))
    check(bytearray(doc.encode(encoding)))


# --- mutations of valid documents -------------------------------------------

NASTY = [b"", b",", b"]", b"}", b"[", b"{", b'"', b"\\", b"\\u", b"\\ud800", b"\\x", b":", b" ", b"\n",
         b"\x00", b"\x1f", b"\x7f", b"\xc3", b"\xff", b"\xed\xa0\x80", b"e", b"-", b".", b"0", b"NaN", b"nul"]


@given(values, st.data())
def test_mutated_documents(value, data):
    doc = json.dumps(value, ensure_ascii=data.draw(st.booleans())).encode("utf-8", "surrogatepass")
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(doc)))
        j = data.draw(st.integers(i, min(len(doc), i + 3)))
        doc = doc[:i] + data.draw(st.sampled_from(NASTY) | st.binary(max_size=3)) + doc[j:]
    check(doc)
    text = doc.decode("utf-8", "surrogatepass") if _decodes(doc) else None
    if text is not None:
        check(text)
        check(text, strict=False)


def _decodes(b):
    try:
        b.decode("utf-8", "surrogatepass")
        return True
    except UnicodeDecodeError:
        return False


@given(st.text(alphabet=st.sampled_from('[]{},:" \\u0123456789abcdefABCDEF.eE+-ntrufalsNIy\n\t\x01\x1f\ud800\udc00é😀'),
               max_size=40))
def test_grammar_soup(text):
    check(text)
    check(text, strict=False)
    check(text.encode("utf-8", "surrogatepass"))


# --- conformance files -------------------------------------------------------


def _conformance_files(shared_dir):
    suite = sorted((shared_dir / "conformance" / "json-test-suite").glob("*.json"))
    checker = sorted((shared_dir / "conformance" / "json-checker").glob("*.json"))
    assert len(suite) > 300 and checker
    return suite + checker


def test_conformance_files(shared_dir):
    mismatches = []
    for path in _conformance_files(shared_dir):
        raw = path.read_bytes()
        docs = [raw, bytearray(raw)]
        if _decodes(raw):
            docs.append(raw.decode("utf-8", "surrogatepass"))
        for doc in docs:
            got, want = outcome(fj.loads, doc), expected_loads(doc)
            if got != want:
                mismatches.append((path.name, type(doc).__name__, got, want))
    assert not mismatches


def test_blns_round_trip(shared_dir):
    lines = (shared_dir / "conformance" / "blns.txt").read_text("utf-8").split("\n")
    assert len(lines) > 500
    for line in lines:
        for ensure_ascii in (True, False):
            assert fj.loads(json.dumps(line, ensure_ascii=ensure_ascii)) == line


def test_benchmark_corpus_equals_stdlib(shared_dir):
    for path in sorted((shared_dir / "bench-data").glob("*.json")):
        raw = path.read_bytes()
        assert canon(fj.loads(raw)) == canon(json.loads(raw)), path.name
        assert canon(fj.loads(raw.decode())) == canon(json.loads(raw.decode())), path.name


# --- keywords and hooks ------------------------------------------------------


def test_hooks_see_what_the_stdlib_hooks_see():
    doc = '{"a": [1, 2.50, -0, 1e400, NaN, -Infinity, Infinity, {"b": null, "b": true}], "c": "x"}'
    for kwargs in [
        {"parse_float": decimal.Decimal},
        {"parse_int": str, "parse_float": str},
        {"parse_constant": lambda c: ("constant", c)},
        {"object_hook": lambda d: sorted(d.items())},
        {"object_pairs_hook": list},
        {"object_pairs_hook": list, "object_hook": dict},
        {"object_hook": lambda d: None},
    ]:
        calls_std, calls_fc = [], []

        def spy(log, hook):
            return lambda *a: (log.append(canon(a)), hook(*a))[1]

        std_kwargs = {k: spy(calls_std, v) for k, v in kwargs.items()}
        fc_kwargs = {k: spy(calls_fc, v) for k, v in kwargs.items()}
        assert outcome(fj.loads, doc, **fc_kwargs) == outcome(json.loads, doc, **std_kwargs)
        assert calls_fc == calls_std


def test_parse_float_receives_the_exact_text():
    texts = []
    fj.loads("[1.10, 2E+3, -0.0e-0]", parse_float=lambda t: texts.append(t))
    assert texts == ["1.10", "2E+3", "-0.0e-0"]


def test_hook_errors_propagate():
    def boom(_):
        raise KeyError("hook")

    for kwargs in ({"object_hook": boom}, {"parse_int": boom}, {"object_pairs_hook": boom}):
        assert outcome(fj.loads, '{"a": 1}', **kwargs) == outcome(json.loads, '{"a": 1}', **kwargs)


def test_strict_false_keeps_control_characters():
    doc = '["a\x00b\x1f\n\t"]'
    check(doc)
    check(doc, strict=False)
    assert fj.loads(doc, strict=False) == ["a\x00b\x1f\n\t"]


def test_nan_and_infinities_are_the_stdlib_objects():
    got = fj.loads("[NaN, Infinity, -Infinity]")
    assert [x is y for x, y in zip(got, json.loads("[NaN, Infinity, -Infinity]"))] == [True] * 3
    assert fj.loads("[NaN]") == json.loads("[NaN]")


def test_floats_are_float_of_the_text():
    for text in ["1e400", "-1e400", "1e-400", "0.1", "2.2250738585072011e-308", "4.9e-324",
                 "9007199254740993", "9007199254740993.0", "1.7976931348623157e308", "-0.0",
                 "123456789012345678901234567890.5e-10"]:
        assert canon(fj.loads(text)) == canon(json.loads(text))


@given(x=st.floats(allow_nan=False, allow_infinity=False),
       digits=st.integers(1, 25), exp=st.integers(-350, 330), lead=st.integers(0, 30))
def test_number_text_reads_as_float_and_int_do(x, digits, exp, lead):
    # The scanner computes numbers itself (Clinger, Eisel-Lemire, core's
    # parser for the rest): the same value as float(text) / int(text), sign
    # of zero included.
    texts = [repr(x), f"{x:.{digits}e}", f"{x:.{min(digits, 20)}f}",
             f"{digits}e{exp}", f"-0.{'0' * lead}{digits}e{exp}", str(int(x) if abs(x) < 1e30 else digits),
             f"{'9' * digits}", f"-{'1' * digits}.{'0' * lead}5"]
    for text in texts:
        text = text.replace("e+", "e")
        doc = f"[{text}, {{\"k\": {text}}}]"
        got, want = fj.loads(doc), json.loads(doc)
        assert canon(got) == canon(want), text
        assert type(got[0]) is type(want[0])


def test_big_integers_and_the_digit_limit():
    for digits in [18, 19, 20, 100, 4300]:
        check("9" * digits)
        check("-" + "9" * digits)
    check("1" * 4301)
    check("[" + "1" * 5000 + "]")
    if hasattr(sys, "set_int_max_str_digits"):
        old = sys.get_int_max_str_digits()
        try:
            sys.set_int_max_str_digits(5000)
            check("1" * 5000)
            check("1" * 5001)
        finally:
            sys.set_int_max_str_digits(old)


def test_deep_nesting_raises_recursion_error():
    for doc in ["[" * 1_000_000, "{\"a\":" * 1_000_000, "[" * 100_000 + "]" * 100_000]:
        assert outcome(fj.loads, doc)[:2] == ("err", "RecursionError")
        assert outcome(json.loads, doc)[:2] == ("err", "RecursionError")
    nested = "[" * 50 + "]" * 50
    assert fj.loads(nested) == json.loads(nested)


def test_recursion_error_message():
    with pytest.raises(RecursionError) as fc:
        fj.loads("[" * 100_000)
    with pytest.raises(RecursionError) as std:
        json.loads("[" * 100_000)
    assert str(fc.value) == str(std.value)


# --- inputs, errors, classes --------------------------------------------------


@pytest.mark.parametrize("doc", [
    "\ufeff[1]", b"\xef\xbb\xbf[1]", b"\xef\xbb\xbf\xef\xbb\xbf[1]", "[1]".encode("utf-16"),
    b"[\"\xed\xa0\x80\"]", b"[\"\xff\"]", b"\x00", b"1\x00", b"[1", "[\"\ud800\udc00\"]", '"\\ud83d\\ude00"',
    '"\\ud83d"', '"\\udc00\\ud800"', '"\\ud800\\u0041"', '"\\ud800\\uzzzz"', '"\\ud800\\"',
])
def test_encodings_boms_and_surrogates(doc):
    check(doc)


@pytest.mark.parametrize("bad", [None, 1, 1.5, [], memoryview(b"[]"), object()])
def test_type_errors(bad):
    assert outcome(fj.loads, bad) == outcome(json.loads, bad)


def test_decode_error_is_the_stdlib_class():
    with pytest.raises(json.JSONDecodeError) as info:
        fj.loads('{"a": 1,\n "b" 2}')
    e = info.value
    assert isinstance(e, fj.JSONDecodeError) and isinstance(e, ValueError)
    assert (e.msg, e.pos, e.lineno, e.colno) == ("Expecting ':' delimiter", 14, 2, 6)
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is fj.JSONDecodeError and again.args == e.args
    assert fj.JSONDecodeError is fj.decoder.JSONDecodeError


def test_raw_decode_and_scan_once():
    d = fj.JSONDecoder()
    for s, idx in [("[1] tail", 0), ("xx{\"é\": 2}yy", 2), ("é[1]", 1), ("  1", 0), ("[1 2]", 0), ("", 0), ("1", 5)]:
        assert outcome(d.raw_decode, s, idx) == outcome(json.JSONDecoder().raw_decode, s, idx)
    with pytest.raises(StopIteration) as stop:
        d.scan_once("é x", 2)
    assert stop.value.value == 2
    assert outcome(d.scan_once, "1", -1) == outcome(json.JSONDecoder().scan_once, "1", -1)
    assert outcome(d.scan_once, b"1", 0) == outcome(json.JSONDecoder().scan_once, b"1", 0)


def test_decoder_subclass_and_cls():
    class Upper(fj.JSONDecoder):
        def decode(self, s):
            return super().decode(s.upper())

    class Pairs(fj.JSONDecoder):
        def __init__(self, **kw):
            super().__init__(object_pairs_hook=list, **kw)

    class Raw(fj.JSONDecoder):
        def raw_decode(self, s, idx=0):
            obj, end = super().raw_decode(s, idx)
            return ("raw", obj), end

    assert fj.loads('["a"]', cls=Upper) == ["A"]
    assert fj.loads('{"a": 1}', cls=Pairs) == [("a", 1)]
    assert fj.loads("[1]", cls=Raw) == ("raw", [1])
    assert fj.loads(b"[2]", cls=Raw) == ("raw", [2])
    assert outcome(fj.loads, "\ufeff[1]", cls=Raw) == outcome(json.loads, "\ufeff[1]")
    with pytest.raises(TypeError):
        fj.loads("[1]", unknown=True)
    assert outcome(fj.JSONDecoder().decode, b"[1]") == outcome(json.JSONDecoder().decode, b"[1]")


def test_load_reads_the_file():
    assert fj.load(io.StringIO('{"a": [1]}')) == {"a": [1]}
    assert fj.load(io.BytesIO(b'{"a": [1]}'), object_pairs_hook=list) == [("a", [1])]


def test_str_subclasses_and_duplicate_keys():
    class S(str):
        pass

    assert fj.loads(S('{"k": 1, "k": 2}')) == {"k": 2}
    check(S('{"k": 1, "k": 2}'))


def test_objects_of_every_size():
    # Members wait on a stack until their object ends; the dict is then made
    # at its final size (from 6 members). Sizes around that bound and the
    # table sizes, duplicate keys among many, and objects inside objects.
    for n in [0, 1, 5, 6, 7, 8, 10, 11, 21, 22, 43, 44, 87, 1000, 5000]:
        members = [(f"k{i % max(1, n - 3)}", [i, {"in": i}] if i % 7 == 0 else i) for i in range(n)]
        doc = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in members) + "}"
        for kwargs in [{}, {"object_pairs_hook": list}, {"object_hook": lambda d: sorted(d.items())}]:
            assert outcome(fj.loads, doc, **kwargs) == outcome(json.loads, doc, **kwargs)
        # Cut anywhere: the members read so far are released, the error is the stdlib's.
        for cut in range(0, len(doc), max(1, len(doc) // 40)):
            assert outcome(fj.loads, doc[:cut]) == expected_loads(doc[:cut])


def test_hook_raising_with_members_waiting():
    def hook(d):
        if "boom" in d:
            raise KeyError("boom")
        return d

    doc = '{"a": 1, "b": [1, 2], "c": {"d": 1, "boom": 2}, "e": 3, "f": 4, "g": 5, "h": 6}'
    assert outcome(fj.loads, doc, object_hook=hook) == outcome(json.loads, doc, object_hook=hook)
    # The thread's next decode is unaffected by what the failed one left.
    assert fj.loads('{"x": [1, {"y": 2}]}') == {"x": [1, {"y": 2}]}


def test_key_cache_never_mixes_keys():
    keys = [f"k{i}" for i in range(5000)] + ["a" * 64, "a" * 63 + "b", "x" * 65, "", "é"]
    doc = json.dumps([{k: i} for i, k in enumerate(keys)] * 2)
    assert fj.loads(doc) == json.loads(doc)
    # Keys alike in their length and first and last eight bytes (what the
    # cache hashes), differing in one byte between, at every length and place.
    alike = [
        "a" * 8 + "m" * i + c + "m" * (n - 17 - i) + "z" * 8
        for n in range(17, 65)
        for i in range(n - 16)
        for c in "mn"
    ]
    doc = json.dumps([{k: i} for i, k in enumerate(alike)] * 2)
    assert fj.loads(doc) == json.loads(doc)


def test_reentrant_hooks():
    inner = lambda d: fj.loads(json.dumps(d))  # noqa: E731 - a hook that calls loads again
    doc = '[{"a": {"b": 1}}, {"a": 2}]'
    assert fj.loads(doc, object_hook=inner) == json.loads(doc, object_hook=inner)


def test_dicts_are_the_size_of_the_stdlibs():
    # Decoded dicts get CPython's str-keys table at the size the stdlib's
    # decoder leaves them (not the larger general table of
    # _PyDict_NewPresized), whatever the member count.
    for n in [*range(1, 100), 170, 171, 1000]:
        text = json.dumps({f"k{i}": i for i in range(n)})
        assert sys.getsizeof(fj.loads(text)) == sys.getsizeof(json.loads(text)), n
    # Repeated keys: the last value, in the first one's place.
    text = '{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "a": 6, "f": 7, "g": 8}'
    assert list(fj.loads(text).items()) == list(json.loads(text).items())


# --- repeated records -----------------------------------------------------
# From the fourth record with the same keys in the same order, a dict is a
# copy of a template that holds those keys (rust/ferrocodec-python/src/
# shapes.rs), with the values written into it. Each must still be the
# dict the stdlib makes: items, order, size, and whether the collector
# tracks it.


def same_dicts(got, want):
    assert got == want
    assert list(got.items()) == list(want.items())
    assert sys.getsizeof(got) == sys.getsizeof(want)
    assert gc.is_tracked(got) == gc.is_tracked(want)


def test_repeated_records_are_the_stdlibs():
    leaves = [1, "x", 2.5, None, True, 10**30]
    for n in [*range(1, 30), 40, 127, 128, 129, 200]:
        keys = [f"k{i}" for i in range(n)]
        rows = []
        for r in range(6):
            # Leaves only (an untracked dict), or one container among them.
            row = {k: leaves[(i + r) % len(leaves)] for i, k in enumerate(keys)}
            if r % 2:
                row[keys[r % n]] = [r] if r % 4 == 1 else {"inner": r}
            rows.append(row)
        text = json.dumps(rows * 2)
        got, want = fj.loads(text), json.loads(text)
        for g, w in zip(got, want, strict=True):
            same_dicts(g, w)
        # Copies, not the same object, nor sharing the template's values.
        assert got[4] is not got[10]
        got[4][keys[0]] = "changed"
        assert fj.loads(text) == want


def test_repeated_records_with_hooks():
    text = json.dumps([{"a": 1, "b": 2.5, "c": [3]}] * 5 + [{"a": 1, "b": 2.5, "c": 3}] * 5)
    for hooks in [
        {"object_hook": dict},
        {"object_hook": lambda d: sorted(d.items())},
        {"parse_int": lambda s: (int(s),)},
        {"parse_float": decimal.Decimal},
        {"parse_int": lambda s: None},
    ]:
        got, want = fj.loads(text, **hooks), json.loads(text, **hooks)
        assert got == want, hooks
        for g, w in zip(got, want, strict=True):
            if isinstance(w, dict):
                same_dicts(g, w)


def test_repeated_records_in_other_orders_and_with_repeated_keys():
    for rows in [
        [{"a": 1, "b": 2}, {"b": 3, "a": 4}] * 4,
        [{"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2}, {"a": 1, "c": 3, "b": 2}] * 4,
    ]:
        text = json.dumps(rows)
        for g, w in zip(fj.loads(text), json.loads(text), strict=True):
            same_dicts(g, w)
    # A key twice in a record: the last value, in the first one's place.
    text = "[" + ", ".join(['{"a": 1, "b": 2, "a": 3}'] * 5 + ['{"a": 1, "b": 2}'] * 5) + "]"
    for g, w in zip(fj.loads(text), json.loads(text), strict=True):
        same_dicts(g, w)
    # Keys that are not cached (long, non-ASCII, escaped) never match one.
    for key in ["k" * 70, "é", "a\\nb"]:
        text = "[" + ", ".join([f'{{"{key}": 1, "z": 2}}'] * 6) + "]"
        for g, w in zip(fj.loads(text), json.loads(text), strict=True):
            same_dicts(g, w)


def test_repeated_records_keep_reference_counts():
    # Each copy takes references to the template's keys and None values,
    # and the values decoded replace the None: nothing may be left over.
    text = json.dumps([{"k": None, "v": [1], "w": "s"}] * 50 + [{"k": 1, "v": None, "w": None}] * 50)
    assert fj.loads(text) == json.loads(text)
    before = sys.getrefcount(None)
    for _ in range(20):
        got = fj.loads(text)
        del got
    assert sys.getrefcount(None) == before
    # A value moved into a copy is held by it alone, as the stdlib's is.
    counts = []
    for module in (fj, json):
        row = module.loads(text)[10]
        value = row["v"]
        del row
        counts.append(sys.getrefcount(value))
    assert counts[0] == counts[1]


def test_error_doc_of_ascii_bytes_is_an_ascii_str():
    # The error's doc is the bytes decoded; ASCII text gives an ASCII str
    # (the narrowest kind, as CPython makes every str).
    for doc in (b"[1, " + b"x" * 40, b"[" + b" " * 100, "[\"é\", ".encode() + b"x" * 40):
        with pytest.raises(fj.JSONDecodeError) as got:
            fj.loads(doc)
        with pytest.raises(json.JSONDecodeError) as want:
            json.loads(doc)
        assert got.value.doc == want.value.doc
        assert got.value.doc.isascii() == want.value.doc.isascii()
        assert sys.getsizeof(got.value.doc) == sys.getsizeof(want.value.doc)


# --- the garbage collector -------------------------------------------------
# On 3.11 a large document read without hooks pauses the collector (see
# GcPause in pyobj.rs); whatever the path, its state must be the caller's
# afterwards, and hooks must never run with it paused.

BIG = json.dumps([[i, [i + 0.5], {"k": [i], "s": "x" * (i % 7)}] for i in range(2000)])


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_is_kept(enabled):
    def lines_error():
        with pytest.raises(fj.JSONDecodeError) as e:
            fj.loads_lines(BIG + "\n[1,\n")
        assert (e.value.msg, e.value.lineno) == ("Expecting value", 2)

    def deep():
        with pytest.raises(RecursionError):
            fj.loads("[" * 100_000 + " " * 5000)

    calls = [
        lambda: check(BIG),
        lambda: check(BIG.encode()),
        lambda: check(bytearray(BIG.encode())),
        lambda: fj.JSONDecoder().decode(BIG),
        lambda: fj.loads_lines(BIG + "\n" + BIG + "\n"),
        lambda: fj.loads_lines((BIG + "\n") * 200),
        lambda: fj.loads_many([BIG, BIG.encode()] * 50),
        # Errors: the stdlib's, and the collector as it was.
        lambda: check(BIG[:-1]),
        lambda: check(BIG + " x"),
        lambda: check(BIG.encode()[:-1]),
        lines_error,
        deep,
    ]
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        for call in calls:
            call()
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_other_threads_never_see_the_collector_paused():
    # loads_lines of a long text scans on a pool thread and waits for it
    # detached: other threads run then.
    seen = set()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen.add(gc.isenabled())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            fj.loads_lines((BIG + "\n") * 40)
            fj.loads(BIG)
    finally:
        stop.set()
        watcher.join()
    assert seen == {True}


def test_hooks_run_with_the_collector_on():
    seen = []

    def note(result):
        seen.append(gc.isenabled())
        return result

    hooks = {
        "object_hook": note,
        "object_pairs_hook": lambda pairs: note(dict(pairs)),
        "parse_float": lambda s: note(float(s)),
        "parse_int": lambda s: note(int(s)),
    }
    for name, hook in hooks.items():
        seen.clear()
        assert fj.loads(BIG, **{name: hook}) == json.loads(BIG, **{name: hook})
        assert seen and all(seen), name
    seen.clear()
    assert len(fj.loads_lines(BIG + "\n" + BIG, object_hook=note)) == 2
    assert seen and all(seen)
    seen.clear()
    doc = BIG[:-1] + ", NaN]"
    assert str(fj.loads(doc, parse_constant=lambda s: note(s))[-1]) == "NaN"
    assert seen == [True]


def test_values_of_a_large_document_are_tracked_and_collectable():
    value = fj.loads(BIG)
    assert value == json.loads(BIG)
    assert gc.is_tracked(value)
    assert all(gc.is_tracked(item) and gc.is_tracked(item[1]) for item in value)
    # A cycle made from the result is garbage the collector finds.
    marker = Marker()
    value[0][1].extend([value, marker])
    ref = weakref.ref(marker)
    del value, marker
    gc.collect()
    assert ref() is None


class Marker:
    pass
