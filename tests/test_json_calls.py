"""How ``dumps``, ``dumpb`` and ``loads`` are called: the same signatures,
argument errors and keyword handling as the stdlib's functions.

These three are native functions. A call with only the object, and a call
whose keywords are all plain values (bools, ints, strs, None, a tuple or list
of two strs for separators, functions and types for hooks), is taken
natively; every other call goes to a Python function with the stdlib's
signature, which runs what the stdlib runs (``__bool__``, ``' ' * indent``,
unpacking ``separators``, ``cls``). These tests compare both routes with the
stdlib, and generated keyword values that land on either side of that line."""

import decimal
import inspect
import subprocess
import sys
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ferrocodec import json as fj
from json_oracle import outcome as _outcome
from json_oracle import to_older_stdlib as _older


class _Recorder(json.JSONEncoder):
    """A cls taking an extra keyword, as ``dumps(**kw)`` passes it on."""

    def __init__(self, *, tag=None, **kw):
        super().__init__(**kw)
        self.tag = tag

    def encode(self, o):
        return f'{self.tag}:{super().encode(o)}'


class _Decoder(json.JSONDecoder):
    def __init__(self, *, tag=None, **kw):
        super().__init__(**kw)
        self.tag = tag

    def decode(self, s):
        return (self.tag, super().decode(s))


@pytest.mark.parametrize('name', ['dumps', 'loads'])
def test_signatures_are_the_stdlib_signatures(name):
    assert inspect.signature(getattr(fj, name)) == inspect.signature(getattr(json, name))
    assert getattr(fj, name).__name__ == name
    assert getattr(fj, name).__doc__


def test_dumpb_has_the_signature_of_dumps():
    assert inspect.signature(fj.dumpb) == inspect.signature(json.dumps)


CALLS = [
    ((), {}),
    ((1,), {}),
    (([1, {'a': None}],), {}),
    ((1, 2), {}),
    ((1, 2, 3), {}),
    ((), {'obj': [1]}),
    ((1,), {'obj': 2}),
    ((), {'obj': {'b': 1}, 'indent': 2}),
    (({'b': 1, 'a': 2},), {'sort_keys': True, 'indent': None}),
    ((1,), {'nosuch': 1}),
    ((1,), {'a b': 1}),
    (({1j: 1},), {}),
    (({1j: 1},), {'skipkeys': True}),
    (([1.5],), {'cls': None, 'separators': (';', '=')}),
    (([1.5],), {'allow_nan': False}),
]


@pytest.mark.parametrize('args, kwargs', CALLS)
def test_dumps_calls(args, kwargs):
    assert _outcome(fj.dumps, *args, **kwargs) == _outcome(json.dumps, *args, **kwargs)


@pytest.mark.parametrize('args, kwargs', CALLS)
def test_dumpb_calls_are_dumps_calls(args, kwargs):
    got = _outcome(fj.dumpb, *args, **kwargs)
    want = _outcome(lambda *a, **k: json.dumps(*a, **k).encode(), *args, **kwargs)
    if want[0] == 'err':
        # The argument errors name the function called.
        want = want[:2] + (want[2].replace('dumps()', 'dumpb()'),)
    assert got == want


@pytest.mark.parametrize('args, kwargs', [
    ((), {}),
    (('[1, 2]',), {}),
    ((b'{"a": 1}',), {}),
    ((bytearray(b'"x"'),), {}),
    ((1,), {}),
    (('[',), {}),
    (('1', 2), {}),
    (('1', 2, 3), {}),
    ((), {'s': '[1]'}),
    (('1',), {'s': '2'}),
    (('1',), {'nosuch': 1}),
    (('1.5',), {'parse_float': str}),
    ((), {'s': '{"a": 1}', 'object_hook': dict.items}),
    (('\ufeff1',), {}),
])
def test_loads_calls(args, kwargs):
    assert _outcome(fj.loads, *args, **kwargs) == _outcome(json.loads, *args, **kwargs)


def test_extra_keywords_reach_cls():
    assert fj.dumps([1], cls=_Recorder, tag='t') == json.dumps([1], cls=_Recorder, tag='t')
    assert fj.dumpb([1], cls=_Recorder, tag='t') == b't:[1]'
    assert fj.loads('[1]', cls=_Decoder, tag='t') == json.loads('[1]', cls=_Decoder, tag='t')


def test_dump_and_load_go_through_the_same_functions(tmp_path):
    path = tmp_path / 'x.json'
    with open(path, 'w') as fp:
        fj.dump({'a': [1, 2]}, fp, indent=1)
    with open(path) as fp:
        assert fj.load(fp) == {'a': [1, 2]}
    with open(path) as fp:
        assert fj.load(fp, object_pairs_hook=list) == [('a', [1, 2])]


def test_calls_while_the_interpreter_shuts_down():
    # __del__ of a module global runs during finalization, after atexit.
    code = '''if 1:
        from ferrocodec import json
        class Late:
            def __del__(self, json=json, print=print):
                print(json.dumps([1, {"a": None}]), json.dumpb(2), json.loads("[3]"),
                      json.dumps(4, indent=1), flush=True)
        keep = Late()
    '''
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == '[1, {"a": null}] b\'2\' [3] 4\n'


class _Truthy:
    """Truth decided by Python code: __bool__ (or __len__) runs."""

    def __init__(self, value):
        self.value = value

    def __bool__(self):
        if isinstance(self.value, Exception):
            raise self.value
        return self.value

    def __repr__(self):
        return f'_Truthy({self.value!r})'


class _Sized:
    """A callable whose truth comes from __len__ (0: false, so the stdlib's
    ``parse_float or float`` picks float)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __call__(self, text):
        return ('sized', text)


class _Str(str):
    pass


class _Int(int):
    pass


def _boom(o):
    raise ValueError(f'no {type(o).__name__}')


_FLAGS = st.sampled_from([
    True, False, None, 0, 1, 2, -1, 10**30, _Int(0), 0.0, 1.5, '', 'x', [], [0],
    _Truthy(True), _Truthy(False), _Truthy(RuntimeError('bool')),
])
_INDENTS = st.sampled_from([
    None, 0, 1, 2, 4, -3, True, False, 2.0, '', '\t', '  ', 'ab', '\u00e9', '\ud800',
    _Str('  '), _Int(2), 10**30, -(10**30), 1 << 21, b'  ', [],
])
_SEPARATORS = st.sampled_from([
    None, (',', ':'), (', ', ': '), [',', ':'], (';', '='), (',',), (',', ':', '!'),
    ('', ''), (1, 2), ('\ud800', ':'), (',', '\u00e9'), (_Str(','), ':'), ',:',
    iter([',', ':']), ('a' * 20, 'b' * 12), ['\n', ': '],
])
_DEFAULTS = st.sampled_from([None, str, repr, _boom, lambda o: [1, o.__class__.__name__]])
_CLSES = st.sampled_from([None, json.JSONEncoder, fj.JSONEncoder, _Recorder])
_ENCODER_KEYWORDS = st.fixed_dictionaries({}, optional={
    'skipkeys': _FLAGS, 'ensure_ascii': _FLAGS, 'check_circular': _FLAGS,
    'allow_nan': _FLAGS, 'sort_keys': _FLAGS, 'indent': _INDENTS,
    'separators': _SEPARATORS, 'default': _DEFAULTS, 'cls': _CLSES,
})
_VALUES = st.sampled_from([
    {'b': [1, 2.5, None, True], 'a': {'x': 'caf\u00e9 \U0001f600'}, 'c': []},
    [float('nan'), 1e400, -0.0],
    {1: 'int key', 2.5: 'float key', None: 'none', False: 'bool'},
    {(1, 2): 'tuple key', 'a': 1},
    [object(), {'k': {1, 2}}],
    'just a str \u00e9 \ud800',
    ['lone \ud800 surrogate'],
    [[[]], {}, [{}]],
    12345678901234567890,
])


@settings(max_examples=400, deadline=None)
@given(_VALUES, _ENCODER_KEYWORDS)
def test_generated_encoder_keywords(value, kwargs):
    separators = kwargs.get('separators')
    if sys.version_info < (3, 14) and kwargs.get('indent') is not None:
        # Before 3.14 an indent took the pure-Python encoder: it asks the
        # flags' truth at other times (or never) and fails elsewhere on
        # separators that are not strs. ferrocodec follows 3.14's C encoder
        # (make_encoder's checks, in its order).
        assume(not any(isinstance(v, _Truthy) for v in kwargs.values()))
        assume(not (isinstance(separators, tuple) and len(separators) == 2
                    and not all(isinstance(s, str) for s in separators)))
    if separators is not None and not isinstance(separators, (tuple, list, str)):
        # A one-shot iterator: each side gets its own.
        kwargs = dict(kwargs, separators=iter([',', ':']))
        theirs = dict(kwargs, separators=iter([',', ':']))
    else:
        theirs = kwargs
    want = _outcome(json.dumps, value, **theirs)
    assert _older(_outcome(fj.dumps, value, **kwargs), want) == want
    if 'separators' in theirs and not isinstance(separators, (tuple, list, str, type(None))):
        kwargs = dict(kwargs, separators=iter([',', ':']))
        theirs = dict(kwargs, separators=iter([',', ':']))
    got = _outcome(fj.dumpb, value, **kwargs)
    want = _outcome(lambda *a, **k: json.dumps(*a, **k).encode(), value, **theirs)
    if kwargs.get('cls') is _Recorder and want[0] == 'ok':
        # dumpb honours an overridden encode (its text, encoded).
        assert got[0] == 'ok'
        return
    assert _older(got, want) == want



_PARSERS = st.sampled_from([
    None, float, int, str, decimal.Decimal, repr, _boom, lambda t: ('hook', t),
    _Sized(0), _Sized(1), _Truthy(True), _Truthy(RuntimeError('bool')), 0, '',
])
_HOOKS = st.sampled_from([None, dict, list, tuple, len, _boom, lambda x: ('hook', x), 0, 'x'])
_DECODER_CLSES = st.sampled_from([None, json.JSONDecoder, fj.JSONDecoder, _Decoder])
_DECODER_KEYWORDS = st.fixed_dictionaries({}, optional={
    'object_hook': _HOOKS, 'object_pairs_hook': _HOOKS, 'parse_float': _PARSERS,
    'parse_int': _PARSERS, 'parse_constant': _PARSERS, 'strict': _FLAGS,
    'cls': _DECODER_CLSES,
})
_DOCUMENTS = st.sampled_from([
    '{"a": [1, 2.5, -0.0, 1e400, NaN, -Infinity], "b": {"c": null}, "a": true}',
    b'{"k": "\xc3\xa9", "n": 12345678901234567890}',
    '"tab\there"', '["tab\there"]', '[1, 2', '{"a" 1}', '\ufeff[1]', 'Infinity',
    bytearray(b'[1.25, {"x": []}]'), '  7  ', '[] []', 3,
    '{"a": {"b": {"c": [1.5]}}}',
])


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS, _DECODER_KEYWORDS)
def test_generated_decoder_keywords(doc, kwargs):
    assert _outcome(fj.loads, doc, **kwargs) == _outcome(json.loads, doc, **kwargs)


def test_keyword_calls_use_no_python_encoder():
    # The native route builds no JSONEncoder / JSONDecoder: a subclass
    # counting its instances sees none made by calls without cls.
    made = []

    class Counting(fj.JSONEncoder):
        def __init__(self, **kw):
            made.append(1)
            super().__init__(**kw)

    assert fj.dumps({'a': 1}, indent=2, cls=Counting) == json.dumps({'a': 1}, indent=2)
    assert made == [1]
    original = fj.encoder.JSONEncoder.__init__
    try:
        fj.encoder.JSONEncoder.__init__ = lambda self, **kw: made.append(2) or original(self, **kw)
        assert fj.dumps({'a': 1}, indent=2, sort_keys=True) == json.dumps({'a': 1}, indent=2)
        assert fj.loads('[1.5]', parse_float=decimal.Decimal) == [decimal.Decimal('1.5')]
    finally:
        fj.encoder.JSONEncoder.__init__ = original
    assert made == [1]
