"""Seeds -> config/catalog/<office>.yaml: the seed documents read by bot/catalog/standar.py (through
kejaksaan.py and setda.py), with this project's review decisions (curation.py) applied.

    python -m bot.catalog.importer [--seeds ../shared/seeds] [--out config/catalog] [--check]

Output is deterministic: fixed key order, no anchors, no timestamps, so a re-run over the same seeds
rewrites identical files and the committed catalog can be compared with a fresh import.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.catalog import curation, kejaksaan, setda
from bot.catalog.fields import slugify
from bot.catalog.standar import SERVICE_KEYS  # the catalog's key order, shared with imported drafts
from bot.catalog.text import clean, is_table_rule

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
DEFAULT_OUT = REPO / "config" / "catalog"

PTSP = "Pelayanan Terpadu Satu Pintu (PTSP)"


@dataclass(frozen=True)
class OfficeSpec:
    slug: str
    name: str
    seeds: tuple[tuple[str, str], ...]  # (file prefix, unit slug); unit "" = units come from the seed
    units: tuple[dict, ...] = ()


OFFICES = (
    OfficeSpec("kejari-klungkung", "Kejaksaan Negeri Klungkung", (("000", "ptsp"),),
               ({"slug": "ptsp", "name": PTSP},)),
    OfficeSpec("kejari-alor", "Kejaksaan Negeri Alor", (("001", "ptsp"),),
               ({"slug": "ptsp", "name": PTSP,
                 "notes": ["The seed names the desk only as 'PTSP' (Petugas PTSP, Loby PTSP)."]},)),
    OfficeSpec("kejari-kapuas", "Kejaksaan Negeri Kapuas", (("002", "ptsp"), ("003", "intelijen")),
               ({"slug": "ptsp", "name": PTSP,
                 "notes": ["Seed 003 has visitors report at the PTSP; seed 002 names the guest desk staff only "
                           "as 'Petugas' and 'Petugas Piket'."]},
                {"slug": "intelijen", "name": "Seksi Intelijen",
                 "notes": ["Named after the 'Kasi Intelijen' (Kepala Seksi Intelijen) who receives the report "
                           "in seed 003."]})),
    OfficeSpec("setda-klungkung", "Sekretariat Daerah Kabupaten Klungkung", (("004", ""),)),
)



def seed_file(seeds: Path, prefix: str) -> Path:
    found = sorted(seeds.glob(f"{prefix}_*.txt"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one seed {prefix}_*.txt in {seeds}, found {len(found)}")
    return found[0]


def seed_text(path: Path) -> str:
    """A seed as one line of readable text (markup, table rules and line breaks aside): what a
    curated correction's source text must be found in."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return " ".join(" ".join(clean(line) for line in lines if not is_table_rule(line)).split())


def _assign_ids(office: str, services: list[dict]) -> None:
    """Ids from names; a name shared by several Bagian gets the unit slug appended."""
    used = set()
    auto = [slugify(s["name"]) for s in services]
    counts = Counter(auto)
    for service, base in zip(services, auto, strict=True):
        key = (office, base)
        if key in curation.ID_OVERRIDES:
            used.add(key)
            base = curation.ID_OVERRIDES[key]
        service["id"] = f"{base}-{service['unit']}" if counts[slugify(service["name"])] > 1 else base
    stale = {k for k in curation.ID_OVERRIDES if k[0] == office} - used
    if stale:
        raise ValueError(f"curation.ID_OVERRIDES entries match no service: {sorted(stale)}")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _whole(text: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


def _typo_notes(service: dict) -> list[str]:
    text = "\n".join(s for key, v in service.items() if key != "notes" for s in _strings(v))
    return [f"source typo kept as written: {typo!r} (likely {meant!r})" for typo, meant in curation.UNCLEAR
            if _whole(typo).search(text)]


_NOT_TEXT = ("id", "unit", "source", "notes")


def _replaced(value, pattern: re.Pattern, corrected: str):
    if isinstance(value, str):
        return pattern.sub(lambda _: corrected, value)
    if isinstance(value, list):
        return [_replaced(v, pattern, corrected) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, pattern, corrected) for k, v in value.items()}
    return value


def _correct(service: dict, used: set[curation.Correction]) -> list[str]:
    """Applies the curated corrections of the service's seed; returns a note for each one applied."""
    notes = []
    for fix in curation.CORRECTIONS:
        if fix.seed != service["source"]:
            continue
        pattern = _whole(fix.source)
        if not any(pattern.search(s) for key, v in service.items() if key not in _NOT_TEXT for s in _strings(v)):
            continue
        used.add(fix)
        for key in [k for k in service if k not in _NOT_TEXT]:
            service[key] = _replaced(service[key], pattern, fix.corrected)
        notes.append(f"source typo corrected: {fix.source!r} → {fix.corrected!r}")
    return notes


def _finish(office: str, services: list[dict]) -> list[dict]:
    _assign_ids(office, services)
    ids = [s["id"] for s in services]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{office}: duplicate service ids {sorted(i for i in ids if ids.count(i) > 1)}")
    curated = {k: v for k, v in curation.SERVICE_NOTES.items() if k[0] == office}
    stale = set(curated) - {(office, i) for i in ids}
    if stale:
        raise ValueError(f"curation.SERVICE_NOTES entries match no service: {sorted(stale)}")
    sources = {s["source"] for s in services}
    used: set[curation.Correction] = set()
    out = []
    for service in services:
        notes = service.pop("notes") + curated.get((office, service["id"]), [])
        notes += _correct(service, used) + _typo_notes(service)
        if notes:
            service["notes"] = notes
        out.append({key: service[key] for key in SERVICE_KEYS if key in service})
    unused = [fix for fix in curation.CORRECTIONS if fix.seed in sources and fix not in used]
    if unused:
        raise ValueError(f"curation.CORRECTIONS entries match nothing in {office}: {unused}")
    return out


def build_catalog(spec: OfficeSpec, seeds: Path) -> dict:
    sources, units, services = [], list(spec.units), []
    for prefix, unit in spec.seeds:
        path = seed_file(seeds, prefix)
        sources.append(path.name)
        if unit:
            found = [kejaksaan.build(path, spec.name, unit)]
        else:
            seed_units, found = setda.build(path)
            units.extend(seed_units)
        services.extend({**s, "source": path.name} for s in found)
    unit_slugs = {u["slug"] for u in units}
    if stray := {s["unit"] for s in services} - unit_slugs:
        raise ValueError(f"{spec.slug}: services in undefined units {sorted(stray)}")
    return {"office": spec.slug, "name": spec.name, "sources": sources, "units": units,
            "services": _finish(spec.slug, services)}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _str(dumper: yaml.SafeDumper, value: str):
    # Quote digit strings such as phone numbers so no YAML reader takes them for integers.
    style = '"' if re.fullmatch(r"[\d\s().+-]+", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(catalog: dict) -> str:
    header = (f"# Service catalog of {catalog['name']}, generated from {', '.join(catalog['sources'])}\n"
              "# by `python -m bot.catalog.importer`. Do not edit by hand: fix the importer or\n"
              "# bot/catalog/curation.py and re-run it (tests/test_catalog_import.py checks they agree).\n")
    body = yaml.dump(catalog, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120,
                     default_flow_style=False)
    return header + body


def render_all(seeds: Path) -> dict[str, str]:
    """File name -> YAML text, for every office."""
    catalogs = [build_catalog(spec, seeds) for spec in OFFICES]
    sources = {name for catalog in catalogs for name in catalog["sources"]}
    if stray := sorted({fix.seed for fix in curation.CORRECTIONS} - sources):
        raise ValueError(f"curation.CORRECTIONS name seeds no office reads: {stray}")
    return {f"{catalog['office']}.yaml": render(catalog) for catalog in catalogs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="only report files that would change")
    args = parser.parse_args(argv)
    changed = []
    for name, text in render_all(args.seeds).items():
        target = args.out / name
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        changed.append(name)
        if not args.check:
            args.out.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    verb = "would change" if args.check else "written"
    print(f"{verb}: {', '.join(changed)}" if changed else "catalog up to date")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
