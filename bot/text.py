"""Text helpers for WhatsApp: bodies of at most 1600 characters, split where a reader expects."""

from __future__ import annotations

from bot.defaults import MAX_MESSAGE_CHARS


def units(text: str) -> int:
    """Length as Twilio counts it for the 1600 limit: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(text: str, limit: int) -> list[str]:
    """Last resort for one huge line: break at spaces, or mid-word if a word is longer than limit."""
    chunks, current = [], ""
    for word in text.split(" "):
        while units(word) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = limit
            while units(word[:cut]) > limit:
                cut -= 1
            chunks.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if units(candidate) > limit:
            chunks.append(current)
            current = word
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _pack(pieces: list[str], separator: str, limit: int) -> list[str]:
    chunks, current = [], ""
    for piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if units(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = piece
    if current:
        chunks.append(current)
    return chunks


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split on paragraph boundaries, then lines, then words; every chunk is <= limit units."""
    text = text.strip()
    if units(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    for paragraph_chunk in _pack(text.split("\n\n"), "\n\n", limit):
        if units(paragraph_chunk) <= limit:
            chunks.append(paragraph_chunk)
            continue
        for line_chunk in _pack(paragraph_chunk.split("\n"), "\n", limit):
            chunks.extend([line_chunk] if units(line_chunk) <= limit else _hard_split(line_chunk, limit))
    return chunks
