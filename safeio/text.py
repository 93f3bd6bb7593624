"""Bytes to text at the upload boundary: UTF-8 (with or without BOM) and UTF-16 with BOM are read;
anything else gets a message that says what was found and what to do."""

from __future__ import annotations

import codecs


class UnreadableFile(ValueError):
    """Nothing in the file could be read; the message says why, in words a user can act on."""


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise ``UnreadableFile`` for empty, binary or non-UTF text."""
    if not data or not data.strip():
        raise UnreadableFile("the file is empty: expected benchmark output (CSV, JSON, JSONL, Markdown, SQL or text)")
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", data[len(codecs.BOM_UTF8) :]
    elif data.startswith(_UTF16_BOMS):
        encoding, body = "utf-16", data
    else:
        encoding, body = "utf-8", data
    if encoding != "utf-16":
        nul = body.find(b"\x00")
        if nul >= 0:
            raise UnreadableFile(
                f"not a text file: binary content (a NUL byte at byte {nul + (len(data) - len(body))}); "
                "expected the text output of llama-bench, vLLM or lm-eval, or a CSV"
            )
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = body[exc.start : exc.start + 1].hex()
        if encoding == "utf-16":
            raise UnreadableFile(
                f"not valid UTF-16 text (bad data at byte {exc.start}); save the file as UTF-8"
            ) from exc
        raise UnreadableFile(
            f"not UTF-8 text: byte 0x{bad} at position {exc.start} (is it Latin-1 / Windows-1252?); "
            "save the file as UTF-8 and upload it again"
        ) from exc
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise UnreadableFile("not a text file: it contains NUL characters")
    if not text.strip():
        raise UnreadableFile("the file is empty: only whitespace")
    return text, encoding
