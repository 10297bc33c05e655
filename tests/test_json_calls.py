"""How ``dumps``, ``dumpb`` and ``loads`` are called: the same signatures,
argument errors and keyword handling as the stdlib's functions.

These three are native functions with a shortcut for a call with only the
object; every other call goes to a Python function with the stdlib's
signature. These tests compare both routes with the stdlib."""

import inspect
import subprocess
import sys
import json

import pytest

from ferrocodec import json as fj
from json_oracle import outcome as _outcome


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
