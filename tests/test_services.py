"""Services and requirements over WhatsApp, checked against the committed catalogs."""

from __future__ import annotations

import pytest

from bot.catalogs import Catalogs
from bot.text import units
from config.settings import CONFIG_DIR
from flows.services import PAGE_SIZE

OFFICES = ["kejari-klungkung", "kejari-alor", "kejari-kapuas", "setda-klungkung"]
CATALOGS = Catalogs(CONFIG_DIR)


def catalog_of(runtime, slug):
    return CATALOGS.catalog(runtime.offices.get(slug))


def services_menu_number(runtime) -> str:
    keys = [entry.label_key for entry in runtime.registry.menu_entries()]
    return str(keys.index("services.menu_label") + 1)


def path_to(runtime, slug, service) -> list[str]:
    """The messages that reach `service` from the main menu, as a citizen would type them."""
    catalog = catalog_of(runtime, slug)
    steps = [services_menu_number(runtime)]
    if len(catalog.services) == 1:
        return steps
    units_with = [u for u in catalog.units if catalog.services_in(u.slug)]
    if len(units_with) > 1:
        steps.append(str([u.slug for u in units_with].index(service.unit) + 1))
        if len(catalog.services_in(service.unit)) == 1:
            return steps
    position = list(catalog.services_in(service.unit)).index(service)
    for _ in range(position // PAGE_SIZE):
        steps.append(str(PAGE_SIZE + 1))  # "next page" follows the page's services
    steps.append(str(position % PAGE_SIZE + 1))
    return steps


@pytest.mark.parametrize("slug", OFFICES)
def test_every_service_is_reachable_in_three_messages_and_its_card_matches_the_catalog(whatsapp, runtime, slug):
    catalog = catalog_of(runtime, slug)
    assert catalog.services
    for service in catalog.services:
        whatsapp.send("menu", office=slug)
        path = path_to(runtime, slug, service)
        assert len(path) <= 3, (service.id, path)
        for message in path:
            answer = whatsapp.send(message, office=slug)
        assert f"*{service.name}*" in answer.text, (service.id, answer.text)
        assert service.waktu.text in answer.text and service.biaya in answer.text
        assert catalog.unit(service.unit).name in answer.text
        assert all(units(m) <= 1600 for m in answer.messages)
        requirements = whatsapp.send("1", office=slug).text
        for requirement in service.persyaratan:
            for item in (requirement.text, *requirement.items):
                assert item in requirements, (service.id, item)


def setda_walk(whatsapp, runtime, service_id):
    service = catalog_of(runtime, "setda-klungkung").service(service_id)
    whatsapp.send("menu", office="setda-klungkung")
    for message in path_to(runtime, "setda-klungkung", service):
        whatsapp.send(message, office="setda-klungkung")
    return service


def test_card_options_answer_each_part(whatsapp, runtime):
    service = setda_walk(whatsapp, runtime, "bantuan-hukum")
    assert "hari kerja" in whatsapp.send("3", office="setda-klungkung").text
    procedure = whatsapp.send("2", office="setda-klungkung").text
    assert service.prosedur[0].text in procedure
    assert service.produk[0] in whatsapp.send("4", office="setda-klungkung").text
    complaint = whatsapp.send("5", office="setda-klungkung").text
    assert service.pengaduan.items[0] in complaint
    back = whatsapp.send("0", office="setda-klungkung").text
    assert "Bagian Hukum" in back and "Pelayanan Bantuan Hukum" in back


def test_requirements_checklist_ends_with_what_is_missing_and_whom_to_ask(whatsapp, runtime):
    service = setda_walk(whatsapp, runtime, "verifikasi-akun-baru-penyedia-barang-jasa")
    assert len(service.persyaratan) == 7
    answer = whatsapp.send("6", office="setda-klungkung")
    assert "1 dari" in answer.text and service.persyaratan[0].text in answer.text
    replies = ["sudah"] + ["belum"] * (len(service.persyaratan) - 1)
    assert whatsapp.send("mungkin", office="setda-klungkung").text.startswith("Mohon maaf")
    for reply in replies:
        answer = whatsapp.send(reply, office="setda-klungkung")
    missing = answer.text
    assert "Yang masih perlu Anda siapkan" in missing
    assert service.persyaratan[0].text not in missing.split("Yang masih perlu Anda siapkan")[1].split("Untuk")[0]
    for requirement in service.persyaratan[1:]:
        assert requirement.text in missing
    unit = catalog_of(runtime, "setda-klungkung").unit(service.unit).name
    assert f"*{unit}*" in missing
    assert "Informasi apa yang Anda perlukan?" in missing  # back at the card


@pytest.mark.parametrize("question, service_name, expected", [
    ("berapa biaya bantuan hukum?", "Pelayanan Bantuan Hukum", "💰 Biaya"),
    ("biaya helpdesk lpse", "Helpdesk", "💰 Biaya"),
    ("berapa lama verifikasi akun penyedia", "Verifikasi Akun Baru Penyedia", "⏱️ Waktu penyelesaian"),
    ("brp lama verifkasi akun penyedia", "Verifikasi Akun Baru Penyedia", "⏱️ Waktu penyelesaian"),
    ("syarat pembawa acara", "Pembawa Acara", "*Persyaratan"),
    ("syarat mc", "Pembawa Acara", "*Persyaratan"),
])
def test_a_direct_question_gets_the_direct_answer(whatsapp, question, service_name, expected):
    whatsapp.send("halo", office="setda-klungkung")
    answer = whatsapp.send(question, office="setda-klungkung")
    assert service_name in answer.text and expected in answer.text, answer.text
    assert "Informasi apa yang Anda perlukan?" not in answer.text  # not the whole card


def test_unsure_question_offers_the_top_choices_then_answers(whatsapp):
    whatsapp.send("halo", office="setda-klungkung")
    answer = whatsapp.send("syarat bantuan hukum", office="setda-klungkung")
    if "Apakah yang Anda maksud" in answer.text:
        assert "1. Pelayanan Bantuan Hukum" in answer.text or "Pelayanan Bantuan Hukum\n" in answer.text
        lines = [line for line in answer.text.splitlines() if line[:2] in ("1.", "2.", "3.")]
        choice = next(line[0] for line in lines if line.endswith("Pelayanan Bantuan Hukum"))
        answer = whatsapp.send(choice, office="setda-klungkung")
    assert "*Persyaratan Pelayanan Bantuan Hukum*" in answer.text
    assert "kronologis" in answer.text.lower()


def test_information_services_are_ambiguous_and_listed(whatsapp):
    whatsapp.send("halo", office="setda-klungkung")
    answer = whatsapp.send("pelayanan informasi publik", office="setda-klungkung")
    assert "Apakah yang Anda maksud" in answer.text and answer.text.count("Informasi Publik") >= 2


@pytest.mark.parametrize("text", ["xyzzy plugh", "🤷🤷🤷", "99", "a" * 5000, "<script>alert(1)</script>"])
def test_bad_input_gets_a_short_polite_reply(whatsapp, runtime, text):
    whatsapp.send("halo", office="setda-klungkung")
    whatsapp.send(services_menu_number(runtime), office="setda-klungkung")
    answer = whatsapp.send(text, office="setda-klungkung")
    assert answer.status == 200 and answer.messages
    assert answer.messages[0].startswith("Mohon maaf")
    assert all(units(m) <= 1600 for m in answer.messages)


def test_single_service_office_goes_straight_to_the_card(whatsapp, runtime):
    whatsapp.send("halo", office="kejari-alor")
    answer = whatsapp.send(services_menu_number(runtime), office="kejari-alor")
    assert "Informasi apa yang Anda perlukan?" in answer.text
    assert "KTP/KK/SIM" in whatsapp.send("1", office="kejari-alor").text


def test_services_in_english(whatsapp, runtime):
    whatsapp.send("english", office="kejari-kapuas")
    answer = whatsapp.send(services_menu_number(runtime), office="kejari-kapuas")
    assert "*Services of Kejaksaan Negeri Kapuas*" in answer.text and "2. Seksi Intelijen" in answer.text
    answer = whatsapp.send("2", office="kejari-kapuas")
    assert "What would you like to know?" in answer.text and "Laporan Pengaduan Intelijen" in answer.text


@pytest.mark.parametrize(("question", "expected"), [
    ("alamat kantor di mana?", ["Jl. Gajah Mada No. 56", "maps"]), ("lokasi kejari", ["Jl. Gajah Mada No. 56"]),
    ("Jam buka kantor?", ["Jam layanan", "WITA", "08.00"]),
    ("ada parkir disabilitas?", ["Jl. Gajah Mada No. 56", "parkir khusus"]),  # with the access notes
])
def test_questions_about_the_office_get_the_office_information(whatsapp, question, expected):
    """The part asked about: the address (with parking and access), the hours."""
    whatsapp.send("halo")
    answer = whatsapp.send(question)
    assert all(part in answer.text for part in expected), answer.text


def test_service_questions_are_not_mistaken_for_office_questions(whatsapp):
    whatsapp.send("halo", office="setda-klungkung")
    assert "*Persyaratan" in whatsapp.send("syarat peliputan", office="setda-klungkung").text


def test_an_answered_inquiry_offers_the_survey_once(whatsapp, runtime):
    from sqlalchemy import select

    from bot.models.survey import SurveyInvitation

    whatsapp.send("halo", office="setda-klungkung")
    whatsapp.send("berapa biaya bantuan hukum?", office="setda-klungkung")
    whatsapp.send("menu", office="setda-klungkung")
    whatsapp.send("biaya bantuan hukum", office="setda-klungkung")  # the same inquiry again today
    with runtime.db.session() as session:
        invitations = session.scalars(select(SurveyInvitation)).all()
    assert [(i.event_kind, i.event_ref.split(":")[1]) for i in invitations] == [("inquiry", "bantuan-hukum")]
