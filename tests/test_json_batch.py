"""Batch and JSON Lines APIs of ferrocodec.json (not in the stdlib).

Their oracle is the stdlib applied item by item: ``loads_many(ts)`` is
``[json.loads(t) for t in ts]``, ``loads_lines(s)`` is ``json.loads`` of each
non-blank line (an error names the line), ``dumps_lines(objs)`` is
``json.dumps`` of each object plus a newline.
"""

import decimal
import io
import json as std_json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ferrocodec import json as fj
from json_oracle import canon, outcome

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)


def first_error_or_values(fn, items):
    out = []
    for item in items:
        r = outcome(fn, item)
        if r[0] != "ok":
            return r
        out.append(r[1])
    return ("ok", ("list", tuple(out)))


@given(docs=st.lists(values.map(std_json.dumps), max_size=20), as_bytes=st.booleans())
def test_loads_many_matches_loads(docs, as_bytes):
    texts = [d.encode() if as_bytes and i % 2 else d for i, d in enumerate(docs)]
    assert outcome(fj.loads_many, texts) == first_error_or_values(std_json.loads, texts)


@given(docs=st.lists(st.sampled_from(['1', '[1,', '{"a": x}', '"\\ud800"', '[]', 'nul', '1e400']), max_size=8))
def test_loads_many_first_error_wins(docs):
    assert outcome(fj.loads_many, docs) == first_error_or_values(std_json.loads, docs)


def test_loads_many_hooks_and_cls():
    texts = ['{"a": 1.5}', '[2, {"b": 3}]']
    for kw in [dict(parse_float=decimal.Decimal), dict(object_pairs_hook=list), dict(parse_int=str),
               dict(object_hook=lambda d: sorted(d))]:
        assert fj.loads_many(texts, **kw) == [std_json.loads(t, **kw) for t in texts]

    class Upper(fj.JSONDecoder):
        def decode(self, s):
            return super().decode(s.upper() if isinstance(s, str) else s)

    assert fj.loads_many(['"a"', '"b"'], cls=Upper) == ["A", "B"]
    assert fj.loads_many([]) == []
    assert fj.loads_many(iter(['1', '2'])) == [1, 2]

    class Sized:
        def __len__(self):
            raise AssertionError("loads_many must not call __len__")

    items = ["1"] * 10 + [Sized()]
    assert outcome(fj.loads_many, items) == first_error_or_values(std_json.loads, items)


# Over 64 KiB, loads_lines and loads_many scan on a pool thread while the
# calling thread builds the values (on every build): documents that fail to
# scan, documents nested too deep for a tape and those reached before the scan
# are read directly, and every outcome must still be the stdlib's.
filler = [std_json.dumps({"id": i, "s": "caf\u00e9 \n" * 3, "v": [i / 7, None, True]}, ensure_ascii=i % 2)
          for i in range(1500)]
many_odd = st.sampled_from(["[1,", "x", '"\\ud800"', "\ud800", "\ufeff1", "[" * 300 + "]" * 300, "1e400",
                            b"\xef\xbb\xbf[1]", b"\xff1", '"\\u00e9"'.encode("utf-16"), bytearray(b"[2]"),
                            b'"caf\xc3\xa9"', 7, None])


@settings(max_examples=40, deadline=None)
@given(extra=st.lists(values.map(std_json.dumps) | many_odd, max_size=5), where=st.integers(0, len(filler)),
       as_bytes=st.booleans())
def test_loads_many_over_the_pipeline_threshold_matches_loads(extra, where, as_bytes):
    # Over 64 KiB of text a pool thread scans the texts; items it cannot read
    # (bytearray, other encodings, BOM, non-str) and failures go through loads.
    base = [f.encode() if as_bytes and i % 3 else f for i, f in enumerate(filler)]
    texts = base[:where] + extra + base[where:]
    assert outcome(fj.loads_many, texts) == first_error_or_values(std_json.loads, texts)


def expected_lines(text, **kw):
    """The stdlib on each non-blank line; an error shifted to its line."""
    values = []
    for i, line in enumerate(text.split("\n")):
        if not line.strip(" \t\r"):
            continue
        try:
            values.append(std_json.loads(line, **kw))
        except std_json.JSONDecodeError as e:
            return ("err", e.msg, e.lineno + i, e.colno)
    return ("ok", canon(values))


def got_lines(fn, *args, **kw):
    try:
        return ("ok", canon(list(fn(*args, **kw))))
    except std_json.JSONDecodeError as e:
        return ("err", e.msg, e.lineno, e.colno)


line_docs = st.lists(values.map(std_json.dumps) | st.sampled_from(["", "  ", "\r", "[1,", "{]", "x", "1 2"]),
                     max_size=15)


@given(lines=line_docs, final_newline=st.booleans(), crlf=st.booleans())
def test_loads_lines_matches_loads_per_line(lines, final_newline, crlf):
    text = ("\r\n" if crlf else "\n").join(lines) + ("\n" if final_newline else "")
    expected = expected_lines(text)
    assert got_lines(fj.loads_lines, text) == expected
    assert got_lines(fj.loads_lines, text.encode()) == expected
    assert got_lines(fj.loads_lines, bytearray(text.encode())) == expected
    for block in (7, 64, 1 << 20):
        assert got_lines(fj.load_lines, io.StringIO(text), block_size=block) == expected
        assert got_lines(fj.load_lines, io.BytesIO(text.encode()), block_size=block) == expected


odd_lines = st.sampled_from(["[1,", "{]", "x", "1 2", '"\\ud800"', '"a\tb"', '"\\u00e9\\n"',
                             "[" * 300 + "]" * 300, '{"a": [' * 200 + "1" + "]}" * 200, "1e400", "-0"])


@settings(max_examples=40, deadline=None)
@given(extra=st.lists(values.map(std_json.dumps) | odd_lines, max_size=6), where=st.integers(0, len(filler)),
       strict=st.booleans())
def test_loads_lines_over_the_pipeline_threshold_matches_per_line(extra, where, strict):
    text = "\n".join(filler[:where] + extra + filler[where:])
    assert len(text) > 64 * 1024
    expected = expected_lines(text, strict=strict)
    assert got_lines(fj.loads_lines, text, strict=strict) == expected
    assert got_lines(fj.loads_lines, text.encode(), strict=strict) == expected


def test_loads_lines_over_the_pipeline_threshold_hook_errors_keep_their_order():
    def hook(d):
        if d.get("id") == 700:
            raise KeyError("hook failed")
        return d

    text = "\n".join(filler[:1000] + ["[1,"] + filler[1000:])
    with pytest.raises(KeyError, match="hook failed"):
        fj.loads_lines(text, object_hook=hook)
    with pytest.raises(KeyError, match="hook failed"):
        fj.loads_many(filler[:1000] + ["[1,"] + filler[1000:], object_hook=hook)
    seen = []
    assert fj.loads_many(filler, object_hook=lambda d: seen.append(d["id"]) or d) == [std_json.loads(f) for f in filler]
    assert seen == list(range(len(filler)))  # hooks run in order, on the calling thread
    with pytest.raises(fj.JSONDecodeError) as info:
        fj.loads_lines(text)
    assert (info.value.lineno, info.value.colno) == (1001, 4)
    deep = "\n".join(filler[:1000] + ["[" * 100_000 + "]" * 100_000] + filler[1000:])
    with pytest.raises(RecursionError):
        std_json.loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(RecursionError):
        fj.loads_lines(deep)
    assert fj.loads_lines("\n".join(filler)) == [std_json.loads(f) for f in filler]


def test_loads_lines_error_is_a_decode_error_of_the_whole_text():
    text = '{"a": 1}\n[2]\n[3,]\n'
    with pytest.raises(std_json.JSONDecodeError) as info:
        fj.loads_lines(text)
    e = info.value
    assert isinstance(e, fj.JSONDecodeError)
    assert (e.msg, e.doc, e.pos, e.lineno, e.colno) == ("Illegal trailing comma before end of array",
                                                       text, 15, 3, 3)


def test_loads_lines_inputs():
    assert fj.loads_lines("") == [] and fj.loads_lines(b"\n\n") == []
    assert fj.loads_lines(b"\xef\xbb\xbf1\n2") == [1, 2]  # utf-8-sig
    assert fj.loads_lines('"\\ud800"\n"\ud800"') == ["\ud800", "\ud800"]
    assert fj.loads_lines("1\n2", parse_int=str) == ["1", "2"]
    with pytest.raises(fj.JSONDecodeError, match="Unexpected UTF-8 BOM"):
        fj.loads_lines("\ufeff1")
    with pytest.raises(UnicodeDecodeError):
        fj.loads_lines(b"1\n\xff\n")
    with pytest.raises(TypeError, match="must be str, bytes or bytearray, not int"):
        fj.loads_lines(1)


def test_loads_lines_large_input_and_hooks():
    # Over the parallel threshold: on a free-threaded build this runs on all cores.
    records = [{"id": i, "name": f"n{i}", "tags": ["a", "é"], "x": i / 3} for i in range(20000)]
    text = "".join(std_json.dumps(r) + "\n" for r in records)
    assert fj.loads_lines(text) == records
    assert fj.loads_lines(text.encode()) == records
    seen = []
    assert fj.loads_lines(text, object_hook=lambda d: seen.append(1) or d) == records
    assert len(seen) == len(records)
    bad = text + "[\n" + text
    with pytest.raises(fj.JSONDecodeError) as info:
        fj.loads_lines(bad)
    assert info.value.lineno == 20001
    assert list(fj.load_lines(io.BytesIO(text.encode()), block_size=4096)) == records
    assert fj.loads_many([std_json.dumps(r) for r in records]) == records


@given(objs=st.lists(values, max_size=10),
       kw=st.sampled_from([{}, {"sort_keys": True}, {"ensure_ascii": False}, {"separators": (",", ":")}]))
def test_dumps_many_and_lines_match_dumps(objs, kw):
    expected = [std_json.dumps(o, **kw) for o in objs]
    assert fj.dumps_many(objs, **kw) == expected
    assert fj.dumpb_many(objs, **kw) == [e.encode() for e in expected]
    assert fj.dumps_lines(objs, **kw) == "".join(e + "\n" for e in expected)
    assert fj.dumpb_lines(objs, **kw) == "".join(e + "\n" for e in expected).encode()
    assert fj.loads_lines(fj.dumps_lines(objs, **kw)) == objs or objs != std_json.loads(std_json.dumps(objs))


def test_dumps_many_errors_and_hooks():
    objs = [1, {1j: 2}, [3]]
    assert outcome(fj.dumps_many, objs) == outcome(lambda: [std_json.dumps(o) for o in objs])
    assert fj.dumps_many([1j, [2j]], default=repr) == [std_json.dumps(o, default=repr) for o in [1j, [2j]]]
    with pytest.raises(ValueError, match="indent=None"):
        fj.dumps_lines([1], indent=2)
    with pytest.raises(UnicodeEncodeError):
        fj.dumpb_lines(["\ud800"], ensure_ascii=False)

    class Tagged(fj.JSONEncoder):
        def encode(self, o):
            return "<" + super().encode(o) + ">"

    assert fj.dumps_many([1, 2], cls=Tagged) == ["<1>", "<2>"]
    assert fj.dumps_lines([1, 2], cls=Tagged) == "<1>\n<2>\n"
    many = [{"k": i, "v": [i] * 3} for i in range(5000)]
    assert fj.dumps_many(many) == [std_json.dumps(o) for o in many]
    assert fj.dumps_lines(many) == "".join(std_json.dumps(o) + "\n" for o in many)


def test_amazon_cellphones(shared_dir):
    path = shared_dir / "bench-data" / "amazon_cellphones.ndjson"
    data = path.read_bytes()
    expected = [std_json.loads(line) for line in data.splitlines() if line.strip()]
    assert fj.loads_lines(data) == expected
    assert fj.loads_lines(data.decode()) == expected
    with open(path, "rb") as f:
        assert list(fj.load_lines(f, block_size=10_000)) == expected
