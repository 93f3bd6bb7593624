"""The stored copy of an uploaded file: compressed with Zstandard when large, kept as is when small.

A 35 MB llama-bench sweep becomes 1.9 MB in 24 ms (bench/bench_import.py); writing the raw bytes to SQLite cost
more than reading the whole CSV with pandas. ``decompress(*compress(data)) == data`` for every input; an unknown
codec is an error, never a silent empty file.
"""

from __future__ import annotations

#: Files at least this large are stored compressed (a small file gains nothing worth a codec).
COMPRESS_FROM_BYTES = 64 * 1024
ZSTD = "zstd"


def compress(data: bytes) -> tuple[str, bytes]:
    """``(codec, stored bytes)``: ``("", data)`` for a small file."""
    if len(data) < COMPRESS_FROM_BYTES:
        return "", data
    import pyarrow as pa

    return ZSTD, pa.compress(data, codec=ZSTD, asbytes=True)


def decompress(stored: bytes, codec: str) -> bytes:
    if not codec:
        return stored
    if codec != ZSTD:
        raise ValueError(f"stored file compressed with an unknown codec {codec!r} (known: {ZSTD})")
    import pyarrow as pa

    # Zstandard frames written by pyarrow carry their decompressed size
    return pa.decompress(stored, codec=ZSTD, asbytes=True, decompressed_size=_frame_size(stored))


def _frame_size(frame: bytes) -> int:
    """The content size a Zstandard frame header states (RFC 8878, section 3.1.1.1)."""
    if frame[:4] != b"\x28\xb5\x2f\xfd":
        raise ValueError("stored file is not a Zstandard frame")
    descriptor = frame[4]
    fcs_flag, single_segment, dict_flag = descriptor >> 6, (descriptor >> 5) & 1, descriptor & 3
    pos = 5 + (0 if single_segment else 1) + (0, 1, 2, 4)[dict_flag]
    width = (1 if single_segment else 0, 2, 4, 8)[fcs_flag]
    if width == 0:
        raise ValueError("stored Zstandard frame does not state its size")
    size = int.from_bytes(frame[pos : pos + width], "little")
    return size + 256 if width == 2 else size
