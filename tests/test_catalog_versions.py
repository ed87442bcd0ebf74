"""The Standar Pelayanan as versioned data: drafts, publication, roll-back and diff (bot/catalog/versions.py),
and the bot answering on WhatsApp from the published version, in this process and in a second one."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import select

from app import create_app
from bot import runtime as runtime_module
from bot.catalog import CatalogError, catalog_from_dict, editing, versions
from bot.models.catalog import DRAFT, PUBLISHED, RETIRED, CatalogVersion
from bot.models.staff import AuditEvent
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.dashboard import make_user
from tests.support.whatsapp import WhatsApp
from tests.test_services import services_menu_number

OFFICE = "kejari-klungkung"  # one service (penerimaan-tamu): the menu opens its card at once
SERVICE = "penerimaan-tamu"
NEW_REQUIREMENT = "Membawa surat undangan dari pegawai yang dituju"


def seed_body(runtime) -> dict:
    return copy.deepcopy(runtime.deps.catalogs.seed_body(runtime.offices.get(OFFICE)))


def with_requirement(body: dict, text: str) -> dict:
    body = copy.deepcopy(body)
    service = next(s for s in body["services"] if s["id"] == SERVICE)
    service["persyaratan"].append(text)
    return body


def ask_requirements(whatsapp: WhatsApp, runtime) -> str:
    """A citizen opens the service from the menu and asks for its requirements (card option 1)."""
    whatsapp.send("menu", office=OFFICE)
    card = whatsapp.send(services_menu_number(runtime), office=OFFICE).text
    assert "Penerimaan" in card or "PTSP" in card, card
    return whatsapp.send("1", office=OFFICE).text


def publish(runtime, body: dict, author: int | None = None, sk: str = "KEP-99/N.1.12/Cr.4/11/2026") -> int:
    with runtime.db.session() as s:
        version = versions.save_draft(s, OFFICE, body, source="dashboard", sk_number=sk, sk_date=date(2026, 11, 2),
                                      author=author)
        versions.publish(s, version, author)
        s.commit()  # the commit itself signals every process (bot/revisions.py)
        return version.number


# -- the rules ----------------------------------------------------------------------------------------------
def test_a_draft_is_saved_replaced_in_place_and_audited(runtime):
    admin = make_user(runtime, "admin1", "admin", None)
    body = with_requirement(seed_body(runtime), NEW_REQUIREMENT)
    with runtime.db.session() as s:
        first = versions.save_draft(s, OFFICE, body, source="import: sk.docx", sk_number=" KEP-99/2026 ",
                                    sk_date=date(2026, 11, 2), author=admin.id)
        again = versions.save_draft(s, OFFICE, with_requirement(body, "Satu lagi"), source="dashboard",
                                    sk_number="KEP-99/2026", sk_date=None, author=admin.id)
        s.commit()
        assert again.id == first.id and again.number == 1 and again.state == DRAFT
        assert again.sk_number == "KEP-99/2026" and again.source == "dashboard"
        assert again.data["services"][0]["persyaratan"][-2:] == [NEW_REQUIREMENT, "Satu lagi"]
        events = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == versions.SUBJECT)
                           .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].actor_username == "admin1" and events[0].office == OFFICE
    # The second save records what it changed, before and after.
    assert events[1].detail["changes"] == {"changed": {SERVICE: {"persyaratan": {"before": [],
                                                                                  "after": ["Satu lagi"]}}}}


@pytest.mark.parametrize("break_it, field", [
    (lambda b: b["services"][0].update(persyaratan=[]), "persyaratan"),
    (lambda b: b["services"][0].update(unit="no-such-unit"), "unit"),
    (lambda b: b["services"][0].update(sk_date="2 November 2026"), "sk_date"),
    (lambda b: b.update(office="kejari-alor"), "office"),
])
def test_a_body_the_loader_would_refuse_is_refused_and_nothing_is_stored(runtime, break_it, field):
    body = seed_body(runtime)
    break_it(body)
    with runtime.db.session() as s:
        with pytest.raises(CatalogError, match=field):
            versions.save_draft(s, OFFICE, body, source="dashboard", sk_number=None, sk_date=None, author=None)
        s.rollback()
        assert s.scalars(select(CatalogVersion)).all() == []


def test_publish_retires_the_one_before_and_roll_back_publishes_it_again_as_a_new_version(runtime):
    with runtime.db.session() as s:
        seed = versions.record_seed(s, OFFICE, seed_body(runtime), origin="catalog/kejari-klungkung.yaml")
        assert seed.number == 1 and seed.state == RETIRED and seed.source == "seed"
        assert versions.record_seed(s, OFFICE, seed_body(runtime), origin="again") is None
        two = versions.save_draft(s, OFFICE, with_requirement(seed_body(runtime), NEW_REQUIREMENT),
                                  source="dashboard", sk_number="KEP-99/2026", sk_date=None, author=None)
        versions.publish(s, two, None, note="SK baru")
        with pytest.raises(versions.NotADraft):
            versions.publish(s, two, None)
        three = versions.save_draft(s, OFFICE, with_requirement(two.data, "Lagi"), source="dashboard",
                                    sk_number=None, sk_date=None, author=None)
        versions.publish(s, three, None)
        assert (versions.published(s, OFFICE).number, two.state) == (3, RETIRED)
        with pytest.raises(versions.NotRetired):
            versions.roll_back(s, OFFICE, 3, None)  # the published one
        four = versions.roll_back(s, OFFICE, 2, None, note="kembali ke SK KEP-99")
        s.commit()
        assert (four.number, four.state, four.source, four.body) == (4, PUBLISHED, "rollback: #2", two.body)
        assert four.sk_number == "KEP-99/2026" and three.state == RETIRED
        assert [(v.number, v.state) for v in versions.history(s, OFFICE)] == [
            (4, PUBLISHED), (3, RETIRED), (2, RETIRED), (1, RETIRED)]
        with pytest.raises(versions.NotRetired):  # a draft is published, not rolled back to
            versions.roll_back(s, OFFICE, versions.save_draft(s, OFFICE, seed_body(runtime), source="x",
                                                              sk_number=None, sk_date=None, author=None), None)
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == versions.SUBJECT)
                            .order_by(AuditEvent.id)).all()
    assert actions == ["create", "publish", "create", "publish", "rollback", "create"]


def test_diff_lists_added_removed_and_changed_sections_with_their_lines(runtime):
    before = runtime.deps.catalogs.seed_body(runtime.offices.get("setda-klungkung"))
    after = copy.deepcopy(before)
    first, second = after["services"][0], after["services"][1]
    first["persyaratan"][0] = "Surat permohonan (diubah)"
    first["biaya"] = "Rp 10.000"
    removed = after["services"].pop(2)
    added = {**copy.deepcopy(second), "id": "layanan-baru", "name": "Layanan Baru"}
    after["services"].append(added)
    changes = versions.diff(before, after)
    kinds = {c.id: c.kind for c in changes.services}
    assert kinds == {first["id"]: "changed", removed["id"]: "removed", "layanan-baru": "added"}
    changed = next(c for c in changes.services if c.kind == "changed")
    sections = {c.section: c for c in changed.sections}
    assert set(sections) == {"persyaratan", "biaya"}
    assert sections["biaya"].before == [before["services"][0]["biaya"]] and sections["biaya"].after == ["Rp 10.000"]
    assert "Surat permohonan (diubah)" in sections["persyaratan"].after
    assert not versions.diff(before, copy.deepcopy(before))


# -- the bot answers from the published version ------------------------------------------------------------
def test_published_answered_on_whatsapp_then_rolled_back_and_the_old_answer_returns(whatsapp, runtime):
    old = ask_requirements(whatsapp, runtime)
    assert NEW_REQUIREMENT not in old and "kartu identitas" in old
    with runtime.db.session() as s:
        versions.record_seed(s, OFFICE, seed_body(runtime), origin="catalog/kejari-klungkung.yaml")
        s.commit()
    assert publish(runtime, with_requirement(seed_body(runtime), NEW_REQUIREMENT)) == 2
    new = ask_requirements(whatsapp, runtime)
    assert f"6. {NEW_REQUIREMENT}" in new
    assert runtime.deps.catalogs.published_number(runtime.offices.get(OFFICE)) == 2
    with runtime.db.session() as s:
        versions.roll_back(s, OFFICE, 1, None)
        s.commit()
    assert ask_requirements(whatsapp, runtime) == old


def test_a_second_process_answers_the_new_requirements_after_its_refresh(whatsapp, runtime, config):
    """Two runtimes built from one config, as two gunicorn workers: the one that did not publish keeps its
    catalog until the revision signal says the office changed, then reloads it from SQL."""
    other = runtime_module.build(config)
    try:
        there = WhatsApp(create_app(config, runtime=other).test_client(), AUTH_TOKEN, PUBLIC_BASE_URL, other.offices)
        other.revisions.refresh()
        old = ask_requirements(there, other)
        assert NEW_REQUIREMENT not in old
        publish(runtime, with_requirement(seed_body(runtime), NEW_REQUIREMENT))  # committed here: the signal goes out
        assert NEW_REQUIREMENT in ask_requirements(whatsapp, runtime)
        other.revisions.refresh()  # what the other process does at its next message
        assert NEW_REQUIREMENT in ask_requirements(there, other)
    finally:
        other.db.dispose()


def test_an_office_that_never_published_answers_from_its_seed_file(runtime):
    office = runtime.offices.get(OFFICE)
    catalogs = runtime.deps.catalogs
    with runtime.db.session() as s:
        versions.save_draft(s, OFFICE, with_requirement(seed_body(runtime), NEW_REQUIREMENT), source="dashboard",
                            sk_number=None, sk_date=None, author=None)  # a draft only: not what citizens see
        s.commit()
    runtime.revisions.bump(OFFICE)  # even reloaded from SQL, a draft is not what the bot answers from
    assert catalogs.catalog(office) == catalogs.seed(office)
    assert catalogs.published_number(office) is None


# -- the editor's text fields (bot/catalog/editing.py) --------------------------------------------------------
@pytest.mark.parametrize("typed, stored", [
    ("KTP\nKK", ["KTP", "KK"]),
    ("1. KTP\n2) KK\n\n", ["KTP", "KK"]),  # typed numbers dropped: the bot numbers them
    ("Surat permohonan yang memuat:\n  a. Agenda kegiatan\n  - Contact person\nKTP",
     [{"text": "Surat permohonan yang memuat:", "items": ["Agenda kegiatan", "Contact person"]}, "KTP"]),
    ("Surat:\n\tsatu\n• dua", [{"text": "Surat:", "items": ["satu", "dua"]}]),
    ("  awal yang menjorok\nKTP", ["awal yang menjorok", "KTP"]),  # nothing above it: a requirement itself
])
def test_requirements_typed_one_a_line_with_indented_sub_items(typed, stored):
    assert editing.parse_requirements(typed) == stored
    assert editing.parse_requirements(editing.requirements_text(stored)) == stored  # the form round-trips


def test_a_step_keeps_its_own_fields_while_it_is_the_same_step():
    old = [{"step": "Daftar", "waktu": {"text": "5 menit", "value": 5, "unit": "menit"}, "output": ["Nomor"]},
           "Tunggu", {"step": "Ambil", "output": ["Surat"]}]
    assert editing.parse_steps("Daftar di loket\nTunggu\nAmbil", old)[0]["output"] == ["Nomor"]  # same place
    reordered = editing.parse_steps("Ambil\nDaftar\nBaru\nTunggu", old)  # same text, anywhere
    assert reordered == [old[2], old[0], "Baru", "Tunggu"]


def test_a_service_edited_through_the_form_fields_passes_the_loader(runtime):
    body = seed_body(runtime)
    service = body["services"][0]
    fields = {**editing.form_fields(service), "waktu": "14 hari kerja\nkecuali hari libur", "sk_date": date(2026, 1, 5),
              "pengaduan": "Email: pengaduan@kejaksaan.go.id\nSP4N LAPOR"}
    edited = editing.apply(service, fields)
    assert edited["waktu"] == {"text": "14 hari kerja", "value": 14, "unit": "hari kerja",
                               "detail": ["kecuali hari libur"]}
    assert edited["pengaduan"]["email"] == ["pengaduan@kejaksaan.go.id"] and edited["pengaduan"]["apps"]
    assert edited["sk_date"] == "2026-01-05" and edited["prosedur"] == service["prosedur"]
    catalog = catalog_from_dict(OFFICE, editing.replace_service(body, edited))
    assert catalog.service(SERVICE).sk_date == "2026-01-05"
    assert catalog.service(SERVICE).waktu.detail == ("kecuali hari libur",)
