"""The installed build: import, version, build_info, GIL state."""

import os
import pathlib
import subprocess
import sys
import sysconfig
import tomllib

import ferrocodec

ROOT = pathlib.Path(__file__).resolve().parent.parent
FREE_THREADED_INTERPRETER = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def test_imported_from_the_installed_wheel_not_the_source_tree():
    assert (ROOT / "python") not in pathlib.Path(ferrocodec.__file__).resolve().parents


def test_version_comes_from_cargo_workspace():
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    assert ferrocodec.__version__ == cargo["workspace"]["package"]["version"]
    assert ferrocodec.build_info()["version"] == ferrocodec.__version__


def test_build_info_fields():
    info = ferrocodec.build_info()
    assert {"version", "abi", "limited_api", "free_threaded_build", "simd"} <= info.keys()
    assert isinstance(info["limited_api"], bool)
    assert isinstance(info["free_threaded_build"], bool)
    assert info["simd"] in {"scalar", "sse4.1", "avx2", "avx512", "neon"}
    assert info["release"] is True, "tests must run against the release build"
    # Returns a fresh dict each time: callers may mutate it.
    info["abi"] = "x"
    assert ferrocodec.build_info()["abi"] != "x"


def test_build_matches_the_interpreter():
    info = ferrocodec.build_info()
    assert info["free_threaded_build"] is FREE_THREADED_INTERPRETER
    if FREE_THREADED_INTERPRETER:
        # A version-specific cp3XXt build, or the free-threaded stable ABI (3.15+).
        if info["abi"] == "abi3t":
            assert info["limited_api"] is True and sys.version_info >= (3, 15)
        else:
            assert info["limited_api"] is False
            assert info["abi"] == f"cp{sys.version_info.major}{sys.version_info.minor}t"
            if sys.platform in ("linux", "darwin") and sys.byteorder == "little":
                # The encoder reads 3.14t's str state bits here (GCC/Clang
                # bit-field layout); elsewhere it may fall back to holding strs.
                assert info["str_state_layout_known"] is True
    else:
        assert info["limited_api"] is (info["abi"] == "abi3")
        assert info["str_state_layout_known"] is False
    # Strs made at their final kind (pyobj::str_new): always on
    # version-specific builds; the abi3 wheel verifies the layouts of
    # CPython 3.11-3.14 on 64-bit Unix at import and must find them.
    if not info["limited_api"]:
        assert info["str_new"] is True
    elif info["abi"] == "abi3" and os.name == "posix" and sys.maxsize > 2**32 \
            and (3, 11) <= sys.version_info[:2] <= (3, 14):
        assert info["str_new"] is True
    # The decoder makes dicts at their final size (_PyDict_FromItems, found
    # at import) on Unix with CPython 3.12-3.14, every build kind; 3.11 does
    # not export it.
    if os.name == "posix" and (3, 12) <= sys.version_info[:2] <= (3, 14):
        assert info["dict_presized"] is True
    # Long dumpb outputs are written into the bytes returned, grown with
    # _PyBytes_Resize: linked by version-specific builds, found and checked
    # at import by the stable-ABI wheels on Unix.
    if not info["limited_api"] or os.name == "posix":
        assert info["bytes_resize"] is True
    # The encoder's in-place reads (layout.rs): lists and tuples, strs (their
    # UTF-8 and their code units), ints, floats, dict walks.
    # The abi3 wheel verifies the layouts of GIL builds of 3.11-3.14 (64-bit)
    # at import and must find all five there; other builds call the API.
    if info["abi"] == "abi3" and sys.maxsize > 2**32 \
            and (3, 11) <= sys.version_info[:2] <= (3, 14):
        assert info["layout_in_place"] == (True, True, True, True, True)
    elif not info["limited_api"] and info["free_threaded_build"] and sys.maxsize > 2**32:
        # The free-threaded build reads ints in place and walks dicts in place
        # on 3.14t (the rest has its own paths).
        dicts = sys.version_info[:2] == (3, 14)
        assert info["layout_in_place"] == (False, False, True, False, dicts)
    elif not info["limited_api"]:
        assert info["layout_in_place"] == (False, False, False, False, False)
    expected = os.environ.get("FERROCODEC_EXPECT_ABI")
    if expected:
        assert info["abi"] == expected


def test_gil_stays_disabled_after_import():
    # A fresh interpreter, PYTHON_GIL unset, warnings as errors: importing must
    # neither re-enable the GIL nor warn about it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    code = (
        "import sys, ferrocodec; "
        "print(getattr(sys, '_is_gil_enabled', lambda: True)())"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        env=env, capture_output=True, text=True, check=True,
    )
    assert out.stderr == ""
    assert out.stdout.strip() == str(not FREE_THREADED_INTERPRETER)


def test_self_check_command():
    out = subprocess.run(
        [sys.executable, "-m", "ferrocodec"], capture_output=True, text=True, check=True
    )
    assert f"ferrocodec {ferrocodec.__version__}" in out.stdout
    assert '"abi"' in out.stdout


def test_power_of_five_table_is_generated():
    # The float parser's 128-bit powers of five are written by a script
    # (Python's big ints make them exact); the file must be its output.
    script = ROOT / "scripts" / "gen_pow5_table.py"
    assert subprocess.run([sys.executable, str(script), "--check"]).returncode == 0
