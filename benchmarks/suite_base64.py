"""base64 cases: ferrocodec vs pybase64 vs the stdlib, small to large inputs."""

from __future__ import annotations

import base64 as std_base64
import binascii as std_binascii

from data import random_bytes
from harness import Case

from ferrocodec import base64 as fc_base64
from ferrocodec import binascii as fc_binascii

try:
    import pybase64
except ImportError:  # optional peer
    pybase64 = None

SIZES = [("16 B", 16), ("100 B", 100), ("10 KB", 10_000), ("1 MB", 1_000_000), ("16 MB", 16_000_000)]


def _case(group, label, arg, nbytes, fc, std, pb=None, **kw):
    """One case; each contender is called as fn(arg, **kw) (bound now, not at call time)."""
    contenders = {
        "ferrocodec": lambda: fc(arg, **kw),
        "stdlib": lambda: std(arg, **kw),
    }
    if pybase64 is not None and pb is not None:
        contenders["pybase64"] = lambda: pb(arg, **kw)
    return Case(group, label, contenders, nbytes=nbytes)


def cases() -> list[Case]:
    pb = pybase64
    out = []
    for label, n in SIZES:
        raw = random_bytes(n)
        enc = std_base64.b64encode(raw)
        out.append(_case("b64encode", label, raw, n, fc_base64.b64encode, std_base64.b64encode,
                         pb and pb.b64encode))
        out.append(_case("b64decode(validate=True)", label, enc, len(enc), fc_base64.b64decode,
                         std_base64.b64decode, pb and pb.b64decode, validate=True))
        out.append(_case("b64decode()", label, enc, len(enc), fc_base64.b64decode,
                         std_base64.b64decode, pb and pb.b64decode))
        if n >= 10_000:
            lines = std_base64.encodebytes(raw)
            # Lenient input with a newline every 76 characters (encodebytes output);
            # pybase64 has no decodebytes, its lenient b64decode is the same operation.
            out.append(_case("decodebytes (76-char lines)", label, lines, len(lines),
                             fc_base64.decodebytes, std_base64.decodebytes, pb and pb.b64decode))
            out.append(_case("encodebytes", label, raw, n, fc_base64.encodebytes,
                             std_base64.encodebytes, pb and pb.encodebytes))
    # The other codecs at 1 MB (goal: at least 5x the stdlib). pybase64 has none.
    raw = random_bytes(1_000_000)
    for enc_name, dec_name in [("b16encode", "b16decode"), ("b32encode", "b32decode"),
                               ("b85encode", "b85decode"), ("a85encode", "a85decode")]:
        fc_enc, std_enc = getattr(fc_base64, enc_name), getattr(std_base64, enc_name)
        out.append(_case(enc_name, "1 MB", raw, len(raw), fc_enc, std_enc))
        text = std_enc(raw)
        out.append(_case(dec_name, "1 MB", text, len(text), getattr(fc_base64, dec_name),
                         getattr(std_base64, dec_name)))
    # binascii's own hex decoder (C in every stdlib), lowercase as hexlify writes it.
    text = std_binascii.hexlify(raw)
    out.append(_case("unhexlify", "1 MB", text, len(text), fc_binascii.unhexlify,
                     std_binascii.unhexlify))
    if hasattr(std_base64, "z85encode"):  # 3.13+
        text = std_base64.z85encode(raw)
        out.append(_case("z85encode", "1 MB", raw, len(raw), fc_base64.z85encode, std_base64.z85encode))
        out.append(_case("z85decode", "1 MB", text, len(text), fc_base64.z85decode, std_base64.z85decode))
    out.append(_case("b64decode(str)", "16 chars", "aGVsbG8gd29ybGQ=", 16, fc_base64.b64decode,
                     std_base64.b64decode, pb and pb.b64decode))
    out.append(_case("urlsafe_b64encode", "100 B", random_bytes(100), 100, fc_base64.urlsafe_b64encode,
                     std_base64.urlsafe_b64encode, pb and pb.urlsafe_b64encode))
    out.extend(_batch_cases())
    return out


def _batch_cases() -> list[Case]:
    """Many payloads per call: ferrocodec's batch APIs against loops of single calls."""
    out = []
    # 2048 payloads of 6 KiB: the embeddings shape (1536 float32), as raw bytes.
    raw = [random_bytes(6144, seed=i) for i in range(2048)]
    enc = [std_base64.b64encode(r) for r in raw]
    text = [e.decode() for e in enc]
    total = sum(map(len, raw))
    contenders = {
        "ferrocodec": lambda: fc_base64.b64encode_many(raw),
        "ferrocodec loop": lambda: [fc_base64.b64encode(r) for r in raw],
        "stdlib": lambda: [std_base64.b64encode(r) for r in raw],
    }
    if pybase64 is not None:
        contenders["pybase64"] = lambda: [pybase64.b64encode(r) for r in raw]
    out.append(Case("b64encode_many", "2048 x 6 KiB", contenders, nbytes=total))
    for validate in (True, False):
        contenders = {
            "ferrocodec": lambda v=validate: fc_base64.b64decode_many(text, validate=v),
            "ferrocodec loop": lambda v=validate: [fc_base64.b64decode(t, validate=v) for t in text],
            "stdlib": lambda v=validate: [std_base64.b64decode(t, validate=v) for t in text],
        }
        if pybase64 is not None:
            contenders["pybase64"] = lambda v=validate: [pybase64.b64decode(t, validate=v) for t in text]
        out.append(Case(f"b64decode_many(validate={validate})", "2048 x 8 KiB str", contenders,
                        nbytes=sum(map(len, text))))
    try:
        import numpy as np
    except ImportError:
        return out
    # The goal: 2048 float32 vectors of 1536 into one (2048, 1536) array.
    contenders = {
        "ferrocodec": lambda: fc_base64.b64decode_array(text, np.float32),
        "stdlib": lambda: np.stack([np.frombuffer(std_base64.b64decode(t), np.float32) for t in text]),
    }
    if pybase64 is not None:
        contenders["pybase64"] = lambda: np.stack(
            [np.frombuffer(pybase64.b64decode(t), np.float32) for t in text])
    out.append(Case("b64decode_array(float32)", "2048 x 1536", contenders, nbytes=sum(map(len, text))))
    return out
