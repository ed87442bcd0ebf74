"""Parsing and configuration building blocks, as parametrize tables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pytest
import yaml

from bot import phone
from bot.exceptions import ConfigError
from bot.i18n import LANGUAGES, Commands, Messages
from bot.offices import env_override_name, load_offices
from bot.text import split_message, units
from config.settings import CONFIG_DIR
from flows.base import Flow, Result, numbered_choice
from flows.registry import default_registry


@pytest.mark.parametrize("raw", ["0813 3915 1776", "+62 813-3915-1776", "whatsapp:+6281339151776", "6281339151776",
                                 "081339151776"])
def test_phone_forms_are_one_number(raw):
    assert phone.normalize(raw) == "+6281339151776"


@pytest.mark.parametrize("raw", ["", "abc", "12", "whatsapp:", "+62 1"])
def test_bad_phone_numbers_are_rejected(raw):
    with pytest.raises(phone.InvalidNumber):
        phone.normalize(raw)


@pytest.mark.parametrize("text, expected", [("2", 2), (" 2. ", 2), ("2)", 2), ("0", None), ("4", None),
                                            ("dua", None), ("", None)])
def test_numbered_choice(text, expected):
    assert numbered_choice(text, 3) == expected


@pytest.mark.parametrize("text", [
    "pendek",
    "\n\n".join(["a" * 900] * 4),
    "\n".join(["b" * 300] * 20),
    " ".join(["kata"] * 1000),
    "x" * 5000,
    "🙏" * 1000,
    "\n".join(["📍 alamat " * 30] * 10),
])
def test_split_message_keeps_every_character_under_the_limit(text):
    chunks = split_message(text)
    assert all(0 < units(c) <= 1600 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_split_prefers_paragraph_boundaries():
    paragraphs = [f"P{i} " + "k" * 700 for i in range(4)]
    assert split_message("\n\n".join(paragraphs)) == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:])]


def test_message_catalogs_agree_and_fit_whatsapp():
    messages = Messages(CONFIG_DIR)
    for lang in LANGUAGES:
        for key, text in messages.catalogs[lang].items():
            assert units(text) <= 1600, key
            assert text == text.strip(), key  # no stray blank lines between joined parts


def test_catalog_mismatch_fails_at_load(tmp_path):
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "id.yaml").write_text("a: Halo {name}\nb: Dua\n")
    (tmp_path / "messages" / "en.yaml").write_text("a: Hello {nama}\nb: Two\n")
    with pytest.raises(ConfigError, match="placeholders"):
        Messages(tmp_path)
    (tmp_path / "messages" / "en.yaml").write_text("a: Hello {name}\n")
    with pytest.raises(ConfigError, match="keys differ"):
        Messages(tmp_path)


@pytest.mark.parametrize("text, command", [("MENU", "menu"), ("menu utama", "menu"), ("Batal.", "cancel"),
                                           ("kembali", "back"), ("english", "english"), ("Bahasa Indonesia", "bahasa"),
                                           ("menu dong", None), ("syarat bantuan hukum", None)])
def test_commands_match_whole_messages_only(text, command):
    assert Commands(CONFIG_DIR).match(text) == command


def test_every_seed_office_is_configured_with_its_zone():
    offices = {o.slug: o for o in load_offices(CONFIG_DIR, environ={})}
    assert set(offices) == {"kejari-klungkung", "kejari-alor", "kejari-kapuas", "setda-klungkung"}
    assert {slug: o.zone_abbr for slug, o in offices.items()} == {
        "kejari-klungkung": "WITA", "kejari-alor": "WITA", "kejari-kapuas": "WIB", "setda-klungkung": "WITA"}
    assert len(offices["setda-klungkung"].units) == 9


def test_office_number_can_be_overridden_from_the_environment():
    name = env_override_name("kejari-kapuas")
    assert name == "LOKET_WHATSAPP_KEJARI_KAPUAS"
    offices = load_offices(CONFIG_DIR, environ={name: "whatsapp:+6281100000001"})
    assert offices.by_number("whatsapp:+6281100000001").slug == "kejari-kapuas"
    assert offices.by_number("whatsapp:+6251321520") is None


def test_offices_sharing_a_number_fail_at_load(tmp_path):
    (tmp_path / "offices").mkdir()
    source = yaml.safe_load((CONFIG_DIR / "offices" / "kejari-alor.yaml").read_text())
    for slug in ("a-office", "b-office"):
        (tmp_path / "offices" / f"{slug}.yaml").write_text(yaml.safe_dump({**source, "slug": slug}))
    with pytest.raises(ConfigError, match="share WhatsApp number"):
        load_offices(tmp_path, environ={})


def test_bad_time_zone_fails_at_load(tmp_path):
    (tmp_path / "offices").mkdir()
    source = yaml.safe_load((CONFIG_DIR / "offices" / "kejari-alor.yaml").read_text())
    (tmp_path / "offices" / "kejari-alor.yaml").write_text(yaml.safe_dump({**source, "timezone": "Asia/Bali"}))
    with pytest.raises(ConfigError):
        load_offices(tmp_path, environ={})


def test_a_step_without_prompt_fails_at_start_up():
    class Step(StrEnum):
        ONE = "one"

    flow = Flow("broken", Step)
    flow.handler(Step.ONE)(lambda ctx: Result())
    with pytest.raises(ConfigError, match="no prompt"):
        flow.validate()


def test_product_flows_validate_and_list_the_menu():
    registry = default_registry()
    assert [entry.label_key for entry in registry.menu_entries()][-1] == "menu.office_info"


def test_no_citizen_facing_indonesian_sentences_in_python_code():
    """Text lives in config/messages; flows carry keys. A crude but useful tripwire."""
    markers = ("Mohon maaf", "Silakan", "Terima kasih", "Selamat datang")
    offenders = [str(p) for folder in ("bot", "flows", "handlers") for p in Path(folder).rglob("*.py")
                 if any(m in p.read_text(encoding="utf-8") for m in markers)]
    assert offenders == []
