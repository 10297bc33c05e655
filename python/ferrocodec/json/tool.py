"""``python -m ferrocodec.json``: validate and pretty-print JSON, as CPython
3.14's ``python -m json`` (same options, output bytes and error reports),
with ferrocodec's decoder and encoder.

    $ echo '{"json":"obj"}' | python -m ferrocodec.json
    {
        "json": "obj"
    }
"""

import argparse
import re
import sys

from ferrocodec import json

try:  # 3.13+: the interpreter's terminal colours (3.14's tool uses them)
    from _colorize import can_colorize, get_theme
except ImportError:  # pragma: no cover - older interpreters print no colour
    can_colorize = get_theme = None

# The text is valid JSON, so a loose pattern finds its parts.
_PARTS = re.compile(r'''
    (?P<key>"(\\.|[^"\\])*")(?=:)           |
    (?P<string>"(\\.|[^"\\])*")             |
    (?P<number>NaN|-?Infinity|[0-9\-+.Ee]+) |
    (?P<boolean>true|false)                 |
    (?P<null>null)
''', re.VERBOSE)
_THEME_COLOR = {"key": "definition", "string": "string", "number": "number",
                "boolean": "keyword", "null": "keyword"}


def _colorize_json(text, theme):
    def paint(match):
        for group, color in _THEME_COLOR.items():
            part = match.group(group)
            if part:
                return f"{theme[color]}{part}{theme.reset}"
        return match.group()
    return _PARTS.sub(paint, text)


def _parser():
    kwargs = {"description": 'A simple command line interface for json module '
                             'to validate and pretty-print JSON objects.'}
    if sys.version_info >= (3, 14):
        kwargs["color"] = True
    parser = argparse.ArgumentParser(**kwargs)
    parser.add_argument('infile', nargs='?', default='-',
                        help='a JSON file to be validated or pretty-printed')
    parser.add_argument('outfile', nargs='?', default=None,
                        help='write the output of infile to outfile')
    parser.add_argument('--sort-keys', action='store_true', default=False,
                        help='sort the output of dictionaries alphabetically by key')
    parser.add_argument('--no-ensure-ascii', dest='ensure_ascii', action='store_false',
                        help='disable escaping of non-ASCII characters')
    parser.add_argument('--json-lines', action='store_true', default=False,
                        help='parse input using the JSON Lines format. '
                        'Use with --no-indent or --compact to produce valid JSON Lines output.')
    layout = parser.add_mutually_exclusive_group()
    layout.add_argument('--indent', default=4, type=int,
                        help='separate items with newlines and use this number '
                        'of spaces for indentation')
    layout.add_argument('--tab', action='store_const', dest='indent', const='\t',
                        help='separate items with newlines and use tabs for indentation')
    layout.add_argument('--no-indent', action='store_const', dest='indent', const=None,
                        help='separate items with spaces rather than newlines')
    layout.add_argument('--compact', action='store_true',
                        help='suppress all whitespace separation (most compact)')
    return parser


def main():
    options = _parser().parse_args()
    dump_args = {'sort_keys': options.sort_keys, 'indent': options.indent,
                 'ensure_ascii': options.ensure_ascii}
    if options.compact:
        dump_args['indent'] = None
        dump_args['separators'] = ',', ':'
    try:
        infile = sys.stdin if options.infile == '-' else open(options.infile, encoding='utf-8')
        try:
            if options.json_lines:
                # As the stdlib's tool: every line is a document (a blank
                # line is an error), decoded as the output is written.
                objs = (json.loads(line) for line in infile.readlines())
            else:
                objs = (json.load(infile),)
        finally:
            if infile is not sys.stdin:
                infile.close()
        outfile = sys.stdout if options.outfile is None else open(options.outfile, 'w', encoding='utf-8')
        with outfile:
            if can_colorize is not None and can_colorize(file=outfile):
                theme = get_theme(tty_file=outfile).syntax
                for obj in objs:
                    outfile.write(_colorize_json(json.dumps(obj, **dump_args), theme))
                    outfile.write('\n')
            else:
                for obj in objs:
                    json.dump(obj, outfile, **dump_args)
                    outfile.write('\n')
    except ValueError as e:
        raise SystemExit(e)


if __name__ == '__main__':
    try:
        main()
    except BrokenPipeError as exc:
        raise SystemExit(exc.errno)
