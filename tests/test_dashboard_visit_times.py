"""The Standar Pelayanan's clock on the dashboard (issue 20 §6), through real Flask requests over a frozen clock:
the desk's own actions (check-in, the host's answer taken by phone, check-out) measured on the monthly
report and its XLSX against Klungkung's 10 minutes; Today's waits in progress marked once over the standard;
the guest book's roles and offices; Setda, which publishes no standard, says so."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.staff import AuditEvent
from bot.models.visits import Visit
from bot.visits import model, queries
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.visits import guestbook_config, register, visits

MONTH = "2026-11"
REPORT = f"/dashboard/visit-times?office={OFFICE}&month={MONTH}"
EXPORT = f"/dashboard/visit-times.xlsx?office={OFFICE}&month={MONTH}"


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def desk(app, runtime):
    return signed_in(app, runtime, "desk1", "desk")


def _check_in(member, visit_id: int):
    response = member.post(f"/dashboard/guestbook/visit/{visit_id}/check-in",
                           {"badge": "T-07", "locker": "", "id_type": "ktp", "id_last4": "0001"})
    assert response.status_code == 302


def _answer(member, visit_id: int, answer: str, reason: str = ""):
    response = member.post(f"/dashboard/guestbook/visit/{visit_id}/host-answer", {"answer": answer, "reason": reason})
    assert response.status_code == 302


def _check_out(member, visit_id: int):
    response = member.post(f"/dashboard/guestbook/visit/{visit_id}/check-out",
                           {"back": "list", "returned": ["badge", "id_card"]})
    assert response.status_code == 302


def _row(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


def _two_guests(runtime, whatsapp, standin, work) -> tuple[int, int]:
    """Two citizens registered on WhatsApp for today 14.00 WITA: Ketut for the Kasi Intel, Made for the Kasi Pidum."""
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    register(whatsapp, runtime, standin, when="hari ini jam 14", from_="+6281234500002", name="Made Sudiarta",
             host="kasi pidum")
    work()
    first, second = visits(runtime)
    return first.id, second.id


def _cell(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("<", 1)[0].strip()


def test_the_desks_own_actions_are_measured_against_the_standard(app, runtime, whatsapp, standin, work,
                                                                  frozen_clock, desk):
    met, refused = _two_guests(runtime, whatsapp, standin, work)
    with runtime.db.session() as s:  # a third registration for November that never comes to the desk
        base = s.get(Visit, met)
        s.add(Visit(office=OFFICE, code=queries.free_code(s, OFFICE), citizen_phone="+6281234500003", name="Wayan",
                    id_type="ktp", id_masked="5171********0003", id_hash="3" * 64, purpose="Konsultasi hukum",
                    host_name=base.host_name, unit=base.unit, scheduled_at=base.scheduled_at,
                    status=model.AWAITING_HOST, created_at=base.created_at))
        s.commit()
    _check_in(desk, met)
    _check_in(desk, refused)
    frozen_clock.advance(minutes=10)  # exactly the standard: within it
    _answer(desk, met, "accept")
    frozen_clock.advance(minutes=2)
    _answer(desk, refused, "decline", "Sedang sidang")  # the refusal ends the wait too: 12 minutes, over
    frozen_clock.advance(minutes=18)
    _check_out(desk, met)  # 30 minutes after arrival
    _check_out(desk, refused)

    html = desk.get(REPORT).get_data(as_text=True)
    assert _cell(html, 'id="vt-visits">') == "2"
    assert _cell(html, 'id="vt-share">') == "50,0 %"  # one of two within: a decimal comma
    assert _cell(html, 'id="vt-median">') == "11,0 menit" and _cell(html, 'id="vt-p90">') == "12,0 menit"
    assert _cell(html, 'id="vt-standard-minutes">') == "10 menit" and "KEP-22/N.1.12/Cr.4/06/2023" in html
    assert 'data-count="1"' in html.split('id="vt-never-arrived"', 1)[1][:20]
    assert "1 kunjungan terdaftar untuk bulan ini tidak pernah check-in: tidak diukur." in html
    hosts = html.split('id="vt-hosts"', 1)[1].split("</table>", 1)[0]
    intel = hosts.split('data-host="Ni Luh Putu Ayu Lestari"', 1)[1].split("</tr>", 1)[0]
    pidum = hosts.split('data-host="Komang Wirawan"', 1)[1].split("</tr>", 1)[0]
    assert "100,0 %" in intel and "10,0 menit" in intel and "0,0 %" in pidum and "12,0 menit" in pidum
    units = html.split('id="vt-units"', 1)[1].split("</table>", 1)[0]
    assert "Seksi Intelijen" in units and "Seksi Tindak Pidana Umum" in units
    # The chart: a bar of 1 in "5–10" (within, green) and one in "10–15" (over, orange), the standard's line.
    chart = html.split('id="vt-wait-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'class="bar" data-low="5" data-count="1"' in chart
    assert 'class="bar over" data-low="10" data-count="1"' in chart
    assert 'class="standard-line"' in chart

    book = load_workbook(io.BytesIO(desk.get(EXPORT).get_data()))
    summary, rows = book["Ringkasan"], book["Kunjungan"]
    heading = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r and r[0] and len(r) > 1}
    assert heading["Kantor"] == "Kejaksaan Negeri Klungkung" and heading["Bulan"] == "November 2026"
    assert heading["Standar pelayanan (menit)"] == 10 and heading["Tidak pernah check-in (tidak diukur)"] == 1
    table = [r for r in summary.iter_rows(values_only=True) if r and r[0] in ("Seluruh kantor", "Pegawai", "Unit")]
    total = table[0]
    assert total[:8] == ("Seluruh kantor", "Kejaksaan Negeri Klungkung", 2, 2, 1, 50.0, 11.0, 12.0)
    assert total[8:] == (2, 0, 0.0, 30.0, 30.0)  # arrival to check-out: 30 minutes, both over 10
    visits_header = next(r for r in rows.iter_rows(values_only=True) if r and r[0] == "Kode kunjungan")
    body = [dict(zip(visits_header, r, strict=True)) for r in rows.iter_rows(values_only=True)
            if r and r[0] in {_row(runtime, met).code, _row(runtime, refused).code}]
    first = next(r for r in body if r["Kode kunjungan"] == _row(runtime, met).code)
    assert first["Tiba (check-in)"] == "23-11-2026 10:00 WITA" and first["Ditemui/ditolak"] == "23-11-2026 10:10 WITA"
    assert first["Menit tiba–ditemui/ditolak"] == 10.0 and first["Tiba–ditemui/ditolak dalam standar"] == "ya"
    assert first["Check-out"] == "23-11-2026 10:30 WITA" and first["Hasil"] == "ditemui pegawai"
    second = next(r for r in body if r["Hasil"] == "ditolak dengan santun")
    assert second["Menit tiba–ditemui/ditolak"] == 12.0 and second["Tiba–ditemui/ditolak dalam standar"] == "tidak"
    assert not any("Ketut" in str(c) for r in rows.iter_rows(values_only=True) for c in r)  # no guest's name

    with runtime.db.session() as s:
        audits = list(s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "visit_times")
                                .order_by(AuditEvent.id)))
    assert audits == ["view", "export"]


def test_today_shows_the_waits_in_progress_over_the_standard_marked(app, runtime, whatsapp, standin, work,
                                                                   frozen_clock, desk):
    met, waiting = _two_guests(runtime, whatsapp, standin, work)
    _check_in(desk, met)
    frozen_clock.advance(minutes=4)
    _check_in(desk, waiting)
    frozen_clock.advance(minutes=6)  # the first guest at exactly 10 minutes, the second at 6
    html = desk.get("/dashboard/").get_data(as_text=True)
    group = html.split(f'id="today-waits-{OFFICE}"', 1)[1].split("</div>", 1)[0]
    assert "Standar pelayanan: 10 menit" in group
    first = group.split(f'data-wait="{met}"', 1)[1].split("</li>", 1)[0]
    assert 'class="over"' not in first and 'data-minutes="10"' in first and "menunggu 10 menit" in first
    assert 'data-over-after="600000"' in first and "hidden>melewati standar" in first
    assert f'href="/dashboard/guestbook/visit/{met}"' in first
    frozen_clock.advance(seconds=61)
    html = desk.get("/dashboard/").get_data(as_text=True)
    group = html.split(f'id="today-waits-{OFFICE}"', 1)[1].split("</div>", 1)[0]
    first = group.split(f'data-wait="{met}"', 1)[1].split("</li>", 1)[0]
    assert 'class="over"' in first and ">melewati standar<" in first and "menunggu 11 menit" in first
    second = group.split(f'data-wait="{waiting}"', 1)[1].split("</li>", 1)[0]
    assert 'class="over"' not in second and "menunggu 7 menit" in second
    assert group.index(f'data-wait="{met}"') < group.index(f'data-wait="{waiting}"')  # the longest first
    assert 'href="/dashboard/guestbook#group-waiting-kejari-klungkung"' in group
    # The host answered by phone: that guest's wait is over and leaves the list.
    _answer(desk, met, "accept")
    html = desk.get("/dashboard/").get_data(as_text=True)
    group = html.split(f'id="today-waits-{OFFICE}"', 1)[1].split("</div>", 1)[0]
    assert f'data-wait="{met}"' not in group and f'data-wait="{waiting}"' in group


def test_only_the_guest_books_roles_of_the_office_see_the_report(app, runtime, whatsapp, standin, work, frozen_clock,
                                                                desk):
    met, _ = _two_guests(runtime, whatsapp, standin, work)
    _check_in(desk, met)
    frozen_clock.advance(minutes=3)
    _answer(desk, met, "accept")
    code = _row(runtime, met).code
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    for member in (desk, admin):
        assert member.get(REPORT).status_code == 200 and member.get(EXPORT).status_code == 200
    for role in ("handler", "viewer"):
        member = signed_in(app, runtime, f"{role}1", role)
        assert member.get(REPORT).status_code == 403 and member.get(EXPORT).status_code == 403
        assert "/dashboard/visit-times" not in member.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/visit-times"' in desk.get("/dashboard/").get_data(as_text=True)  # the menu
    other = signed_in(app, runtime, "desk2", "desk", office=OTHER_OFFICE)
    assert other.get(REPORT).status_code == 404 and other.get(EXPORT).status_code == 404
    own = other.get(f"/dashboard/visit-times?month={MONTH}").get_data(as_text=True)
    assert "Kejaksaan Negeri Alor" in own and _cell(own, 'id="vt-visits">') == "0" and "Komang" not in own
    theirs = load_workbook(io.BytesIO(other.get(f"/dashboard/visit-times.xlsx?month={MONTH}").get_data()))
    cells = [str(c) for sheet in theirs for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
    assert "Kejaksaan Negeri Alor" in cells and not any(code in c or "Ni Luh" in c for c in cells)


def test_setda_has_no_standard_and_says_so(app, runtime, frozen_clock):
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    html = admin.get(f"/dashboard/visit-times?office=setda-klungkung&month={MONTH}").get_data(as_text=True)
    assert 'id="vt-no-standard"' in html and "belum menetapkan standar waktu penerimaan tamu" in html
    assert _cell(html, 'id="vt-share">') == "-"
    assert "Belum ada tamu yang tiba di meja PTSP pada bulan ini." in html
    book = load_workbook(io.BytesIO(admin.get(
        f"/dashboard/visit-times.xlsx?office=setda-klungkung&month={MONTH}").get_data()))
    heading = {r[0]: r[1] for r in book.active.iter_rows(values_only=True) if r and r[0] and len(r) > 1}
    assert heading["Standar pelayanan (menit)"] == "tidak ada standar"
    assert heading["Sumber standar"] == "tidak ada standar"


def test_the_month_picker_moves_and_an_unknown_month_is_this_month(app, runtime, frozen_clock, desk):
    html = desk.get("/dashboard/visit-times?month=2026-10").get_data(as_text=True)
    assert "Oktober 2026" in html and 'value="2026-10"' in html
    for wrong in ("kemarin", "2026-13", "9999-12", "2026-11-05"):
        html = desk.get(f"/dashboard/visit-times?month={wrong}").get_data(as_text=True)
        assert "November 2026" in html and 'value="2026-11"' in html, wrong
    frozen_clock.advance(days=7, hours=14)  # 1 December 2026, 00:00 WITA: still 30 November in UTC
    assert frozen_clock.now().day == 30
    assert "Desember 2026" in desk.get("/dashboard/visit-times").get_data(as_text=True)
