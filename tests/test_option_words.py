"""An option's own words choose it, as its number does: "cek status" at the menu, "setuju" at the
complaint's consent, "kirim" at its confirmation, "sangat sesuai" in the survey."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.models.complaints import Complaint
from bot.survey import jobs
from flows.base import label_choice, numbered_choice
from tests.support.whatsapp import CITIZEN

MENU = ["Layanan & persyaratan", "Daftar kunjungan / janji temu", "Pengaduan layanan", "Cek status pengaduan",
        "Survei kepuasan layanan", "Informasi kantor (alamat, jam layanan, kontak)"]


@pytest.mark.parametrize(("text", "choice"), [
    ("4", 4), ("4.", 4), ("cek status", 4), ("Cek status pengaduan!", 4), ("informasi kantor", 6),
    ("infromasi kantor (alamat, jam layanan, kontak)", 6), ("daftar kunjungan", 2), ("1. Layanan & persyaratan", 1),
    ("pengaduan", 3),  # "Pengaduan layanan" begins with it; "Cek status pengaduan" only contains it
    ("7", None), ("", None), ("🙏", None), ("status", 4),  # the one option with that word
    ("pengaduan layanan", 3), ("layanan", 1),  # the option that begins with it
])
def test_label_choice_table(text, choice):
    assert numbered_choice(text, len(MENU), MENU) == choice


def test_an_ambiguous_beginning_chooses_nothing():
    assert label_choice("sangat", ["Sangat sesuai", "Sangat tidak sesuai"]) is None
    assert label_choice("sangat sesuai", ["Sangat sesuai", "Sangat tidak sesuai"]) == 1


def test_the_menu_takes_an_options_words(whatsapp):
    whatsapp.send("halo")
    assert "nomor tiket" in whatsapp.send("cek status").text


def test_a_complaint_answered_in_words(whatsapp, runtime):
    for text in ("halo", "pengaduan layanan", "kualitas pelayanan", "setuju"):
        whatsapp.send(text)
    for text in ("1", "Antrean di loket PTSP sangat lama dan tidak ada nomor antrean.", "lanjut", "1",
                 "Ni Made Ayu"):
        whatsapp.send(text)
    answer = whatsapp.send("kirim")
    assert answer.status == 200
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
    assert complaint.category == "service" and complaint.phone == CITIZEN


def test_survey_answers_in_words(whatsapp, runtime):
    runtime_module.install(runtime)

    whatsapp.send("halo")
    jobs.offer("kejari-klungkung", CITIZEN, "checkout", "VIS-9")
    whatsapp.send("survei")
    answer = whatsapp.send("sangat sesuai")
    assert "Pertanyaan 2 dari 9" in answer.text
