"""Seed text cleaning: HTML and markdown debris out, run-together list items apart.

A field arrives as a "stream": cleaned text pieces joined by one of two boundary characters.
HARD marks an in-line block tag (<p>, <ol>, <ul>): the source started a new paragraph there.
SOFT marks a line break of the seed, which in the PDF-derived decree is mostly a page break
cutting a sentence, so it is joined back unless the text before it ends a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HARD = "\x1e"
SOFT = "\n"
_BOUNDARY = HARD + SOFT
_SPACE = " " + _BOUNDARY

_BLOCK_TAG = re.compile(r"</?(?:p|ol|ul|li|br|div)\b[^>]*>", re.I)
_INLINE_TAG = re.compile(r"</?(?:i|u|b|em|strong|span|a)\b[^>]*>", re.I)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_TABLE_RULE = re.compile(r"^[\s|:]*-{2,}[-\s|:]*$")
# Words that end in a full stop without ending the sentence.
_ABBREVIATION = re.compile(r"(?:^|[\s.])(?:Kab|No|Prov|Cq|Setda|Bag|Sub|Ka|Jl|Jln|Tlp|tgl)\.$")


def is_table_rule(line: str) -> bool:
    """Markdown table separator rows (---\t---, |--|--|) carry no text."""
    return bool(_TABLE_RULE.match(line))


def clean(text: str) -> str:
    """One in-line string: no tags, no markdown emphasis or link syntax, no stray pipes, single spaces."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _BLOCK_TAG.sub(" ", text)
    text = _INLINE_TAG.sub("", text)
    text = re.sub(r"\*{1,2}", "", text)
    text = text.replace("|", " ")
    return " ".join(text.split())


def stream(lines: list[str], line_break: str = SOFT) -> str:
    """Lines of one field as a stream; runs of boundaries collapse, SOFT winning over HARD."""
    raw = line_break.join(line for line in lines if not is_table_rule(line))
    raw = _BLOCK_TAG.sub(HARD, raw)
    out: list[str] = []
    pending = ""
    for piece in re.split(f"([{_BOUNDARY}]+)", raw):
        if piece and set(piece) <= set(_BOUNDARY):
            pending = SOFT if SOFT in piece or pending == SOFT else HARD
            continue
        text = clean(piece)
        if not text:
            continue
        if out and pending:
            out.append(pending)
        out.append(text)
        pending = ""
    return "".join(out)


@dataclass(frozen=True)
class _Marker:
    start: int
    end: int  # where the item text begins
    kind: str  # num, alpha, roman, dotless, bullet, hash, dash
    value: int  # position in its sequence; 0 for bullets
    label: str
    glued: bool  # stuck to the previous word, as in "Publikb." or "293592."


@dataclass
class Items:
    """`items` flat, nested ones keeping their marker ("a. …"); `tree` the same items as (text, sub-items),
    sub-items without their marker."""

    items: list[str]
    notes: list[str] = field(default_factory=list)
    tree: list[tuple[str, list[str]]] = field(default_factory=list)


_SEQUENCED = ("num", "alpha", "roman", "dotless")  # the others (bullets, dashes) have no order
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


def _preceded_by_space(s: str, i: int) -> bool:
    return i == 0 or s[i - 1] in _SPACE


def _text_start(s: str, i: int) -> int:
    while i < len(s) and s[i] == " ":
        i += 1
    return i


def _candidates(s: str, dotless: bool) -> list[_Marker]:
    found: list[_Marker] = []
    for m in re.finditer(r"(\d+)\.(?=[ \x1e\n]|[A-Z])", s):
        digits = m.group(1)
        for width in (2, 1):  # "20256." may be "2025" + "6."
            if len(digits) < width:
                continue
            start = m.end(1) - width
            found.append(_Marker(start, _text_start(s, m.end()), "num", int(digits[-width:]),
                                 digits[-width:] + ".", not _preceded_by_space(s, start)))
    for m in re.finditer(r"([a-z])\.(?= )", s):
        found.append(_Marker(m.start(), _text_start(s, m.end()), "alpha", ord(m.group(1)) - 96,
                             m.group(0), not _preceded_by_space(s, m.start())))
    for m in re.finditer(r"(?<![^ \x1e\n])(i{1,3}|iv|vi{0,3}|ix|x)\.(?= )", s):
        found.append(_Marker(m.start(), _text_start(s, m.end()), "roman", _ROMAN[m.group(1)], m.group(0), False))
    for m in re.finditer(r"•", s):
        found.append(_Marker(m.start(), _text_start(s, m.end()), "bullet", 0, "•", False))
    for m in re.finditer(r"(?<![^ \x1e\n])#", s):
        found.append(_Marker(m.start(), _text_start(s, m.end()), "hash", 0, "#", False))
    for m in re.finditer(r"(?<![^ \x1e\n])-(?= [A-Z])", s):
        found.append(_Marker(m.start(), _text_start(s, m.end()), "dash", 0, "-", False))
    if dotless:
        for m in re.finditer(r"(?<![^ \x1e\n])([a-z])(?= [A-Z])", s):
            found.append(_Marker(m.start(), _text_start(s, m.end()), "dotless", ord(m.group(1)) - 96,
                                 m.group(1), False))
    order = {"num": 0, "alpha": 1, "dotless": 1, "roman": 2, "bullet": 3, "hash": 3, "dash": 3}
    return sorted(found, key=lambda c: (c.start, order[c.kind]))


class _Walk:
    """Chooses which candidate markers start items: the top-level list follows its own sequence,
    a different scheme starting at its first value opens a nested list under the current item."""

    def __init__(self, s: str, glued_mode: bool):
        self.s = s
        self.glued_mode = glued_mode
        self.top: tuple[str, int] | None = None
        self.nested: tuple[str, int] | None = None
        self.accepted: list[tuple[_Marker, str, bool]] = []  # marker, level, follows a gap

    def _glue_ok(self, c: _Marker) -> bool:
        # Lists rendered without <li> glue each number to the previous word; trust that only
        # in such a field and only when a capitalised item follows.
        nxt = self.s[c.end:c.end + 1]
        return self.glued_mode and c.end > c.start + len(c.label) and nxt.isupper()

    def _top_level(self, c: _Marker) -> tuple[bool, bool]:
        """(accept, after a gap)"""
        if self.top is None:
            at_boundary = c.start == 0 or self.s[c.start - 1] in _BOUNDARY
            if c.kind == "roman":
                return False, False
            if at_boundary:
                return True, False
            # After lead text ("3 (tiga) Orang 1. Staf …") only a list's first marker opens it.
            return (not c.glued and (c.kind not in _SEQUENCED or c.value == 1)), False
        kind, last = self.top
        if c.kind != kind:
            return False, False
        if kind not in _SEQUENCED:
            return True, False
        if c.value == last + 1 and (not c.glued or self._glue_ok(c)):
            return True, False
        if c.glued:
            return False, False
        if c.value == last + 2:  # one number skipped: text was lost at a page break
            return True, True
        return c.value == 1 and last > 1, False  # restarted numbering ("d. … a. … b. …")

    def _nested_level(self, c: _Marker) -> bool:
        if self.top is None or c.kind == self.top[0] or c.glued:
            return False
        if self.nested is None or self.nested[0] != c.kind:
            return c.kind not in _SEQUENCED or c.value == 1
        return c.kind not in _SEQUENCED or c.value == self.nested[1] + 1

    def run(self, candidates: list[_Marker]) -> None:
        cursor = 0
        for c in candidates:
            if c.start < cursor:
                continue
            accept, gap = self._top_level(c)
            if accept:
                self.top, self.nested = (c.kind, c.value), None
                self.accepted.append((c, "top", gap))
            elif self._nested_level(c):
                self.nested = (c.kind, c.value)
                self.accepted.append((c, "nested", False))
            else:
                continue
            cursor = c.end


def _ends_sentence(text: str) -> bool:
    # An ellipsis or an open parenthesis marks text cut short, not a finished sentence.
    if text.endswith("...") or text.count("(") > text.count(")"):
        return False
    return text[-1] in ".;:!?" and not _ABBREVIATION.search(text)


def _pieces(segment: str, split_last: bool) -> list[str]:
    """A segment's boundaries: HARD always splits; SOFT joins a sentence cut by a page break."""
    parts = re.split(f"([{_BOUNDARY}])", segment.strip(_SPACE))
    texts = [p.strip() for p in parts[0::2]]
    bounds = parts[1::2]
    out = [texts[0]] if texts[0] else []
    for i, (bound, text) in enumerate(zip(bounds, texts[1:], strict=True)):
        if not text:
            continue
        last = i == len(bounds) - 1
        if not out or bound == HARD:
            out.append(text)
        elif out[-1].endswith("-") and text[0].isalnum():
            out[-1] += text
        elif _ends_sentence(out[-1]) or text[0].isdigit() or (split_last and last):
            out.append(text)
        else:
            out[-1] += " " + text
    return out


def _numbering_note(markers: list[_Marker]) -> str | None:
    kinds = {m.kind for m in markers}
    if len(kinds) != 1 or not kinds <= set(_SEQUENCED):
        return None
    values = [m.value for m in markers]
    if values == list(range(1, len(values) + 1)):
        return None
    return "numbering in the source runs " + ", ".join(m.label.rstrip(".") for m in markers)


def split_items(s: str, *, glued_mode: bool = False) -> Items:
    """Items of a stream, in order. Top-level markers are dropped; nested items keep theirs
    ("a. …", "• …") in the flat `items`, and sit under their parent in `tree`. A list that follows
    lead text ending in a colon ("Surat permohonan yang memuat : a. … b. …") nests under that text."""
    if not s:
        return Items([])
    dotless = bool(re.match(r"[a-z] [A-Z]", s))
    walk = _Walk(s, glued_mode)
    walk.run(_candidates(s, dotless))
    items: list[str] = []
    marks = walk.accepted
    first = marks[0][0].start if marks else len(s)
    lead = _pieces(s[:first], split_last=False)
    items.extend(lead)
    tree: list[tuple[str, list[str]]] = [(piece, []) for piece in lead]
    parent = tree[-1] if marks and tree and tree[-1][0].endswith(":") else None
    for n, (marker, level, _gap) in enumerate(marks):
        nxt = marks[n + 1] if n + 1 < len(marks) else None
        segment = s[marker.end:nxt[0].start if nxt else len(s)]
        pieces = _pieces(segment, split_last=bool(nxt and nxt[2]))
        labelled = [f"{marker.label} {pieces[0]}", *pieces[1:]] if level == "nested" and pieces else pieces
        items.extend(labelled)
        if parent is not None:
            parent[1].extend(labelled if level == "nested" else pieces)
        elif level == "nested" and tree:
            tree[-1][1].extend(pieces)
        else:
            tree.extend((piece, []) for piece in labelled)
    note = _numbering_note([m for m, level, _ in marks if level == "top"])
    return Items(items, [note] if note else [], tree)


def glued_mode(raw: str) -> bool:
    """True for fields whose <ol>/<ul> is followed directly by "1."/"a.": the seed lost the <li>
    tags there and glued every following number to the previous word."""
    return bool(re.search(r"<(?:ol|ul)\b[^>]*>(?:\d{1,2}|[a-z])\.", raw))
