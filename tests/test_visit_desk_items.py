"""What the desk holds is what the SOP says (issue 20, item 7), through real Flask requests on SQLite and
PostgreSQL: each office's check-in form asks for its own items (Klungkung a badge and a locker key, Alor a
gate pass, Kapuas the identity card *and* the guest's phone), they are stored, the check-out checklist
(on the visit's page and right from the list) refuses a check-out until every item is ticked back and
names the rest, and the list, the slip and the CSV export show the office's items in Indonesian."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot import clock
from bot.exceptions import ConfigError
from bot.models.staff import AuditEvent
from bot.models.visits import Visit
from bot.visits import desk, model, queries
from tests.support.dashboard import signed_in
from tests.support.visits import guestbook_config

KLUNGKUNG, ALOR, KAPUAS, SETDA = "kejari-klungkung", "kejari-alor", "kejari-kapuas", "setda-klungkung"
JPEG = b"\xff\xd8\xff\xe0" + b"walk-in photo" * 10


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _new_visit(runtime, office: str, name: str = "Ni Made Sari") -> int:
    """A guest registered for now, whose host has no WhatsApp number (the desk is told instead)."""
    moment = clock.now()
    with runtime.db.session() as s:
        visit = Visit(office=office, code=queries.free_code(s, office), citizen_phone="", name=name, id_type="ktp",
                      id_masked="5171********0001", id_hash="0" * 64, purpose="Konsultasi hukum",
                      host_name="Kasi Intel", scheduled_at=moment, status=model.AWAITING_HOST, notice_round=0,
                      reminder_outbox_ids=[], created_at=moment)
        s.add(visit)
        s.commit()
        return visit.id


def _row(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


def _audit(runtime, action: str) -> list[dict]:
    with runtime.db.session() as s:
        return [a.detail for a in s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                            .order_by(AuditEvent.id))]


def _check_in(member, visit_id: int, **fields):
    return member.post(f"/dashboard/guestbook/visit/{visit_id}/check-in", fields)


def _check_out(member, visit_id: int, *items: str, back: str | None = None):
    data: dict = {"returned": list(items)}
    if back:
        data["back"] = back
    return member.post(f"/dashboard/guestbook/visit/{visit_id}/check-out", data)


# -- the offices' configuration --------------------------------------------------------------------
def test_each_office_has_its_sops_items(runtime):
    setups = {o.slug: o.desk for o in runtime.offices}
    assert setups[KLUNGKUNG] == desk.DeskSetup(("badge", "locker"), ("id_card",))  # seed 000 steps 3-4
    assert setups[ALOR] == desk.DeskSetup(("gate_pass",), ("id_card",))             # seed 001 step 4
    assert setups[KAPUAS] == desk.DeskSetup(("badge",), ("id_card", "phone"))       # seeds 002/003 step 8
    assert setups[SETDA] == desk.DEFAULT                                             # seed 004: no procedure
    assert setups[ALOR].pass_key == "gate_pass" and setups[KAPUAS].pass_key == "badge"


@pytest.mark.parametrize(("raw", "says"), [
    ({"hand_out": ["umbrella"]}, "unknown item"),
    ({"hand_out": ["phone"]}, "belongs in hold"),
    ({"hold": ["badge"]}, "belongs in hand_out"),
    ({"hand_out": ["badge", "gate_pass"]}, "one pass"),
    ({"hold": ["id_card", "id_card"]}, "twice"),
    ({"give": ["badge"]}, "hand_out and hold"),
])
def test_a_wrong_desk_setting_fails_loudly_at_start(raw, says):
    with pytest.raises(ConfigError, match=says):
        desk.parse(raw, "kejari-x.yaml")
    assert desk.parse(None, "kejari-x.yaml") == desk.DEFAULT


def test_an_office_file_with_a_wrong_desk_is_refused(tmp_path):
    from bot.offices import load_office

    data = yaml.safe_load(Path("config/offices/kejari-kapuas.yaml").read_text(encoding="utf-8"))
    data["desk"] = {"hold": ["passport"]}
    path = tmp_path / "kejari-kapuas.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kejari-kapuas\.yaml: desk hold: unknown item 'passport'"):
        load_office(path, {})


# -- the check-in form follows the office ----------------------------------------------------------
@pytest.mark.parametrize(("office", "present", "absent"), [
    (KLUNGKUNG, ['id="badge"', 'id="locker"', 'id="id_type"', 'id="id_last4"'],
     ['id="gate_pass"', 'id="phone_held"']),
    (ALOR, ['id="gate_pass"', 'id="id_type"', 'id="id_last4"', "Nomor gate pass"],
     ['id="badge"', 'id="locker"', 'id="phone_held"']),
    (KAPUAS, ['id="badge"', 'id="id_type"', 'id="phone_held"', 'id="phone_note"',
              "Alat komunikasi (HP) tamu dititipkan"],
     ['id="locker"', 'id="gate_pass"']),
    (SETDA, ['id="badge"', 'id="id_type"'], ['id="locker"', 'id="gate_pass"', 'id="phone_held"']),
])
def test_the_check_in_form_asks_for_the_offices_items_only(app, runtime, office, present, absent):
    visit_id = _new_visit(runtime, office)
    member = signed_in(app, runtime, "desk1", "desk", office)
    form = member.get(f"/dashboard/guestbook/visit/{visit_id}").get_data(as_text=True)
    form = form.split('id="checkin-form"')[1].split("</form>")[0]
    for needle in present:
        assert needle in form, needle
    for needle in absent:
        assert needle not in form, needle


# -- Kapuas: the identity card and the phone held, the badge taken back ------------------------------
def test_kapuas_holds_the_card_and_the_phone_and_checks_both_back(app, runtime):
    visit_id = _new_visit(runtime, KAPUAS)
    member = signed_in(app, runtime, "desk1", "desk", KAPUAS)
    _check_in(member, visit_id, badge="KPS-04", id_type="ktp", id_last4="0001", phone_held="y",
              phone_note="Samsung hitam")
    row = _row(runtime, visit_id)
    assert row.checked_in_at is not None
    assert (row.badge_number, row.locker_key, row.id_held_type, row.id_held_last4) == ("KPS-04", None, "ktp", "0001")
    assert row.desk_items == {"badge": "KPS-04", "id_card": "", "phone": "Samsung hitam"}
    assert _audit(runtime, "check_in")[-1]["items"] == ["badge", "id_card", "phone"]

    page = member.get(f"/dashboard/guestbook/visit/{visit_id}").get_data(as_text=True)
    assert 'id="visit-item-phone" data-item="phone">Samsung hitam<' in page
    checklist = page.split('id="checkout-form"')[1].split("</form>")[0]
    for key in ("badge", "id_card", "phone"):
        assert f'name="returned" value="{key}" id="returned-{key}" required' in checklist
    assert "Alat komunikasi sudah dikembalikan kepada tamu (Samsung hitam)" in checklist

    # The card back but not the phone: refused, naming what is missing.
    refused = _check_out(member, visit_id, "badge", "id_card")
    assert refused.status_code == 302 and _row(runtime, visit_id).checked_out_at is None
    assert "Check-out belum dicatat. Centang dulu: Alat komunikasi (HP)." in \
        member.get(f"/dashboard/guestbook/visit/{visit_id}").get_data(as_text=True)

    _check_out(member, visit_id, "badge", "id_card", "phone")
    row = _row(runtime, visit_id)
    assert row.checked_out_at is not None and row.id_returned_at is not None
    assert row.desk_returned == ["badge", "id_card", "phone"]
    assert _audit(runtime, "check_out")[-1]["returned"] == ["badge", "id_card", "phone"]
    page = member.get(f"/dashboard/guestbook/visit/{visit_id}").get_data(as_text=True)
    assert 'id="visit-returned">Tanda pengenal tamu, Kartu identitas, Alat komunikasi (HP)<' in page


def test_a_kapuas_guest_without_a_phone_is_not_asked_for_it_at_check_out(app, runtime):
    visit_id = _new_visit(runtime, KAPUAS)
    member = signed_in(app, runtime, "desk1", "desk", KAPUAS)
    _check_in(member, visit_id, badge="KPS-05", id_type="ktp", id_last4="0001")  # nothing ticked: no phone
    assert _row(runtime, visit_id).desk_items == {"badge": "KPS-05", "id_card": ""}
    _check_out(member, visit_id, "badge", "id_card")
    assert _row(runtime, visit_id).checked_out_at is not None


def test_the_list_checkout_at_kapuas_ticks_each_item_and_names_the_missing(app, runtime):
    visit_id = _new_visit(runtime, KAPUAS)
    member = signed_in(app, runtime, "desk1", "desk", KAPUAS)
    _check_in(member, visit_id, badge="KPS-06", id_type="ktp", id_last4="0001", phone_held="y", phone_note="")
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    waiting = page.split(f'id="group-waiting-{KAPUAS}"')[1].split("</table>")[0]
    for key in ("badge", "id_card", "phone"):
        assert f'name="returned" value="{key}" required' in waiting
    assert 'data-item="phone">HP<' in waiting and 'data-item="id_card">KTP ****0001<' in waiting

    refused = _check_out(member, visit_id, "id_card", back="list")
    assert refused.headers["Location"].endswith("/dashboard/guestbook")
    assert "Centang dulu: Tanda pengenal tamu, Alat komunikasi (HP)." in \
        member.get("/dashboard/guestbook").get_data(as_text=True)
    assert _row(runtime, visit_id).checked_out_at is None
    _check_out(member, visit_id, "badge", "id_card", "phone", back="list")
    assert _row(runtime, visit_id).checked_out_at is not None


def test_a_kapuas_walk_in_records_the_phone_held(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk", KAPUAS)
    form = member.get("/dashboard/guestbook/walk-in").get_data(as_text=True)
    assert 'id="phone_held"' in form and 'id="locker"' not in form and 'id="id_last4"' not in form
    data = {"consent": "y", "name": "Dayang Sari", "id_type": "ktp", "id_number": "5171014505850002",
            "phone": "", "purpose": "Melapor ke Kasi Intel", "host": "kasi-intel", "badge": "KPS-09",
            "phone_held": "y", "phone_note": "Oppo biru", "csrf_token": member.token("/dashboard/guestbook/walk-in"),
            "photo": (io.BytesIO(JPEG), "dayang.jpg", "image/jpeg")}
    response = member.client.post("/dashboard/guestbook/walk-in", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with runtime.db.session() as s:
        [row] = list(s.scalars(select(Visit).where(Visit.office == KAPUAS)))
    assert row.desk_items == {"badge": "KPS-09", "id_card": "", "phone": "Oppo biru"}
    assert (row.id_held_type, row.id_held_last4) == ("ktp", "0002")  # the walk-in's own document


# -- Alor: a gate pass against the KTP --------------------------------------------------------------
def test_alor_hands_out_a_gate_pass_found_by_search_and_printed_on_the_slip(app, runtime):
    visit_id = _new_visit(runtime, ALOR, name="Yohanes Mau")
    member = signed_in(app, runtime, "desk1", "desk", ALOR)
    _check_in(member, visit_id, gate_pass="", id_type="ktp", id_last4="0001")
    assert _row(runtime, visit_id).checked_in_at is None  # the gate pass is required
    _check_in(member, visit_id, gate_pass="GP-031", id_type="ktp", id_last4="0001")
    row = _row(runtime, visit_id)
    assert row.badge_number == "GP-031" and row.desk_items == {"gate_pass": "GP-031", "id_card": ""}

    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    waiting = page.split(f'id="group-waiting-{ALOR}"')[1].split("</table>")[0]
    assert "<th>Gate pass</th>" in waiting and "GP-031" in waiting  # the column is Alor's pass
    found = member.get("/dashboard/guestbook/search?q=gp-031").get_data(as_text=True)
    assert "Yohanes Mau" in found
    slip = member.get(f"/dashboard/guestbook/visit/{visit_id}/slip").get_data(as_text=True)
    assert '<span>Gate pass</span> <strong>GP-031</strong>' in slip
    assert "Bawa gate pass selama di kantor" in slip
    assert 'id="slip-items">KTP ****0001<' in slip  # what the guest collects at departure

    _check_out(member, visit_id, "id_card")
    assert _row(runtime, visit_id).checked_out_at is None
    _check_out(member, visit_id, "gate_pass", "id_card")
    assert _row(runtime, visit_id).checked_out_at is not None


# -- Klungkung: the locker only for a guest with belongings ------------------------------------------
def test_klungkung_asks_the_locker_key_back_only_when_one_was_given(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk", KLUNGKUNG)
    with_locker, without = _new_visit(runtime, KLUNGKUNG), _new_visit(runtime, KLUNGKUNG, name="Komang Adi")
    _check_in(member, with_locker, badge="T-1", locker="L-7", id_type="ktp", id_last4="0001")
    _check_in(member, without, badge="T-2", locker="", id_type="ktp", id_last4="0001")
    assert _row(runtime, with_locker).desk_items == {"badge": "T-1", "locker": "L-7", "id_card": ""}
    assert _row(runtime, without).desk_items == {"badge": "T-2", "id_card": ""}
    slip = member.get(f"/dashboard/guestbook/visit/{with_locker}/slip").get_data(as_text=True)
    assert 'id="slip-items">Loker L-7 · KTP ****0001<' in slip
    assert "<span>Tanda pengenal tamu</span> <strong>T-1</strong>" in slip

    _check_out(member, with_locker, "badge", "id_card")
    assert _row(runtime, with_locker).checked_out_at is None
    _check_out(member, with_locker, "badge", "locker", "id_card")
    _check_out(member, without, "badge", "id_card")
    assert _row(runtime, with_locker).checked_out_at is not None and _row(runtime, without).checked_out_at is not None


def test_a_guest_checked_in_before_the_desk_items_is_checked_from_the_columns(app, runtime):
    visit_id = _new_visit(runtime, KLUNGKUNG)
    with runtime.db.session() as s:  # as a check-in before migration 0018 left it
        row = s.get(Visit, visit_id)
        row.checked_in_at, row.checked_in_by = clock.now(), "desk1"
        row.badge_number, row.id_held_type, row.id_held_last4 = "T-3", "ktp", "0001"
        s.commit()
    assert desk.held_items(_row(runtime, visit_id)) == {"badge": "T-3", "id_card": ""}
    member = signed_in(app, runtime, "desk1", "desk", KLUNGKUNG)
    _check_out(member, visit_id, "id_card")
    assert _row(runtime, visit_id).checked_out_at is None
    _check_out(member, visit_id, "badge", "id_card")
    assert _row(runtime, visit_id).desk_returned == ["badge", "id_card"]


# -- the export ----------------------------------------------------------------------------------------
def test_the_export_lists_each_offices_items_in_indonesian(app, runtime):
    kapuas, alor = _new_visit(runtime, KAPUAS, name="Dayang Sari"), _new_visit(runtime, ALOR, name="Yohanes Mau")
    desk_kps = signed_in(app, runtime, "desk1", "desk", KAPUAS)
    desk_alr = signed_in(app, runtime, "desk2", "desk", ALOR)
    _check_in(desk_kps, kapuas, badge="KPS-04", id_type="ktp", id_last4="0001", phone_held="y",
              phone_note="Samsung hitam")
    _check_out(desk_kps, kapuas, "badge", "id_card", "phone")
    _check_in(desk_alr, alor, gate_pass="GP-031", id_type="ktp", id_last4="0001")

    admin = signed_in(app, runtime, "admin1", "admin", None)
    day = clock.now().date().isoformat()
    response = admin.get(f"/dashboard/guestbook/export.csv?date_from={day}&date_to={day}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_name = {r["Nama tamu"]: r for r in rows}
    assert by_name["Dayang Sari"]["Diserahkan/dititipkan"] == \
        "Tanda pengenal tamu: KPS-04; Kartu identitas: KTP ****0001; Alat komunikasi (HP): Samsung hitam"
    assert by_name["Dayang Sari"]["Dikembalikan saat pulang"] == \
        "Tanda pengenal tamu; Kartu identitas; Alat komunikasi (HP)"
    assert by_name["Yohanes Mau"]["Diserahkan/dititipkan"] == "Gate pass: GP-031; Kartu identitas: KTP ****0001"
    assert by_name["Yohanes Mau"]["Dikembalikan saat pulang"] == ""  # still in the building
    assert "5171014505850001" not in response.get_data(as_text=True)
