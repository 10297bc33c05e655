"""``python -m ferrocodec.json`` against the stdlib's tool (``python -m json.tool``,
which 3.14 also runs as ``python -m json``): same stdout, stderr and exit code."""

import subprocess
import sys

import pytest

DOC = '{"b": [1, 2.5, "é", {"z": true, "a": null}], "a": [], "c": {}}\n'
LINES = '{"a": 1}\n[2, "é"]\n"x"\n'


def run(module, args, stdin):
    p = subprocess.run([sys.executable, "-m", module, *args], input=stdin.encode(),
                       capture_output=True, env={"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("args", [[], ["--sort-keys"], ["--no-ensure-ascii"], ["--tab"], ["--no-indent"],
                                  ["--compact"], ["--indent", "2"], ["--indent", "0"], ["--compact", "--sort-keys"]])
@pytest.mark.parametrize("doc", [DOC, "[]", '"\\ud800"', "1e400", '{"a": NaN}'])
def test_same_output_as_stdlib(args, doc):
    assert run("ferrocodec.json", args, doc) == run("json.tool", args, doc)


@pytest.mark.parametrize("stdin", ["{ 1.2:3.4}", "", "[1,]", "[1] x"])
def test_errors_reported_as_stdlib(stdin):
    got = run("ferrocodec.json", [], stdin)
    expected = run("json.tool", [], stdin)
    assert got[0] == expected[0] == 1
    if "trailing comma" not in got[2].decode() or sys.version_info >= (3, 13):
        assert got == expected
    else:  # 3.11-3.12 word a trailing comma differently (docs/compatibility.md)
        assert got[2].startswith(b"Illegal trailing comma before end of array")


@pytest.mark.parametrize("args", [["--json-lines", "--compact"], ["--json-lines", "--no-indent"], ["--json-lines"]])
@pytest.mark.parametrize("stdin", [LINES, LINES + "\n", LINES + "[oops\n"])
def test_json_lines(args, stdin):
    assert run("ferrocodec.json", args, stdin) == run("json.tool", args, stdin)


def test_files(tmp_path):
    src = tmp_path / "in.json"
    src.write_text(DOC, encoding="utf-8")
    for module, name in (("ferrocodec.json", "ours.json"), ("json.tool", "std.json")):
        assert run(module, [str(src), str(tmp_path / name)], "")[0] == 0
    assert (tmp_path / "ours.json").read_bytes() == (tmp_path / "std.json").read_bytes()
    assert run("ferrocodec.json", [str(tmp_path / "missing.json")], "")[0] != 0
