"""The desk's page for a citizen's personal data (UU 27/2022): admins only, CSRF, the number only in
POST bodies, export as a file, erasure with a typed confirmation, every action audited with its office."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.models.complaints import Complaint
from bot.models.rights import RightsRequest
from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, signed_in
from tests.support.visits import CITIZEN, KASI_INTEL, NIK, NIK_MASKED, make_config_dir, outbox_to, visits
from tests.test_rights import NAME, OTHER, OTHER_NAME, USER_ID, file_complaint, scan, two_citizens


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def audits(runtime) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "citizen_data")
                              .order_by(AuditEvent.id)))


@pytest.mark.parametrize("role", ["desk", "handler", "viewer"])
def test_only_admins_reach_the_page(app, runtime, role):
    member = signed_in(app, runtime, f"staff-{role}", role)
    assert member.get("/dashboard/rights").status_code == 403
    for path in ("/dashboard/rights", "/dashboard/rights/export", "/dashboard/rights/erase"):
        assert member.post(path, {"office": OFFICE, "address": CITIZEN, "confirm": CITIZEN}).status_code == 403
    assert audits(runtime) == []


def test_signed_out_goes_to_the_login_page(client):
    response = client.get("/dashboard/rights")
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_admin_finds_a_citizen_exports_and_the_page_escapes(app, runtime, whatsapp, standin):
    held = two_citizens(whatsapp, runtime, standin)
    file_complaint(whatsapp, runtime, CITIZEN, "Ani <b>Berani</b>", "Uraian <script>alert(1)</script> di sini.")
    admin = signed_in(app, runtime, "admin", "admin", office=None)
    page = admin.get("/dashboard/rights")
    assert page.status_code == 200 and 'id="rights-find"' in page.get_data(as_text=True)
    assert "Data pribadi" in admin.get("/dashboard/").get_data(as_text=True)  # in the navigation

    found = admin.post("/dashboard/rights", {"office": OFFICE, "address": "0812-3450-0001"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200
    assert held["code"] in html and held["ticket"] in html and NAME in html and NIK_MASKED in html
    assert held["other_code"] not in html and OTHER_NAME not in html and NIK not in html
    assert "<b>Berani</b>" not in html and "&lt;b&gt;Berani&lt;/b&gt;" in html and "<script>alert" not in html

    download = admin.post("/dashboard/rights/export", {"office": OFFICE, "address": CITIZEN, "format": "json"})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    data = json.loads(download.get_data(as_text=True))
    assert [v["code"] for v in data["visits"]] == [held["code"]] and data["photos_held"]
    assert held["ticket"] in [c["ticket"] for c in data["complaints"]]
    assert data["retention_days"] == {"visits": 365, "complaints_after_closing": 1825, "transcripts": 365,
                                      "survey_answers": 0}
    assert NIK not in download.get_data(as_text=True)
    as_text = admin.post("/dashboard/rights/export", {"office": OFFICE, "address": CITIZEN, "format": "text"})
    assert as_text.mimetype == "text/plain" and held["code"] in as_text.get_data(as_text=True)

    rows = audits(runtime)
    assert [(a.action, a.office) for a in rows] == [("search", OFFICE), ("export", OFFICE), ("export", OFFICE)]
    assert all(CITIZEN not in json.dumps(a.detail) + (a.subject_id or "") for a in rows)  # masked
    with runtime.db.session() as s:
        assert [(r.kind, r.channel) for r in s.scalars(select(RightsRequest))] == [("access", "desk")] * 2


def test_a_whatsapp_user_id_is_found_too(app, runtime, whatsapp, standin):
    held = two_citizens(whatsapp, runtime, standin, citizen=USER_ID)
    admin = signed_in(app, runtime, "admin", "admin", office=None)
    html = admin.post("/dashboard/rights", {"office": OFFICE, "address": USER_ID}).get_data(as_text=True)
    assert held["code"] in html and held["other_code"] not in html


def test_erasure_needs_the_typed_confirmation_then_erases(app, runtime, whatsapp, standin, work):
    held = two_citizens(whatsapp, runtime, standin)
    admin = signed_in(app, runtime, "admin", "admin", office=None)
    refused = admin.post("/dashboard/rights/erase", {"office": OFFICE, "address": CITIZEN, "confirm": OTHER})
    assert refused.status_code == 400 and len(visits(runtime)) == 2

    done = admin.post("/dashboard/rights/erase", {"office": OFFICE, "address": CITIZEN, "confirm": "081234500001"})
    assert done.status_code == 200 and "PDP-" in done.get_data(as_text=True)
    assert [v.citizen_phone for v in visits(runtime)] == [OTHER]
    cancelled = outbox_to(runtime, KASI_INTEL, "visit_cancelled")
    assert len(cancelled) == 1 and held["code"] in cancelled[0].body
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.ticket == held["ticket"])).one()
        assert complaint.anonymous and complaint.phone == "" and complaint.reporter_name is None
        request = s.scalars(select(RightsRequest)).one()
        assert (request.kind, request.channel, request.actor) == ("erasure", "desk", "desk:admin")
    erase = [a for a in audits(runtime) if a.action == "erase"]
    assert len(erase) == 1 and erase[0].office == OFFICE and erase[0].detail["reference"] == request.reference
    assert scan(runtime, NAME, CITIZEN[1:], "0" + CITIZEN[3:]) == []
    work()
    # Their next message starts a new conversation with nothing of the old one.
    assert "Kunjungan* (0)" in whatsapp.send("data saya").text


def test_posts_without_the_csrf_token_are_refused(app, runtime, whatsapp, standin):
    two_citizens(whatsapp, runtime, standin)
    admin = signed_in(app, runtime, "admin", "admin", office=None)
    for path in ("/dashboard/rights", "/dashboard/rights/export", "/dashboard/rights/erase"):
        response = admin.post(path, {"office": OFFICE, "address": CITIZEN, "confirm": CITIZEN}, token=False)
        assert response.status_code == 400
    assert len(visits(runtime)) == 2 and audits(runtime) == []


def test_an_unknown_address_is_refused_politely(app, runtime):
    admin = signed_in(app, runtime, "admin", "admin", office=None)
    response = admin.post("/dashboard/rights", {"office": OFFICE, "address": "bukan nomor"})
    assert response.status_code == 400 and "tidak dikenali" in response.get_data(as_text=True)
    nothing = admin.post("/dashboard/rights", {"office": OFFICE, "address": "+6281299999999"})
    assert nothing.status_code == 200 and "Tidak ada data" in nothing.get_data(as_text=True)


