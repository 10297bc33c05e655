"""``python -m ferrocodec.json``: CPython 3.14's ``python -m json`` (see ``tool``)."""

from ferrocodec.json import tool

if __name__ == '__main__':
    try:
        tool.main()
    except BrokenPipeError as exc:
        raise SystemExit(exc.errno)
