"""ferrocodec.json encoding against the standard library: the same text, or the same exception."""

import collections
import decimal
import enum
import io
import itertools
import json
import math
import random
import struct
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ferrocodec import json as fj
from json_oracle import to_older_stdlib


def outcome(fn, *args, **kwargs):
    try:
        return ("ok", fn(*args, **kwargs))
    except RecursionError:
        return ("err", "RecursionError")
    except Exception as e:  # noqa: BLE001 - every exception is part of the outcome
        return ("err", type(e).__name__, str(e), getattr(e, "__notes__", None))


def same(obj, _run=outcome, **kwargs):
    """dumps and dumpb against json.dumps; `_run` calls them (see in_place)."""
    want = outcome(json.dumps, obj, **kwargs)
    assert to_older_stdlib(_run(fj.dumps, obj, **kwargs), want) == want
    if want[0] == "ok":
        try:
            encoded = want[1].encode("utf-8")
        except UnicodeEncodeError as e:
            assert _run(fj.dumpb, obj, **kwargs) == ("err", "UnicodeEncodeError", str(e), None)
        else:
            assert _run(fj.dumpb, obj, **kwargs) == ("ok", encoded)


class MyStr(str):
    pass


class MyInt(int):
    def __repr__(self):
        return "MyInt!"


class MyFloat(float):
    def __repr__(self):
        return "MyFloat!"


class MyList(list):
    pass


class MyDict(dict):
    pass


class Color(enum.IntEnum):
    RED = 1


class Ratio(float, enum.Enum):
    HALF = 0.5


class Name(str, enum.Enum):
    A = "a"


odd_floats = st.sampled_from([0.0, -0.0, 1e-7, 1e16, 1e15, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3,
                              123456789012345680.0, 1e22, 1e-5, 0.0001, math.inf, -math.inf, math.nan])
texts = st.text() | st.sampled_from(["\ud800", "a\udfffb", "\ud83d\ude00", "\x00\x1f\x7f\"\\", "é€😀"])
scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats() | odd_floats | texts
    | st.builds(MyStr, texts) | st.builds(MyInt, st.integers()) | st.builds(MyFloat, st.floats())
    | st.sampled_from([Color.RED, Ratio.HALF, Name.A])
)
keys = (texts | st.integers(-(10**20), 10**20) | st.floats() | st.booleans() | st.none()
        | st.sampled_from([Color.RED, Ratio.HALF, Name.A, MyStr("k")]))
values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=5) | st.lists(c, max_size=5).map(tuple) | st.lists(c, max_size=3).map(MyList)
    | st.dictionaries(keys, c, max_size=5) | st.dictionaries(texts, c, max_size=3).map(MyDict),
    max_leaves=25,
)
options = st.fixed_dictionaries({}, optional={
    "skipkeys": st.booleans(),
    "ensure_ascii": st.booleans(),
    "check_circular": st.booleans(),
    "allow_nan": st.booleans(),
    "indent": st.none() | st.integers(-2, 4) | st.sampled_from(["", "\t", "--", "é"]),
    "separators": st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : "), ("é", "\ud800")]),
    "sort_keys": st.booleans(),
})


@given(values, options)
def test_generated_values(value, kwargs):
    same(value, **kwargs)


# Characters of each str kind (1, 2 and 4 bytes per character) and of each
# escaping class, so that runs of 8 and more of one class (written a block at
# a time from the str's own code units) and mixed runs both occur.
kind_chars = st.sampled_from(["a", " ", "~", '"', "\\", "\n", "\x01", "\x7f", "\x80", "é", "\xff", "\u0100",
                              "日", "\ud800", "\udfff", "\uffff", "\U0001f600", "\U0010ffff"])
kind_texts = st.lists(st.tuples(kind_chars, st.integers(1, 20)), max_size=12).map(
    lambda runs: "".join(c * n for c, n in runs))


def test_ensure_ascii_leaves_strs_as_the_stdlib_does():
    # The C encoder escapes a str from its characters. Asking CPython for a
    # str's UTF-8 instead would leave a copy of it with the str for its
    # lifetime, which sys.getsizeof counts.
    import ferrocodec
    info = ferrocodec.build_info()
    if not (info["layout_in_place"][1] or info["str_state_layout_known"]):
        pytest.skip("this build reads strs through the API")
    # Fresh strs of each kind (literals may have been asked for UTF-8).
    texts = ["".join([c, str(random.random())]) for c in ("caf\xe9", "\u65e5\u672c", "\U0001f600")]
    sizes = [sys.getsizeof(t) for t in texts]
    assert fj.dumps([texts, {t: t for t in texts}]) == json.dumps([texts, {t: t for t in texts}])
    fj.dumpb(texts)
    assert [sys.getsizeof(t) for t in texts] == sizes


def test_short_strs_with_a_special_character_anywhere():
    # Strs up to 17 characters (the one-vector path takes 1 to 15 bytes)
    # with one character to escape, or not, at every position; as values,
    # as keys, first and later in a dict, in every output mode.
    specials = ["", '"', "\\", "\x00", "\x1f", "\x7f", "~", " ", "\xe9", "\u20ac", "\U0001f600"]
    texts = [""]
    for n in range(1, 18):
        base = "abcdefghijklmnopq"[:n]
        texts += [base[:i] + c + base[i + 1:] for c in specials for i in range(n)]
    value = [texts, {t: t for t in texts}, [{"k": t, t: 0} for t in texts]]
    for kwargs in ({}, {"ensure_ascii": False}, {"indent": 1}, {"separators": (",", ":")}):
        same(value, **kwargs)


@given(st.lists(kind_texts, max_size=4), st.booleans())
def test_strs_of_every_kind(texts, ensure_ascii):
    # Each as a value and as a key, and as a str subclass.
    value = [texts, {t: t for t in texts}, [MyStr(t) for t in texts]]
    same(value, ensure_ascii=ensure_ascii)


@given(st.dictionaries(st.text(max_size=3) | st.integers(0, 5), st.integers(), max_size=6), options)
def test_mixed_keys_with_sort_keys(value, kwargs):
    same(value, **kwargs)


@given(st.dictionaries(st.text(st.characters(exclude_categories=())), scalars | st.lists(scalars, max_size=2),
                       max_size=12), options)
def test_str_keys_sorted_by_code_point(value, kwargs):
    # All-str keys are sorted by their UTF-8 bytes; any code point, lone
    # surrogates (which have no UTF-8 form) included, must give sorted()'s order.
    same(value, **{**kwargs, "sort_keys": True})


def test_str_key_order_edges():
    keys = ["", "a", "a\x00", "ab", "b", "\x7f", "\x80", "\u07ff", "\u0800", "\ud7ff", "\ue000",
            "\uffff", "\U00010000", "\U0010ffff", "é", "e\u0301", "Z", "z"]
    for order in (keys, keys[::-1]):
        value = {k: i for i, k in enumerate(order)}
        for kwargs in [{}, {"ensure_ascii": False}, {"indent": 2}]:
            same(value, sort_keys=True, **kwargs)
        same({**value, "\ud800": 1, "\udfff": [2]}, sort_keys=True)
        same({**value, MyStr("m"): 1}, sort_keys=True)
        same({**value, 3: 1}, sort_keys=True)


def test_small_dicts_sorted_by_key():
    # Dicts of up to 3 leaves are sorted on the spot, by an 8-byte prefix
    # and then the whole key: keys equal in their first 8 bytes, keys that
    # are prefixes of others, NUL bytes, and (taking the general path)
    # non-ASCII keys and failing values; every order of insertion.
    keys = ["", "a", "a\x00", "ab", "abcdefgh", "abcdefgh\x00", "abcdefgh1", "abcdefgi", "abcdefg",
            "\x7f", "Z", "\xe9", "\U0001f600"]
    dicts = []
    for a, b, c in itertools.combinations(keys, 3):
        for order in itertools.permutations((a, b, c)):
            dicts.append({k: i for i, k in enumerate(order)})
        dicts.append({a: None, c: "x"})
        dicts.append({c: 1.5, a: []})
    for kwargs in ({}, {"indent": 2}, {"ensure_ascii": False, "separators": (",", ":")}):
        same(dicts, sort_keys=True, **kwargs)
        same({"k": dicts[:50]}, sort_keys=True, **kwargs)
    same([{"b": 1, "a": math.nan}], sort_keys=True, allow_nan=False)
    same([{"b": 10 ** 5000, "a": 1}], sort_keys=True)


def test_unserialisable_values_and_keys():
    for value in [object(), {1j: 1}, [1, {2: {"x": set()}}], {"a": [1, decimal.Decimal("1.5")]},
                  {(1, 2): 3}, {"a": 1, b"b": 2}, {frozenset(): 1}, [{"k": (1, {3.5: bytearray()})}]]:
        same(value)
        same(value, skipkeys=True)
        same(value, sort_keys=True, indent=2)


def test_error_notes_name_every_str_key_on_the_path():
    # A str key whose value is a container is written before the value and
    # not held; the note for an error below it is made from the written text.
    keys = ["a", "caf\u00e9", "\U0001f600", "\ud800", "q\"\\\n\x00", "\u2028", ""]
    for k in keys:
        for kw in ({}, {"ensure_ascii": False}, {"indent": 2}, {"sort_keys": True}):
            same({k: [1, {k: {"x": object()}}]}, **kw)
            same({"z": 0, k: {"n": math.nan}}, allow_nan=False, **kw)
            same({k: {1: [set()]}}, **kw)


def test_containers_of_leaves_around_every_bound():
    # On free-threaded builds a list, tuple or dict of leaves is written
    # under the lock of the container that holds it, up to 32 of its items,
    # up to 16 such containers per hold of the outer lock, and the general
    # path goes on where that stops (a container item, a failing leaf, the
    # 32nd item). Every size around those bounds, in every position.
    for n in (1, 2, 15, 16, 17, 31, 32, 33, 34, 64, 65):
        rows = [[i, i / 4] for i in range(n)]
        records = [{"id": i, "name": f"n{i}", "ok": i % 2 == 0, "none": None} for i in range(n)]
        wide_list = list(range(n))
        wide_dict = {f"k{i}": i for i in range(n)}
        ends_with_container = {**wide_dict, "z": [1, {"y": [2, wide_dict]}]}
        container_at = [{**{f"k{i}": i for i in range(m)}, "c": [m], **{f"t{i}": i for i in range(3)}}
                        for m in (0, 1, n)]
        for value in (rows, records, tuple(rows), [wide_list, wide_dict], {"w": wide_list, "d": wide_dict},
                      [ends_with_container] * 2, container_at, {"r": rows, "c": container_at},
                      [[[]] * n, [{}] * n, [()] * n], [(i, [i], {"i": i}) for i in range(n)]):
            for kw in ({}, {"indent": 2}, {"sort_keys": True}, {"separators": (",", ":")},
                       {"ensure_ascii": False}, {"check_circular": False}):
                same(value, **kw)


def test_containers_of_leaves_that_stop_part_way():
    # Errors met inside a container written under its parent's lock are
    # raised by the general path, with the stdlib's message and notes.
    head = {f"k{i}": i for i in range(5)}
    for value in ([{**head, "b": math.nan}], {"x": [1, 2, math.inf]}, [[1, 2, -math.inf]] * 3,
                  [{**head, "b": [1, object()]}], [[1, 2, 10**5000]], [{**head, "b": {"c": object()}}],
                  {"x": {**head, "b": [math.inf]}}, [{**head, "b": set()}], [{**head, 1.5: 1, "z": 2}],
                  [(1, 2, math.nan)], [{**head, "big": 10**5000}], [list(range(40)) + [object()]],
                  [{**{f"k{i}": i for i in range(40)}, "o": object()}]):
        for kw in ({}, {"allow_nan": False}, {"indent": 2}, {"skipkeys": True}):
            same(value, **kw)
    # Cycles through a container whose first items are leaves.
    a = [1, 2]
    a.append(a)
    d = {"x": 1}
    d["self"] = d
    for value in ([a], {"k": a}, [d], {"k": d}, [[1, {"x": 1, "l": a}]]):
        same(value)
        same(value, indent=1)


def test_dicts_of_every_table_shape():
    # The encoder walks a dict's entries in place where it verified their
    # layout at import: str keys (two words an entry), other keys (three),
    # deleted entries left as holes, index tables of one, two and four bytes,
    # and instance dicts (split tables, walked by PyDict_Next).
    class Obj:
        pass

    for n in (0, 1, 2, 5, 6, 100, 200, 1000, 50000):
        strs = {f"k{i}": i for i in range(n)}
        ints = {i: f"v{i}" for i in range(n)}
        mixed = {(f"k{i}" if i % 2 else i): [i] for i in range(n)}
        for d in (strs, ints, mixed):
            same(d)
            holes = dict(d)
            for k in list(holes)[::3]:
                del holes[k]
            same(holes)
            same([holes, d], indent=1, sort_keys=n < 1000)
            # Deleted from the front, then refilled past the holes.
            for k in list(holes)[: len(holes) // 2]:
                del holes[k]
            holes.update({f"new{i}": None for i in range(n // 3)})
            same({"h": holes})
        o = Obj()
        for i in range(min(n, 30)):
            setattr(o, f"a{i}", i)
        same([o.__dict__, vars(o)])
        if n > 3:
            del o.a1
        same({"o": o.__dict__})


def test_non_finite_floats():
    for v in [math.nan, math.inf, -math.inf, MyFloat("nan"), {math.inf: 1}, {MyFloat("-inf"): 1},
              {"a": 1, "b": math.nan}, {"b": math.inf, "a": 1}, [{"x": [1], "y": {"z": -math.inf}}]]:
        same(v)
        same(v, allow_nan=False)
        same(v, allow_nan=False, indent=2)


def test_failing_leaf_inside_a_small_container():
    # Small containers of leaves are written in one pass and taken back when
    # an item fails; the general path then raises the stdlib's error, with
    # the stdlib's notes on the path to it.
    big = 10 ** 5000
    for bad in (math.nan, -math.inf, big):
        kwargs = {"allow_nan": False} if bad is not big else {}
        for small in ([1, bad], (bad,), {"a": 1, "b": bad}, {"b": bad}, [1, [], bad]):
            for value in ([small], {"k": small}, [0, {"k": [small]}]):
                same(value, **kwargs)
                same(value, separators=(",", ":"), **kwargs)
                same(value, indent=2, **kwargs)
                same(value, indent="\t", separators=(" ,  ", ": "), **kwargs)


def test_small_containers_with_indentation_and_long_separators():
    # Separators of any length (indentation at any depth, item separators
    # past 8 bytes) are copied in blocks; each shape at several depths.
    smalls = ([1, "a", None], (2.5,), {"k": "v"}, {"a": 1, "b": [], "c": {}}, [[], {}], ["x" * 20, 1])
    value = list(smalls)
    for i in range(20):
        value = [value, {"s": list(smalls)}] if i % 2 else {"deep": value, "s": list(smalls)}
    for kwargs in (
        {"indent": 2},
        {"indent": 0},
        {"indent": "\t"},
        {"indent": " " * 13},
        {"indent": 1, "separators": (",", ":")},
        {"separators": (",         ", ":")},
        {"indent": 3, "separators": ("   ,   ", "  :  ")},
        {"indent": 2, "ensure_ascii": False},
    ):
        same(value, **kwargs)
        for small in smalls:
            same(small, **kwargs)
            same([small], **kwargs)
            same({"k": small}, **kwargs)


def test_float_repr_matches_on_random_doubles():
    rng = random.Random(1234)
    values = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(100_000)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(50_000)]
    values += [float(f"{rng.randint(1, 10**17)}e{rng.randint(-330, 310)}") for _ in range(50_000)]
    values = [v for v in values if math.isfinite(v)]
    assert fj.dumps(values) == json.dumps(values)


def test_big_integers_and_digit_limit():
    same([10**18, -(10**18), 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**100, MyInt(10**30)])
    same(10**5000)
    same({10**5000: 1})
    # A str key with an int value past the limit: the inline member path
    # hands the error back to the general one (same message and notes).
    same({"a": 1, "b": 10**5000})
    same([{"a": {"b": 10**5000}}], indent=2)
    if hasattr(sys, "set_int_max_str_digits"):
        old = sys.get_int_max_str_digits()
        try:
            sys.set_int_max_str_digits(6000)
            same(10**5000)
        finally:
            sys.set_int_max_str_digits(old)


def test_circular_references():
    a = []
    a.append(a)
    d = {}
    d["d"] = d
    nested = {"x": [1, {"y": None}]}
    nested["x"][1]["y"] = nested
    for v in [a, d, nested, [a], {"k": [d]}]:
        same(v)
        same(v, indent=1)
    same(a, check_circular=False)
    same([[1], [1]])  # the same list twice is no cycle
    shared = [1]
    same([shared, shared, {"a": shared}])


def test_default_is_called_and_cycles_through_default_are_caught():
    class Node:
        def __init__(self):
            self.me = self

    for dumps in (json.dumps, fj.dumps):
        assert dumps({"s": {1, 2}}, default=sorted) == '{"s": [1, 2]}'
    same(Node(), default=lambda o: o.me)
    same(Node(), default=lambda o: [o.me])
    same([1, object()], default=repr)
    same({"when": decimal.Decimal("1.25")}, default=str)
    same(Node(), default=lambda o: {"x": object()})


def test_encoder_subclass_default_and_cls():
    class Enc(fj.JSONEncoder):
        def default(self, o):
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    class StdEnc(json.JSONEncoder):
        def default(self, o):
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    for v in [{"s": {3, 1}}, [{2}, object()]]:
        assert outcome(fj.dumps, v, cls=Enc, indent=2) == outcome(json.dumps, v, cls=StdEnc, indent=2)
        assert outcome(Enc().encode, v) == outcome(StdEnc().encode, v)
    assert fj.dumpb({"s": {3, 1}}, cls=Enc) == b'{"s": [1, 3]}'


def test_iterencode_chunks_join_to_encode():
    value = {"a": [1, 2.5, {"b": None}], "c": "é", "d": []}
    for kwargs in [{}, {"indent": 2}, {"sort_keys": True, "ensure_ascii": False}]:
        chunks = list(fj.JSONEncoder(**kwargs).iterencode(value))
        assert len(chunks) > 1
        assert "".join(chunks) == fj.JSONEncoder(**kwargs).encode(value) == json.dumps(value, **kwargs)


def test_dump_writes_the_same_text():
    value = {"a": [1, {"b": "é"}]}
    for kwargs in [{}, {"indent": 4, "ensure_ascii": False}]:
        fc, std = io.StringIO(), io.StringIO()
        fj.dump(value, fc, **kwargs)
        json.dump(value, std, **kwargs)
        assert fc.getvalue() == std.getvalue()


def test_mapping_subclasses_and_items_override():
    class Backwards(dict):
        def items(self):
            return list(reversed(list(super().items())))

    class BadItems(dict):
        def items(self):
            return [1]

    same(collections.OrderedDict([("b", 1), ("a", 2)]))
    same(Backwards(a=1, b=2))
    same(BadItems(a=1))
    same(collections.defaultdict(int, {"x": 1}), sort_keys=True)


def test_round_trip_through_loads():
    value = {"a": [1, -2.5e-300, "x\u2028\U0001f600\ud800", None, True, {"": []}], "b": 10**30}
    for kwargs in [{}, {"ensure_ascii": False}, {"indent": 3}]:
        assert fj.loads(fj.dumps(value, **kwargs)) == value
        if kwargs.get("ensure_ascii", True):
            assert fj.loads(fj.dumpb(value, **kwargs)) == value
        else:  # a lone surrogate has no UTF-8
            with pytest.raises(UnicodeEncodeError):
                fj.dumpb(value, **kwargs)


def test_corpus_with_every_keyword(shared_dir):
    for path in sorted((shared_dir / "bench-data").glob("*.json")):
        value = json.loads(path.read_bytes())
        for kwargs in [{}, {"indent": 2}, {"sort_keys": True}, {"ensure_ascii": False},
                       {"separators": (",", ":")}, {"indent": "\t", "sort_keys": True, "ensure_ascii": False}]:
            assert fj.dumps(value, **kwargs) == json.dumps(value, **kwargs), (path.name, kwargs)
        assert fj.dumpb(value) == json.dumps(value).encode()


def test_deep_nesting():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    assert outcome(fj.dumps, deep)[:2] == outcome(json.dumps, deep)[:2] == ("err", "RecursionError")
    ok = []
    for _ in range(50):
        ok = [ok]
    same(ok)


def _recursion_threshold(dumps, inner):
    """The smallest nesting depth around `inner` that raises RecursionError."""
    lo, hi = 1, 20_000
    while lo < hi:
        mid = (lo + hi) // 2
        value = inner
        for _ in range(mid):
            value = [value]
        try:
            dumps(value)
            lo = mid + 1
        except RecursionError:
            hi = mid
    return lo


def test_empty_containers_count_towards_the_recursion_limit():
    # The C encoder enters its recursion check for every list, tuple and
    # dict, empty or not; the inline path for empty ones must too. (The
    # absolute depth differs from the stdlib's by the Python frames of its
    # json.dumps; see docs/compatibility.md.) Up to 3.13 the check counts
    # calls, so the depth is exact; from 3.14 it measures the C stack, and
    # an empty container written inline uses less of it than a call into
    # the list encoder: one level of slack there.
    slack = 0 if sys.version_info < (3, 14) else 1
    for dumps in (fj.dumps, fj.dumpb, lambda o: fj.dumps(o, indent=1)):
        want = _recursion_threshold(dumps, [1])
        for inner in ([], {}, (), {"a": 1}):
            assert 0 <= _recursion_threshold(dumps, inner) - want <= slack, (inner, dumps)
        assert 0 <= _recursion_threshold(dumps, {"a": []}) - (want - 1) <= slack


def _nested(depth, inner):
    for _ in range(depth):
        inner = [inner]
    return inner


def test_recursion_limit_after_shallower_levels_were_checked():
    # Levels already checked in a walk are not checked again (nor counted)
    # until a deeper one is: then all of them are, so the limit is reached
    # at the same depth as when nothing was checked before.
    for dumps in (fj.dumps, fj.dumpb, lambda o: fj.dumps(o, indent=1)):
        want = _recursion_threshold(lambda v: dumps([1, v, 1]), [1])
        for sibling in (_nested(50, []), _nested(50, {"a": [1]}), [[], {}, [[]]]):
            after = _recursion_threshold(lambda v: dumps([sibling, v, sibling]), [1])
            assert after == want, (sibling, dumps)


def test_walks_leave_the_recursion_count_as_they_found_it():
    # Small containers of leaves are written without entering their level
    # when it is known to be safe; an empty container inside them, at a level
    # not checked yet, enters levels that must be left again. A level left
    # entered by each call would use up the limit.
    before = _headroom()
    for value in ([[1], [[]]], [[1], {"a": []}], {"a": [1], "b": [{}]}, [[1], ([], 1)]):
        for _ in range(2000):
            assert fj.dumps(value) == json.dumps(value)
    assert abs(_headroom() - before) < 5


def _headroom():
    """How many more Python frames fit before RecursionError."""
    def down(n):
        try:
            return down(n + 1)
        except RecursionError:
            return n
    return down(0)


def test_default_sees_the_recursion_count_of_the_stdlib():
    # `default` runs with every enclosing container entered in CPython's
    # recursion count, as in the C encoder (up to 3.11 that count is shared
    # with Python frames; later versions count C levels apart).
    class Marker:
        pass

    def headrooms(dumps):
        seen = []

        def default(o):
            seen.append(_headroom())
            return None

        # The first item checks levels 1-8, so the markers' levels have been
        # checked before `default` runs.
        value = [_nested(7, []), _nested(1, Marker()), _nested(5, Marker()), Marker()]
        dumps(value, default=default)
        return [seen[0] - h for h in seen]

    assert headrooms(fj.dumps) == headrooms(json.dumps)
    assert headrooms(fj.dumpb) == headrooms(json.dumps)


def test_encoder_rejects_bad_arguments_like_the_stdlib():
    assert outcome(fj.dumps, [1], indent=1.5) == outcome(json.dumps, [1], indent=1.5)
    assert outcome(fj.dumps, [1], separators=(",",)) == outcome(json.dumps, [1], separators=(",",))
    assert outcome(fj.dumps, [1], bogus=True)[1] == outcome(json.dumps, [1], bogus=True)[1] == "TypeError"


# What 3.14's C encoder writes when `default` changes the dict it is in the
# middle of: it goes on with PyDict_Next over what the dict holds then.
# (3.11-3.13 encode a list of the items taken before: the members as they were.)
_CHANGED_BY_DEFAULT = {
    "add": '{"a": 1, "m": null, "b": [2], "c": 3, "z": 9}',
    "delete_later": '{"a": 1, "m": null, "b": [2]}',
    "delete_and_add": '{"a": 1, "m": null, "b": [2], "y": 8}',
    "clear": '{"a": 1, "m": null}',
    "replace_value": '{"a": 1, "m": null, "b": "new", "c": 3}',
}


@pytest.mark.parametrize("change", sorted(_CHANGED_BY_DEFAULT))
def test_default_changing_the_dict_being_encoded(change):
    class Marker:
        pass

    def encode(dumps):
        d = {"a": 1, "m": Marker(), "b": [2], "c": 3}

        def default(o):
            if change == "add":
                d["z"] = 9
            elif change == "delete_later":
                del d["c"]
            elif change == "delete_and_add":
                del d["c"]
                d["y"] = 8
            elif change == "clear":
                d.clear()
            else:
                d["b"] = "new"
            return None

        return outcome(dumps, d, default=default)

    want = ("ok", _CHANGED_BY_DEFAULT[change])
    if sys.version_info >= (3, 14):
        assert encode(json.dumps) == want
    assert encode(fj.dumps) == want
    assert encode(lambda o, **kw: fj.dumpb(o, **kw).decode()) == want


def test_ascii_text_gives_ascii_strs_with_ensure_ascii_false():
    # CPython's strs take the narrowest kind; an ASCII text made as Latin-1
    # would compare equal but say False to isascii() and be 24 bytes larger.
    for n in (0, 1, 31, 32, 33, 100, 5000):
        doc = ["a" * n, 1, {"k": None}]
        for kw in ({"ensure_ascii": False}, {"ensure_ascii": False, "indent": 2}):
            got, want = fj.dumps(doc, **kw), json.dumps(doc, **kw)
            assert got == want
            assert got.isascii()
            assert sys.getsizeof(got) == sys.getsizeof(want)
    assert not fj.dumps(["a" * 40 + "é"], ensure_ascii=False).isascii()

# After a long output (4 KiB or more) on a thread, the next str or bytes is
# written in place: the object being returned is made at a guessed size,
# grown while writing and cut to its length at the end. These tests run
# that path.
LONG = ["x" * 100] * 100  # 10,400 bytes of output


def in_place(fn, *args, **kwargs):
    fj.dumps(LONG)
    return outcome(fn, *args, **kwargs)


@given(values, options)
def test_generated_values_after_a_long_output(value, kwargs):
    same(value, _run=in_place, **kwargs)
    if kwargs.get("indent") is None:  # JSON Lines: one line per document
        lines = [value, value]
        want = outcome(lambda: "".join(json.dumps(v, **kwargs) + "\n" for v in lines))
        assert to_older_stdlib(in_place(fj.dumps_lines, lines, **kwargs), want) == want


def test_outputs_of_every_size_after_every_size():
    # Each output's size decides how the next is written; sizes around the
    # 4 KiB threshold, and far past the guess (growing many times).
    sizes = [0, 3, 4000, 4094, 4100, 6000, 70_000, 1_500_000]
    docs = [["x" * 97] * (n // 100) + ["é" * (n % 100)] for n in sizes]
    for before in docs:
        for doc in docs:
            for kw in ({}, {"indent": 1}, {"ensure_ascii": False}):
                fj.dumps(before, **kw)
                got = fj.dumps(doc, **kw)
                want = json.dumps(doc, **kw)
                assert got == want
                assert sys.getsizeof(got) == sys.getsizeof(want)
                fj.dumpb(before, **kw)
                got = fj.dumpb(doc, **kw)
                assert got == want.encode()
                assert sys.getsizeof(got) == sys.getsizeof(want.encode())


def test_errors_part_way_through_a_long_output():
    big = list(range(5000))
    cyclic = [*big]
    cyclic.append(cyclic)
    cases = [([*big, object()], {}), (cyclic, {}), ([*big, math.nan], {"allow_nan": False}),
             ({**{str(i): i for i in range(2000)}, (1,): 1}, {})]
    for value, kwargs in cases:
        want = outcome(json.dumps, value, **kwargs)
        assert want[0] == "err"
        for fn in (fj.dumps, fj.dumpb):
            fn(big)
            assert to_older_stdlib(outcome(fn, value, **kwargs), want) == want
            assert fn(big) == fn(big) and json.loads(fn(big)) == big
    # Lone surrogates have no UTF-8: the stdlib's error, from in-place bytes too.
    value = ["x" * 5000, "\ud800"]
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError as e:
        want = ("err", "UnicodeEncodeError", str(e), None)
    assert in_place(fj.dumpb, value, ensure_ascii=False) == want
    # As a str they are kept, written in place as well (the text is not
    # ASCII, so it is made from the UTF-8 and the buffer freed).
    for value in (["x" * 5000, "\ud800"], ["\udfff" + "x" * 5000], ["x" * 5000, "\u00e9"]):
        want = json.dumps(value, ensure_ascii=False)
        assert in_place(fj.dumps, value, ensure_ascii=False) == ("ok", want)
        got = fj.dumps(value, ensure_ascii=False)
        assert sys.getsizeof(got) == sys.getsizeof(want)


def test_encoding_inside_default_while_writing_in_place():
    # default() encodes long documents itself, on the same thread, while
    # the outer call writes its own output.
    big = {"k%d" % i: "v" * (i % 50) for i in range(500)}

    class Thing:
        pass

    def default_with(dumps):
        return lambda o: [dumps(big), dumps([1, 2]), dumps(big, indent=2)]

    value = [big, Thing(), big, Thing()]
    for fn in (fj.dumps, fj.dumpb):
        fj.dumps(big)
        want = json.dumps(value, default=default_with(json.dumps))
        got = fn(value, default=default_with(fj.dumps))
        assert got == (want if fn is fj.dumps else want.encode())
