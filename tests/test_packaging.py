"""What the wheel ships besides the extension: stubs, py.typed."""

import importlib.resources


def test_typing_files_are_installed():
    pkg = importlib.resources.files("ferrocodec")
    assert pkg.joinpath("py.typed").is_file()
    assert pkg.joinpath("_ferrocodec.pyi").is_file()
