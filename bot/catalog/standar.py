"""A Standar Pelayanan document (plain text or DOCX) -> the services it sets, for review as a draft.

The parser knows the components of a Standar Pelayanan (PermenPANRB 15/2014) by their usual
headings, in any case, order or numbering ("Persyaratan", "A. PERSYARATAN", "1. Persyaratan:"),
and as table rows ("1<TAB>Persyaratan<TAB>…"). A service starts at its title ("Standar Pelayanan
…", "# …", "1. PELAYANAN …", "Jenis Pelayanan: …"), or, without one, at the first component after
the line that names it, or where a component it already has comes again. Every service reports
which components were found and which are missing, so an admin reviews the draft, never a guess.

The seed importer (bot/catalog/kejaksaan.py, setda.py) is one user of this module; the CLI
`flask --app app catalog import` another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path

from bot.catalog.fields import parse_waktu, slugify
from bot.catalog.rows import LABELS, REQUIRED, field_for, field_value
from bot.catalog.text import HARD, SOFT, clean, is_table_rule, split_items

SERVICE_KEYS = ("id", "name", "unit", "sk_number", "sk_date", "persyaratan", "prosedur", "waktu", "biaya", "produk",
                "pengaduan", "dasar_hukum", "sarana_prasarana", "kompetensi_pelaksana", "pengawasan_internal",
                "jumlah_pelaksana", "jaminan_pelayanan", "jaminan_keamanan", "evaluasi_kinerja", "source", "notes")
FIELDS = tuple(name for name, _ in LABELS)
OPTIONAL = tuple(name for name in FIELDS if name not in REQUIRED)

# Whole-heading patterns (case-insensitive, after numbering and markup are gone). A heading may end
# in a few capitalised words ("Pengaduan Layanan Kejaksaan Negeri Alor"); a line that goes on in
# lower case ("Biaya administrasi ditanggung pemohon") is text, not a heading.
_HEADINGS = (
    ("persyaratan", r"(persyaratan|syarat)( pelayanan| layanan| dan ketentuan)?"),
    ("prosedur", r"(sistem,? mekanisme,? (dan )?prosedur|mekanisme( dan prosedur)?|prosedur|alur)"
                 r"( pelayanan| layanan)?"),
    ("waktu", r"(jangka )?waktu( pelayanan| layanan| penyelesaian| penyelenggaraan)*"),
    ("biaya", r"(biaya(/tarif)?|tarif)( pelayanan| layanan)?"),
    ("produk", r"produk( pelayanan| layanan)?"),
    ("pengaduan", r"((pengelolaan|penanganan) )?pengaduan(,? saran,? (dan|&) masukan)?( pelayanan| layanan)?"),
    ("dasar_hukum", r"dasar hukum"),
    ("sarana_prasarana", r"sarana(,? (dan )?prasarana)?(,? (dan(/atau)? )?fasilitas)?"),
    ("kompetensi_pelaksana", r"kompetensi pelaksana"),
    ("pengawasan_internal", r"pengawas(an)? internal"),
    ("jumlah_pelaksana", r"jumlah pelaksana"),
    ("jaminan_pelayanan", r"jaminan pelayanan"),
    ("jaminan_keamanan", r"jaminan keamanan( dan keselamatan)?( pelayanan)?"),
    ("evaluasi_kinerja", r"evaluasi kinerja( pelaksana)?"),
)
_NUMBERING = re.compile(r"^(?:\d{1,2}|[A-Za-z]|[IVX]{1,4})[.)]\s*")
_ROW = re.compile(r"^(?:\d+\.?\t)?([^\t\d][^\t]*)\t(.*)$")
_TITLES = (
    re.compile(r"^#\s+(.+)$"),  # a markdown or Word "Heading 1"/"Title"
    re.compile(r"^Standar Pelayanan\s+(.+)$", re.I),
    re.compile(r"^(\d+\.\s+PELAYANAN\b.*)$"),  # "1. PELAYANAN …" in a decree's Lampiran
    re.compile(r"^(?:Jenis|Nama) (?:Pelayanan|Layanan)\s*:\s*(.+)$", re.I),
)
# "A. PENYAMPAIAN PELAYANAN (SERVICE DELIVERY)": the two halves of a decree's table, not text.
_PART = re.compile(r"^(?:[AB]\.\s*)?(?:PENYAMPAIAN|PENGELOLAAN) PELAYANAN\b", re.I)
# A decree's next Lampiran, or the signature that closes one: the end of the service before it.
_END = re.compile(r"^(?:Lampiran\s+[IVX\d]+\b|NIP\.?\s)")
_SK = re.compile(r"^(?:No\.?\s*SK|Nomor\s+SK|SK\s+Nomor|Nomor)\s*:?\s*(\S*\d\S*)$", re.I)
_MONTHS = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober",
           "november", "desember")
_DATE = re.compile(r"\btanggal\s*:?\s*(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})\b", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-z][.)]|[-•*#])\s")


@dataclass
class FoundService:
    """One service as read: its name, SK, each component's raw lines and catalog value."""

    name: str
    sk_number: str | None
    lines: dict[str, list[str]]
    values: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> list[str]:
        return [name for name in FIELDS if name in self.values]

    @property
    def missing(self) -> list[str]:
        """Required components (as load_catalog requires them) the document does not give."""
        return [name for name in REQUIRED if name not in self.values]

    @property
    def absent(self) -> list[str]:
        """The other components of a Standar Pelayanan that the document does not give."""
        return [name for name in OPTIONAL if name not in self.values]


@dataclass
class Standar:
    services: list[FoundService]
    sk_number: str | None = None
    sk_date: date | None = None


def heading_field(line: str) -> str | None:
    """The component a heading line names, or None for any other line."""
    if "\t" in line:
        return None
    text = _NUMBERING.sub("", clean(line.strip().lstrip("#"))).rstrip(":").strip()
    if not text or len(text.split()) > 9:
        return None
    text = re.sub(r"\s*,\s*", ", ", re.sub(r"\s*/\s*", "/", text))
    for name, pattern in _HEADINGS:
        m = re.match(pattern, text, re.I)
        if not m:
            continue
        tail = text[m.end():]
        words = tail.split()
        if not tail or (tail[0] == " " and len(words) <= 5 and all(w[0].isupper() or w[0] == "(" for w in words)):
            return name
    return None


def row_field(line: str) -> tuple[str, str] | None:
    """(component, first value line) of a table row "N<TAB>Label<TAB>value"."""
    m = _ROW.match(line)
    if not m or len(m.group(1).split()) > 8:
        return None
    name = label_field(m.group(1))
    return (name, m.group(2)) if name else None


def label_field(label: str) -> str | None:
    """The component a table's label cell names: the decree's row labels, or any usual heading."""
    return field_for(clean(label)) or heading_field(label)


def _title(line: str) -> str | None:
    text = clean(line) if not line.startswith("#") else "# " + clean(line.lstrip("#"))
    if line.startswith("##") or "\t" in line:
        return None
    for pattern in _TITLES:
        if (m := pattern.match(text)) and len(m.group(1).split()) <= 20 and not m.group(1).endswith(":"):
            return m.group(1)
    return None


def _sk(line: str) -> str | None:
    m = _SK.match(clean(line))
    if m and (m.group(1).count("/") or re.match(r"(?i)no\.?\s*sk|nomor\s+sk|sk\s+nomor", clean(line))):
        return m.group(1).rstrip(".,;")
    return None


def _date(line: str) -> date | None:
    m = _DATE.search(clean(line))
    if not m or m.group(2).lower() not in _MONTHS:
        return None
    try:
        return date(int(m.group(3)), _MONTHS.index(m.group(2).lower()) + 1, int(m.group(1)))
    except ValueError:
        return None


def service_name(title: list[str]) -> str:
    """"# Standar Pelayanan Penerimaan Tamu" -> "Penerimaan Tamu"; "1. PELAYANAN X" -> "PELAYANAN X"."""
    name = clean(" ".join(title).lstrip("#"))
    name = re.sub(r"^\d+\.\s+", "", name)
    name = re.sub(r"^(?:(?:Jenis|Nama) (?:Pelayanan|Layanan)\s*:\s*|Standar Pelayanan\s+)", "", name, flags=re.I)
    return name


def drop_page_headers(lines: list[str], office: str) -> list[str]:
    """Pages saved from an office's website repeat its header (name, address, link, breadcrumb
    "Kejaksaan Agung / …") on each page, often inside a component: drop every such block, from the
    office name to the breadcrumb (and its wrapped tail), or to the next markdown heading."""
    def heading(line: str) -> str:
        return line.strip().lstrip("#").strip()

    out: list[str] = []
    i = 0
    while i < len(lines):
        if heading(lines[i]) != office:
            out.append(lines[i])
            i += 1
            continue
        i += 1
        while i < len(lines) and not lines[i].startswith("#"):
            crumb = lines[i].strip().startswith("Kejaksaan Agung /")
            i += 1
            if crumb:
                nxt = next((j for j in range(i, len(lines)) if lines[j].strip()), None)
                if nxt is not None and office.endswith(lines[nxt].strip()):
                    i = nxt + 1
                break
    return out


@dataclass
class _Block:
    title: list[str]
    sk: str | None
    sections: dict[str, list[str]] = field(default_factory=dict)
    soft: set[str] = field(default_factory=set)  # components read from table rows
    current: list[str] | None = None
    current_name: str | None = None
    current_soft: bool = False


def _is_title_like(line: str) -> bool:
    return bool(line.strip()) and not _LIST_ITEM.match(line) and "\t" not in line and len(line.split()) <= 15


def _cut_signature(section: list[str]) -> None:
    """A signature (title, region, name; its NIP line is what calls this) closes a decree's Lampiran
    after its last service: drop the short lines of capitalised words at the end of `section`."""
    keep = len(section)
    for i in range(len(section) - 1, -1, -1):
        words = clean(section[i]).split()
        if not words:
            continue
        if len(words) > 6 or _LIST_ITEM.match(section[i]) or not all(w[0].isupper() for w in words):
            break
        keep = i
    del section[keep:]


class _Reader:
    """One pass over the lines: components open at their heading and collect lines until the next."""

    def __init__(self):
        self.blocks: list[_Block] = []
        self.block: _Block | None = None
        self.pending_title: list[str] | None = None
        self.pending_sk: str | None = None
        self.plain: list[str] = []  # lines outside any component since the last one
        self.sk_number: str | None = None
        self.sk_date: date | None = None

    def _start(self, name: str, first: str | None, soft: bool) -> None:
        block = self.block
        if block is None or name in block.sections or self.pending_title is not None:
            title = self.pending_title or self._take_title(block)
            block = self.block = _Block(title, self.pending_sk)
            self.blocks.append(block)
            self.pending_title, self.pending_sk, self.plain = None, None, []
        block.current = block.sections[name] = [first] if first else []
        block.current_name, block.current_soft = name, soft
        if soft:
            block.soft.add(name)

    def _take_title(self, previous: _Block | None) -> list[str]:
        source = previous.current if previous is not None else self.plain
        while source and not source[-1].strip():
            source.pop()
        if source and _is_title_like(source[-1]):
            return [source.pop()]
        return []

    def _close(self) -> None:
        self.block = None

    def feed(self, line: str) -> None:
        line = line.rstrip()
        if is_table_rule(line):
            return
        if not line.strip():
            if self.block is not None and self.block.current is not None:
                self.block.current.append("")
            return
        if sk := _sk(line):
            self.sk_number = self.sk_number or sk
            if self.block is not None and self.pending_title is None and self.block.sk is None:
                self.block.sk = sk
            else:
                self.pending_sk = sk
            return
        found_date = _date(line)
        self.sk_date = self.sk_date or found_date
        if found_date and re.match(r"(?i)^tanggal\s*:", clean(line)):
            return
        if _PART.match(clean(line)):
            return
        if _END.match(clean(line)):
            if self.block is not None and self.block.current is not None and clean(line).startswith("NIP"):
                _cut_signature(self.block.current)
            self._close()
            return
        name = heading_field(line)
        if name is not None and self.block is not None and name == self.block.current_name:
            # "Persyaratan Administrasi" then "Persyaratan Teknis": parts of the component already open.
            self.block.current.append(line)
        elif name is not None:
            self._start(name, None, soft=False)
        elif (row := row_field(line)) is not None:
            self._start(row[0], row[1], soft=True)
        elif (title := _title(line)) is not None:
            self._close()
            self.pending_title = [title]
        elif self.pending_title is not None and self.block is None and self._continues_title(line):
            self.pending_title.append(clean(line))
        elif self.block is not None and self.block.current is not None:
            # A table row's value continues on later lines, indented by the empty label cells.
            self.block.current.append(line.strip("\t ") if self.block.current_soft else line)
        else:
            self.plain.append(line)

    def _continues_title(self, line: str) -> bool:
        # A title in capitals broken across lines ("… PERDATA & TATA USAHA" / "NEGARA**").
        text = clean(line)
        return clean(self.pending_title[-1]).isupper() and text.isupper() and len(text.split()) <= 8


def _procedure_table(lines: list[str], notes: list[str]) -> list[dict]:
    """Rows "No, Kegiatan, (Pelaksana columns), Kelengkapan, Waktu, Output" (seed 001's table)."""
    steps = []
    for line in lines:
        if not re.match(r"^\d+\t", line):
            if line.strip() and "\t" not in line:
                notes.append(f"prosedur: line after the procedure table kept out of the steps: {clean(line)!r}")
            continue
        cells = [clean(c) for c in line.split("\t")]
        rest = [c for c in cells[2:] if c]
        timed = next((i for i, c in enumerate(rest) if parse_waktu([c])["value"] is not None), None)
        step: dict = {"step": cells[1]}
        if timed is not None:
            step["waktu"] = parse_waktu([rest[timed]])
        before, after = (rest[:timed], rest[timed + 1:]) if timed is not None else (rest, [])
        for key, cell in (("kelengkapan", before), ("output", after)):
            if cell:
                step[key] = [item for c in cell for item in split_items(c).items]
        steps.append(step)
    return steps


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _step_texts(prosedur: list) -> list[str]:
    return [s["step"] if isinstance(s, dict) else s for s in prosedur]


def _drop_repeated_procedure(values: dict, notes: list[str]) -> None:
    """Saved web pages repeat the procedure list under other headings; keep it once."""
    if "prosedur" not in values:
        return
    steps = {_norm(s) for s in _step_texts(values["prosedur"])}
    if waktu := values.get("waktu"):
        detail = waktu.get("detail", [])
        kept = [d for d in detail if _norm(d) not in steps]
        if len(kept) != len(detail):
            notes.append("waktu: the source repeats the procedure steps under this heading; left out")
            if kept:
                waktu["detail"] = kept
            else:
                del waktu["detail"]
    if pengaduan := values.get("pengaduan"):
        procedure = _norm(" ".join(_step_texts(values["prosedur"])))
        if SequenceMatcher(None, _norm(" ".join(pengaduan["items"])), procedure).ratio() >= 0.9:
            notes.append("pengaduan: the source's 'Pengaduan Layanan' section repeats the procedure steps "
                         "(with small variants) instead of naming complaint channels; left empty")
            values["pengaduan"] = {"items": [], "email": [], "phone": [], "web": [], "apps": []}


def service_values(sections: dict[str, list[str]], notes: list[str], *, line_break: str = HARD,
                   soft: set[str] | frozenset[str] = frozenset(), strict: bool = True) -> dict:
    """Catalog values of a service's components, in catalog order. `soft` components (table rows
    continued on later lines) join lines cut by a page break; the others take each line as its own.
    An empty component raises when `strict`, else it is left out and noted."""
    values: dict = {}
    for name in FIELDS:
        if name not in sections:
            continue
        lines = [line for line in sections[name] if line.strip()]
        if name == "prosedur" and any("\t" in line for line in lines):
            values[name] = _procedure_table(lines, notes)
            continue
        try:
            values[name] = field_value(name, lines, notes, line_break=SOFT if name in soft else line_break)
        except ValueError:
            if strict:
                raise
            notes.append(f"{name}: the heading is there but the text under it is empty")
    _drop_repeated_procedure(values, notes)
    return values


def parse_lines(lines: list[str], *, line_break: str = HARD, strict: bool = False) -> Standar:
    reader = _Reader()
    for line in lines:
        reader.feed(line)
    services = []
    for n, block in enumerate(reader.blocks, start=1):
        notes: list[str] = []
        name = service_name(block.title) if block.title else ""
        if not name:
            name = f"service {n}"
            notes.append("no title found before the first component; name it before publishing")
        values = service_values(block.sections, notes, line_break=line_break, soft=block.soft, strict=strict)
        services.append(FoundService(name, block.sk or reader.sk_number, block.sections, values, notes))
    return Standar(services, reader.sk_number, reader.sk_date)


def read(path: Path, *, office_name: str | None = None) -> Standar:
    """A .docx or plain-text file; `office_name` drops the page headers of a saved web page."""
    if path.suffix.lower() == ".docx":
        from bot.catalog.docx_lines import docx_lines  # python-docx only where a DOCX is read

        lines = docx_lines(path)
    else:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    if office_name:
        lines = drop_page_headers(lines, office_name)
    return parse_lines(lines)


def _match(found: FoundService, existing: dict[str, dict]) -> dict | None:
    return existing.get(found.name.casefold()) or existing.get(slugify(found.name))


def catalog_body(doc: Standar, *, office: str, name: str, units: list[dict], unit: str, source: str,
                 existing: list[dict] | tuple = (), sk_number: str | None = None) -> dict:
    """The document as config/catalog/<office>.yaml holds a catalog. A service already in `existing`
    (same name) keeps its id and unit, so a new SK of the same services reads as a new version of
    them; others go to `unit`. Missing components stay missing: such a body fails the catalog's
    checks until someone completes it."""
    by_key: dict[str, dict] = {}
    for service in existing:
        by_key[service["name"].casefold()] = service
        by_key[slugify(service["name"])] = service
    services: list[dict] = []
    for n, found in enumerate(doc.services, start=1):
        match = _match(found, by_key)
        base = match["id"] if match else (slugify(found.name) or f"service-{n}")
        service_id, k = base, 2
        while service_id in {s["id"] for s in services}:
            service_id, k = f"{base}-{k}", k + 1
        service = {"id": service_id, "name": found.name, "unit": match["unit"] if match else unit,
                   **found.values, "source": source}
        if sk := sk_number or found.sk_number:
            service["sk_number"] = sk
        if doc.sk_date:
            service["sk_date"] = doc.sk_date.isoformat()
        if found.notes:
            service["notes"] = list(found.notes)
        services.append({key: service[key] for key in SERVICE_KEYS if key in service})
    return {"office": office, "name": name, "sources": [source], "units": [dict(u) for u in units],
            "services": services}


@dataclass
class Merged:
    body: dict
    added: list[str]
    replaced: list[str]
    kept: list[str]


def merge(base: dict, imported: dict) -> Merged:
    """`imported`'s services into `base` (the office's open draft, or its catalog in force): one with
    the same id replaces the old in place, a new one is added at the end, and the services the
    document does not name are kept: a document of one Bagian does not empty the others."""
    new = {s["id"]: s for s in imported["services"]}
    services, replaced, kept = [], [], []
    for service in base.get("services", []):
        if service["id"] in new:
            services.append(new.pop(service["id"]))
            replaced.append(service["id"])
        else:
            services.append(service)
            kept.append(service["id"])
    services.extend(new.values())
    sources = list(dict.fromkeys([*base.get("sources", []), *imported["sources"]]))
    body = {"office": base["office"], "name": base.get("name", imported["name"]), "sources": sources,
            "units": base.get("units") or imported["units"], "services": services}
    return Merged(body, list(new), replaced, kept)
