"""json cases: ferrocodec vs orjson vs the stdlib on the standard corpus (../shared/bench-data)."""

from __future__ import annotations

import json as std_json

from data import corpus_file
from harness import Case

from ferrocodec import json as fc_json

try:
    import orjson
except ImportError:  # optional peer
    orjson = None

CORPUS = ["twitter.json", "github.json", "citm_catalog.json", "canada.json"]


def _loads(label, raw, as_str, gc=False):
    doc = raw.decode() if as_str else raw
    contenders = {"ferrocodec": lambda: fc_json.loads(doc), "stdlib": lambda: std_json.loads(doc)}
    if orjson is not None:
        contenders["orjson"] = lambda: orjson.loads(doc)
    group = "loads(str)" if as_str else "loads(bytes)"
    if gc:
        group += ", collector on"
    return Case(group, label, contenders, nbytes=len(raw), gc=gc)


def _dumps(group, label, obj, nbytes, fc, std, oj):
    contenders = {"ferrocodec": lambda: fc(obj), "stdlib": lambda: std(obj)}
    if orjson is not None and oj is not None:
        contenders["orjson"] = lambda: oj(obj)
    return Case(group, label, contenders, nbytes=nbytes)


def cases() -> list[Case]:
    out = []
    for name in CORPUS:
        raw = corpus_file(name)
        if raw is None:
            continue
        label = name.removesuffix(".json")
        out.append(_loads(label, raw, as_str=False))
        out.append(_loads(label, raw, as_str=True))
        out.append(_loads(label, raw, as_str=False, gc=True))
        out.append(_hook_case(label, raw))
        obj = std_json.loads(raw)
        oj = orjson
        out.append(_dumps("dumps()", label, obj, len(raw), fc_json.dumps, std_json.dumps,
                          oj and oj.dumps))
        out.append(_dumps("dumpb() vs orjson.dumps", label, obj, len(raw), fc_json.dumpb,
                          lambda o: std_json.dumps(o).encode(), oj and oj.dumps))
        out.extend(_keyword_dumps(label, obj, len(raw)))
    out.extend(_small_cases())
    out.extend(_lines_cases())
    out.extend(_numpy_cases())
    return out


def _keyword_dumps(label, obj, nbytes) -> list[Case]:
    """dumps(indent=2) and dumps(sort_keys=True) against orjson's options."""
    oj = orjson
    return [
        _dumps("dumps(indent=2)", label, obj, nbytes,
               lambda o: fc_json.dumps(o, indent=2),
               lambda o: std_json.dumps(o, indent=2),
               oj and (lambda o: oj.dumps(o, option=oj.OPT_INDENT_2))),
        _dumps("dumps(sort_keys=True)", label, obj, nbytes,
               lambda o: fc_json.dumps(o, sort_keys=True),
               lambda o: std_json.dumps(o, sort_keys=True),
               oj and (lambda o: oj.dumps(o, option=oj.OPT_SORT_KEYS))),
    ]


# Single calls on tiny values: what a call costs besides the work (argument
# handling, setup, the result object), as for a web request's payload.
SMALL = {
    "1": 1,
    '"abc"': "abc",
    '{"id": 1, "name": "x", "tags": [1, 2]}': {"id": 1, "name": "x", "tags": [1, 2]},
}


def _small_cases() -> list[Case]:
    out = []
    for label, obj in SMALL.items():
        raw = std_json.dumps(obj).encode()
        out.append(_loads(label, raw, as_str=False))
        out.append(_dumps("dumps()", label, obj, len(raw), fc_json.dumps, std_json.dumps,
                          orjson and orjson.dumps))
    # Keyword calls: each makes its encoder or decoder for the call.
    label = '{"id": 1, "name": "x", "tags": [1, 2]}'
    obj = SMALL[label]
    raw = std_json.dumps(obj).encode()
    oj = orjson
    out.extend(_keyword_dumps(label, obj, len(raw)))
    out.append(_dumps("dumps(ensure_ascii=False) vs orjson.dumps().decode()", label, obj,
                      len(raw), lambda o: fc_json.dumps(o, ensure_ascii=False),
                      lambda o: std_json.dumps(o, ensure_ascii=False),
                      oj and (lambda o: oj.dumps(o).decode())))
    out.append(_hook_case(label, raw))
    return out


def _hook(d):
    return d


def _hook_case(label, raw) -> Case:
    """loads with an object_hook (no orjson counterpart): the issue's goal is
    a per-call cost no higher than the stdlib's."""
    return Case("loads(object_hook=f)", label, {
        "ferrocodec": lambda: fc_json.loads(raw, object_hook=_hook),
        "stdlib": lambda: std_json.loads(raw, object_hook=_hook),
    }, nbytes=len(raw))


def _numpy_cases() -> list[Case]:
    """dumpb(arr, numpy=True) vs orjson's OPT_SERIALIZE_NUMPY and the stdlib on tolist()."""
    try:
        import numpy as np
    except ImportError:
        return []
    rng = np.random.default_rng(7)
    arrays = {
        "float64 (1000, 100)": rng.standard_normal((1000, 100)),
        "float32 (2048, 256)": rng.standard_normal((2048, 256)).astype(np.float32),
        "int64 (1000, 100)": rng.integers(-10**12, 10**12, (1000, 100)),
        "int32 (100000,)": rng.integers(0, 1000, 100_000, dtype=np.int32),
        "bool (100000,)": rng.integers(0, 2, 100_000).astype(bool),
    }
    out = []
    for label, a in arrays.items():
        contenders = {
            "ferrocodec": lambda a=a: fc_json.dumpb(a, numpy=True),
            "stdlib": lambda a=a: std_json.dumps(a.tolist()).encode(),
        }
        if orjson is not None:
            contenders["orjson"] = lambda a=a: orjson.dumps(a, option=orjson.OPT_SERIALIZE_NUMPY)
        out.append(Case("dumpb(ndarray, numpy=True)", label, contenders, nbytes=a.nbytes))
    return out


def _lines_cases() -> list[Case]:
    """JSON Lines and batches: one call against a loop of single calls."""
    raw = corpus_file("amazon_cellphones.ndjson")
    if raw is None:
        return []
    lines = [line for line in raw.split(b"\n") if line.strip()]
    label = "amazon_cellphones.ndjson"
    loads = {
        "ferrocodec": lambda: fc_json.loads_lines(raw),
        "ferrocodec per line": lambda: [fc_json.loads(line) for line in lines],
        "stdlib per line": lambda: [std_json.loads(line) for line in lines],
    }
    if orjson is not None:
        loads["orjson per line"] = lambda: [orjson.loads(line) for line in lines]
    texts = [line.decode() for line in lines]
    many = {
        "ferrocodec": lambda: fc_json.loads_many(texts),
        "ferrocodec per item": lambda: [fc_json.loads(t) for t in texts],
        "stdlib per item": lambda: [std_json.loads(t) for t in texts],
    }
    if orjson is not None:
        many["orjson per item"] = lambda: [orjson.loads(t) for t in texts]
    objs = [std_json.loads(line) for line in lines]
    dumps = {
        "ferrocodec": lambda: fc_json.dumps_many(objs),
        "ferrocodec per item": lambda: [fc_json.dumps(o) for o in objs],
        "stdlib per item": lambda: [std_json.dumps(o) for o in objs],
    }
    if orjson is not None:
        dumps["orjson per item"] = lambda: [orjson.dumps(o) for o in objs]
    dumps_lines = {
        "ferrocodec": lambda: fc_json.dumpb_lines(objs),
        "stdlib": lambda: "".join(std_json.dumps(o) + "\n" for o in objs),
    }
    if orjson is not None:
        dumps_lines["orjson"] = lambda: b"".join(orjson.dumps(o) + b"\n" for o in objs)
    return [Case("loads_lines", label, loads, nbytes=len(raw)),
            Case("loads_many (str)", label, many, nbytes=len(raw)),
            Case("dumps_many", label, dumps, nbytes=len(raw)),
            Case("dumpb_lines", label, dumps_lines, nbytes=len(raw))]
