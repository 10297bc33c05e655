"""Many threads at once: shared inputs, inputs mutated while they are encoded.

These run on every build. On a free-threaded build (3.14t) the threads really
run in parallel, and a dict or list mutated while another thread encodes it
must never crash the process or corrupt memory: the result is either valid
JSON of some state of the object, or an exception the stdlib can raise.
"""

import json as std_json
import os
import random
import sys
import threading

import pytest

from ferrocodec import base64 as fb
from ferrocodec import json as fj

FREE_THREADED = not getattr(sys, "_is_gil_enabled", lambda: True)()
ROUNDS = 300 if FREE_THREADED else 60
# What encoding a container that changes under it may raise instead of a result.
TOLERATED = (RuntimeError,)
# What a Python loop over a dict raises when another thread changes it (the
# encoder raises the first; dict subclasses are read through items(), which
# can raise either).
DICT_CHANGED = {"dictionary changed size during iteration",
                "dictionary keys changed during iteration"}


def run_threads(workers, mutator=None):
    """Runs worker(i) in threads (and the mutator until they finish); re-raises
    the first exception a thread did not expect."""
    errors = []
    done = threading.Event()
    start = threading.Barrier(len(workers) + (mutator is not None))

    def wrap(fn, *args):
        try:
            start.wait()
            fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(w, i)) for i, w in enumerate(workers)]
    if mutator is not None:
        threads.append(threading.Thread(target=wrap, args=(mutator, done)))
    for t in threads:
        t.start()
    for t in threads[:len(workers)]:
        t.join()
    done.set()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_encode_dict_mutated_by_another_thread():
    # The case: 4 threads encode a dict of 200 lists while a fifth
    # adds and pops keys (CPython 3.14.7's own json segfaults on this).
    shared = {f"k{i}": list(range(i % 17)) for i in range(200)}
    results = []

    def encoder(_):
        for _ in range(ROUNDS):
            try:
                text = fj.dumps(shared)
            except TOLERATED as e:
                assert str(e) in DICT_CHANGED, e
                continue
            results.append(text)

    def mutator(done):
        rng = random.Random(1)
        n = 0
        while not done.is_set():
            key = f"x{n % 50}"
            if rng.random() < 0.5:
                shared[key] = [n, str(n), {"n": n}]
            else:
                shared.pop(key, None)
            lst = shared[f"k{rng.randrange(200)}"]
            if lst and rng.random() < 0.5:
                lst.pop()
            else:
                lst.append(n)
            n += 1

    run_threads([encoder] * 4, mutator)
    for text in results:
        value = std_json.loads(text)  # always a complete, valid document
        assert isinstance(value, dict)


def test_encode_list_mutated_by_another_thread():
    shared = [[i, str(i), float(i)] for i in range(300)]

    def encoder(_):
        for _ in range(ROUNDS):
            for kw in ({}, {"indent": 1}, {"sort_keys": True}):
                std_json.loads(fj.dumps(shared, **kw))
            std_json.loads(fj.dumpb(shared))

    def mutator(done):
        rng = random.Random(2)
        while not done.is_set():
            if len(shared) > 10 and rng.random() < 0.5:
                del shared[rng.randrange(1, len(shared)):]
            else:
                shared.extend([[1, "a"], {"b": [2.5]}] * rng.randrange(40))
            inner = shared[rng.randrange(len(shared))] if shared else None
            if isinstance(inner, list):
                inner.append(None)
                inner.clear()

    run_threads([encoder] * 4, mutator)


def test_encode_small_records_mutated_by_another_thread():
    # On free-threaded builds, a container that the encoding thread made has
    # its small lists and dicts of leaves written under its own lock (up to
    # 32 items, then the general path goes on). So each encoder here builds
    # the object it encodes (and encodes its neighbour's too) while another
    # thread changes them all, their records and their parents.
    objects = []
    built = threading.Barrier(4)

    def build(n):
        return {"rows": [{"id": i, "v": [i, 0.5]} for i in range(100)],
                "wide": [{f"k{j}": j for j in range(i % 70)} for i in range(100)],
                "mixed": [[1, "a"], {"b": [2.5]}] * 20, "n": n}

    def encoder(i):
        objects.append(build(i))
        built.wait()
        mine, other = objects[i], objects[(i + 1) % 4]
        for _ in range(ROUNDS):
            for shared, kw in ((mine, {}), (mine, {"indent": 1}), (other, {})):
                try:
                    value = std_json.loads(fj.dumps(shared, **kw))
                except TOLERATED as e:
                    assert str(e) in DICT_CHANGED, e
                    continue
                assert set(value) == {"rows", "wide", "mixed", "n"}

    def mutator(done):
        rng = random.Random(3)
        n = 0
        while not done.is_set():
            if len(objects) < 4:
                continue
            shared = objects[n % 4]
            row = shared["rows"][rng.randrange(100)]
            if rng.random() < 0.5:
                row[f"x{n % 5}"] = [n, "s"] if n % 3 else {"n": n}
            else:
                row.pop(f"x{n % 5}", None)
            row["v"].append(n)
            del row["v"][2:]
            wide = shared["wide"][rng.randrange(100)]
            key = f"k{rng.randrange(80)}"
            if key in wide:
                del wide[key]
            else:
                wide[key] = n
            mixed = shared["mixed"]
            if len(mixed) > 10 and rng.random() < 0.5:
                del mixed[rng.randrange(1, len(mixed)):]
            else:
                mixed.extend([[1, "a"], {"b": [2.5]}] * rng.randrange(10))
            inner = mixed[rng.randrange(len(mixed))]
            if isinstance(inner, list):
                inner.append(None)
                inner.clear()
            n += 1

    run_threads([encoder] * 4, mutator)


def test_encode_dict_subclass_and_sort_keys_mutated():
    class D(dict):
        pass

    shared = D((f"k{i}", i) for i in range(100))

    def encoder(_):
        for _ in range(ROUNDS):
            try:
                std_json.loads(fj.dumps(shared, sort_keys=True))
                std_json.loads(fj.dumps({"d": shared}))
            except TOLERATED as e:
                assert str(e) in DICT_CHANGED, e

    def mutator(done):
        n = 0
        while not done.is_set():
            shared[f"x{n % 30}"] = n
            shared.pop(f"x{(n + 15) % 30}", None)
            n += 1

    run_threads([encoder] * 3, mutator)


def test_same_object_from_many_threads():
    # Every thread encodes and decodes the SAME objects: results are identical.
    doc = {"users": [{"id": i, "name": f"user{i}", "tags": ["a", "b"], "score": i / 7}
                     for i in range(200)]}
    expected = std_json.dumps(doc)
    text = expected.encode()
    raw = os.urandom(100_000)
    b64 = fb.b64encode(raw)

    def worker(_):
        for _ in range(ROUNDS // 3):
            assert fj.dumps(doc) == expected
            assert fj.loads(text) == doc
            assert fj.loads(expected) == doc
            assert fb.b64decode(b64) == raw
            assert fb.b64encode(raw) == b64

    run_threads([worker] * 8)


def test_hooks_from_many_threads():
    calls = []

    def hook(d):
        calls.append(1)
        return d

    text = std_json.dumps([{"a": i} for i in range(50)])

    def worker(_):
        for _ in range(20):
            assert fj.loads(text, object_hook=hook) == std_json.loads(text)
            assert fj.dumps({1j: 1}, default=str, skipkeys=True) == "{}"
            assert fj.dumps([1j], default=str) == '["1j"]'

    run_threads([worker] * 4)
    assert len(calls) == 4 * 20 * 50


def test_decode_bytearray_resized_by_another_thread():
    buf = bytearray(fj.dumps([list(range(50))] * 50).encode())

    def decoder(_):
        for _ in range(ROUNDS):
            try:
                fj.loads(buf)
            except (fj.JSONDecodeError, UnicodeDecodeError):
                pass  # a state mid-change may be malformed; never a crash

    def mutator(done):
        while not done.is_set():
            try:
                buf.extend(b" ")
                del buf[-1:]
            except BufferError:
                pass  # exported to a decoder right now

    run_threads([decoder] * 3, mutator)


def test_base64_batches_and_numpy_from_many_threads():
    # The batch APIs run their own parallel work inside each thread's call,
    # and an item list changed by another thread keeps its items alive.
    np = pytest.importorskip("numpy")
    raw = [os.urandom(3000 + i) for i in range(40)]
    enc = [fb.b64encode(r) for r in raw]
    vecs = np.random.default_rng(0).standard_normal((64, 256)).astype(np.float32)
    vec_text = [fb.b64encode(v.tobytes()).decode() for v in vecs]
    shared = list(enc)
    arr_json = std_json.dumps(vecs.tolist())

    def worker(_):
        for _ in range(ROUNDS // 10):
            assert fb.b64encode_many(raw) == enc
            assert fb.b64decode_many(enc) == raw
            assert np.array_equal(fb.b64decode_array(vec_text, np.float32), vecs)
            assert fj.dumps(vecs, numpy=True) == arr_json
            got = fb.b64decode_many(list(shared))
            assert all(g in raw for g in got)

    def mutator(done):
        while not done.is_set():
            random.shuffle(shared)

    run_threads([worker] * 4, mutator)


def test_json_lines_and_batches_from_many_threads():
    # Each large loads_lines call runs a scanning job on the shared pool while
    # its thread builds; several at once share the pool and the spare tapes,
    # and a hook may itself call loads_lines.
    records = [{"id": i, "name": f"n{i}", "tags": ["a", "\u00e9"], "x": i / 3} for i in range(3000)]
    text = "".join(std_json.dumps(r) + "\n" for r in records)
    data = text.encode()
    bad = "\n".join([text, "[1,", text])
    inner = "\n".join(['{"k": 1}'] * 9000)

    def hook(d):
        if d.get("id") == 5:
            assert fj.loads_lines(inner) == [{"k": 1}] * 9000
        return d

    def worker(i):
        for _ in range(ROUNDS // 30):
            assert fj.loads_lines(data if i % 2 else text) == records
            with pytest.raises(fj.JSONDecodeError) as info:
                fj.loads_lines(bad)
            assert info.value.lineno == 3002
            assert fj.dumps_many(records[:100]) == [std_json.dumps(r) for r in records[:100]]
        assert fj.loads_lines(data, object_hook=hook) == records

    run_threads([worker] * 4)


@pytest.mark.skipif(not FREE_THREADED, reason="free-threaded build only")
def test_gil_stays_disabled():
    import ferrocodec._ferrocodec  # noqa: F401

    assert not sys._is_gil_enabled()
