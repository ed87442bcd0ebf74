"""Guest-book test support: a config dir with an employees file that has numbers, and helpers to
walk a citizen through a registration."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.models import OutboundMessage
from bot.models.visits import Visit
from config.settings import CONFIG_DIR

OFFICE = "kejari-klungkung"
CITIZEN = "+6281234500001"
KAJARI = "+6281100000001"
KASI_INTEL = "+6281100000002"
KASI_PIDUM = "+6281100000003"
KASI_PIDSUS = "+6281100000004"
DESK = "+6281100000009"
NIK = "5171010101900001"  # Bali, Klungkung-like region, born 1 Jan 1990, a man
NIK_MASKED = "5171********0001"

EMPLOYEES = {
    "office": OFFICE,
    "id_types": ["ktp", "sim", "npwp", "bpjs"],
    "employees": [
        {"key": "kajari", "name": "I Made Sudarsana", "title": "Kepala Kejaksaan Negeri", "unit": None,
         "aliases": ["kajari", "kepala kejaksaan"], "whatsapp": KAJARI},
        {"key": "kasi-intel", "name": "Ni Luh Putu Ayu Lestari", "title": "Kepala Seksi Intelijen",
         "unit": "intelijen", "aliases": ["kasi intel", "intel"], "whatsapp": KASI_INTEL},
        {"key": "kasi-pidum", "name": "Komang Wirawan", "title": "Kepala Seksi Tindak Pidana Umum",
         "unit": "pidum", "aliases": ["kasi pidum", "pidum"], "whatsapp": KASI_PIDUM},
        {"key": "kasi-pidsus", "name": "Komang Wiratama", "title": "Kepala Seksi Tindak Pidana Khusus",
         "unit": "pidsus", "aliases": ["kasi pidsus", "pidsus"], "whatsapp": KASI_PIDSUS},
        {"key": "kasi-datun", "name": "Gede Suparta", "title": "Kepala Seksi Perdata dan Tata Usaha Negara",
         "unit": "datun", "aliases": ["kasi datun", "datun"], "whatsapp": None},
    ],
    "desk_officers": [{"key": "ptsp-1", "name": "Petugas PTSP", "whatsapp": DESK}],
}


def make_config_dir(target: Path, employees: dict | None = None, templates: dict | None = None) -> Path:
    """A copy of config/ whose Klungkung employees file has WhatsApp numbers (tests only)."""
    shutil.copytree(CONFIG_DIR, target)
    (target / "employees" / f"{OFFICE}.yaml").write_text(yaml.safe_dump(employees or EMPLOYEES), encoding="utf-8")
    if templates is not None:
        (target / "templates.yaml").write_text(yaml.safe_dump(templates), encoding="utf-8")
    return target


def guestbook_config(config, tmp_path: Path, templates: dict | None = None):
    """The test config with employees who have WhatsApp numbers and a media folder of its own."""
    config.CONFIG_DIR = make_config_dir(tmp_path / "config", templates=templates)
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


def converse(whatsapp, script, **kwargs):
    """Send each message; the answer must contain every expected fragment (and none of the absent ones)."""
    answers = []
    for sent, expected, *absent in script:
        answer = whatsapp.send(sent, **kwargs)
        assert answer.status == 200, sent
        for fragment in expected:
            assert fragment in answer.text, f"{sent!r}: {fragment!r} not in {answer.text!r}"
        for fragment in absent[0] if absent else []:
            assert fragment not in answer.text, f"{sent!r}: {fragment!r} unexpectedly in answer"
        answers.append(answer)
    return answers


def menu_number(runtime, label_key: str = "visit.menu") -> str:
    entries = [e.label_key for e in runtime.registry.menu_entries()]
    return str(entries.index(label_key) + 1)


def register(whatsapp, runtime, standin=None, *, host: str = "kasi intel", when: str = "besok jam 10",
             from_: str = CITIZEN, name: str = "Ketut Arsana"):
    """Walk a citizen through a registration up to the confirmation and submit it; returns the last answer."""
    whatsapp.send("halo", from_=from_)
    whatsapp.send(menu_number(runtime), from_=from_)
    answer = whatsapp.send("1", from_=from_)  # consent (or "new visit" when visits exist: then consent again)
    if "1. Ya, saya setuju" in answer.text:
        whatsapp.send("1", from_=from_)
    whatsapp.send(name, from_=from_)
    whatsapp.send("1", from_=from_)  # KTP
    whatsapp.send(NIK, from_=from_)
    url = standin.add_media(b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg") if standin else "https://api.twilio.com/x"
    whatsapp.send("", from_=from_, media=((url, "image/jpeg"),))
    whatsapp.send("Konsultasi laporan pengaduan", from_=from_)
    whatsapp.send(host, from_=from_)
    whatsapp.send(when, from_=from_)
    return whatsapp.send("1", from_=from_)


def visits(runtime) -> list[Visit]:
    with runtime.db.session() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def outbox_to(runtime, number: str, kind: str | None = None) -> list[OutboundMessage]:
    with runtime.db.session() as session:
        query = select(OutboundMessage).where(OutboundMessage.to_number == number, OutboundMessage.channel == "rest")
        if kind:
            query = query.where(OutboundMessage.kind == kind)
        return list(session.scalars(query.order_by(OutboundMessage.id)))
