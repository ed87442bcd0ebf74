"""The IKM report on the dashboard: who may read it, office scoping, the figures against a worked
example computed by hand here, the filters (period, unit, service, event), the server-drawn SVG chart,
escaped suggestions, and the XLSX tabulation opened with openpyxl."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.catalogs import Catalogs
from bot.complaints import service as complaints
from bot.models.staff import AuditEvent
from bot.survey import ikm, report
from bot.survey import service as survey
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in

SERVICE = "penerimaan-tamu"  # a service of the PTSP unit in kejari-klungkung's catalog
# The worked example: three respondents, U1..U9.
R1 = (4, 4, 3, 4, 3, 4, 4, 3, 4)
R2 = (3, 3, 3, 4, 3, 3, 4, 3, 3)
R3 = (4, 3, 2, 4, 3, 4, 4, 2, 3)
# By hand: Σ per element 11, 10, 8, 12, 9, 11, 12, 8, 10 (total 91); NRR = Σ / 3;
# Σ NRR × 1/9 = 91/27 = 3.370…; IKM = 91/27 × 25 = 84.259… → 84.26, grade B (76.61–88.30, "Baik").
SUMS = [11, 10, 8, 12, 9, 11, 12, 8, 10]
NRR = [11 / 3, 10 / 3, 8 / 3, 4.0, 3.0, 11 / 3, 4.0, 8 / 3, 10 / 3]
IKM = 84.26
# R1 and R2 alone (the service's respondents): Σ 62 → IKM = 62 / 18 × 25 = 86.11, grade B.
IKM_SERVICE = 86.11
XSS = '<script>window.__x=1</script> Ruang tunggu panas'
FORMULA = '=HYPERLINK("http://evil.example","klik")'

_refs = iter(range(1, 10_000))


def _id(value: float) -> str:
    """A figure as the Indonesian dashboard writes it: two decimals after a comma."""
    return f"{value:.2f}".replace(".", ",")


def respond(runtime, answers, *, kind="inquiry", ref=None, office=OFFICE, suggestion=None, phone="+6281234500011",
            profile=None):
    where = runtime.offices.get(office)
    with runtime.db.session() as s:
        invitation = survey.offer_survey(s, runtime.outbox, where, phone=phone, event_kind=kind,
                                         event_ref=ref or f"{phone}:{SERVICE}:{next(_refs)}",
                                         msgs=runtime.messages, config=runtime.config)
        assert invitation is not None
        saved = survey.save(s, invitation.id, answers=dict(zip(ikm.ELEMENTS, answers, strict=True)),
                            suggestion=suggestion, complete=True, profile=profile)
        assert saved is not None and saved.completed_at is not None
        s.commit()


def complaint_about(runtime, unit: str) -> str:
    with runtime.db.session() as s:
        done = complaints.file_complaint(s, runtime.outbox, runtime.offices.get(OFFICE),
                                         complaints.Draft(category="service", description="Lama.", subject_unit=unit),
                                         phone="+6281234500022", conversation_id=None, msgs=runtime.messages,
                                         config=runtime.config)
        s.commit()
        return done.complaint.ticket


@pytest.fixture
def example(runtime, frozen_clock):
    """The worked example in November 2026, plus responses that must not count."""
    frozen_clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    respond(runtime, (1,) * 9)  # October: outside the period
    frozen_clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    respond(runtime, (1,) * 9, office=OTHER_OFFICE)  # another office
    respond(runtime, R1, suggestion=XSS)
    respond(runtime, R2, suggestion=FORMULA)
    respond(runtime, R3, kind="complaint", ref=complaint_about(runtime, "pidum"))
    with runtime.db.session() as s:  # an unfinished response does not count
        where = runtime.offices.get(OFFICE)
        invitation = survey.offer_survey(s, runtime.outbox, where, phone="+6281234500033", event_kind="checkout",
                                         event_ref="V-1", msgs=runtime.messages, config=runtime.config)
        survey.save(s, invitation.id, answers={"persyaratan": 4})
        s.commit()


PERIOD = "date_from=2026-11-01&date_to=2026-11-30"


@pytest.mark.parametrize(("role", "office", "status"), [("admin", None, 200), ("desk", OFFICE, 200),
                                                        ("handler", OFFICE, 200), ("viewer", OFFICE, 200)])
def test_role_matrix(app, runtime, role, office, status):
    member = signed_in(app, runtime, f"{role}1", role, office)
    assert member.get("/dashboard/survey").status_code == status
    assert member.get("/dashboard/survey/export.xlsx").status_code == status
    assert 'href="/dashboard/survey"' in member.get("/dashboard/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/dashboard/survey", "/dashboard/survey/export.xlsx"])
def test_signed_out_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_another_office_is_not_found(app, runtime, example):
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    assert member.get(f"/dashboard/survey?office={OTHER_OFFICE}").status_code == 404
    assert member.get(f"/dashboard/survey/export.xlsx?office={OTHER_OFFICE}").status_code == 404
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get(f"/dashboard/survey?office={OTHER_OFFICE}&{PERIOD}").get_data(as_text=True)
    assert 'id="ikm-respondents">1<' in page and 'id="ikm-value">25,00<' in page and 'id="ikm-band">D<' in page


def test_report_figures_match_the_worked_example(app, runtime, example):
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    page = member.get(f"/dashboard/survey?{PERIOD}").get_data(as_text=True)
    assert 'id="ikm-respondents">3<' in page
    assert f'id="ikm-value">{_id(IKM)}<' in page and 'id="ikm-band">B<' in page and "Baik" in page
    for element, value in zip(ikm.ELEMENTS, NRR, strict=True):
        assert f'<tr data-element="{element}">' in page
        assert f'data-element="{element}" data-nrr="{value:.2f}"' in page  # the chart's bar
    # the chart: inline SVG, nine bars, no script
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="bar"') == 9 and "<script" not in svg
    # suggestions are text, never markup
    assert "&lt;script&gt;window.__x=1&lt;/script&gt; Ruang tunggu panas" in page
    assert "<script>window.__x=1" not in page
    entry = _audit(runtime)[-1]
    assert entry.subject_type == "survey_report" and entry.detail["respondents"] == 3


def test_default_period_is_this_month_and_the_period_filters(app, runtime, example):
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    assert 'id="ikm-respondents">3<' in member.get("/dashboard/survey").get_data(as_text=True)
    october = member.get("/dashboard/survey?date_from=2026-10-01&date_to=2026-10-31").get_data(as_text=True)
    assert 'id="ikm-respondents">1<' in october and 'id="ikm-value">25,00<' in october
    empty = member.get("/dashboard/survey?date_from=2026-01-01&date_to=2026-01-31").get_data(as_text=True)
    assert 'id="ikm-respondents">0<' in empty and 'id="ikm-empty"' in empty and "<svg" not in empty


def test_unit_service_and_event_filters(app, runtime, example):
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    by_service = member.get(f"/dashboard/survey?{PERIOD}&service={SERVICE}").get_data(as_text=True)
    assert 'id="ikm-respondents">2<' in by_service and f'id="ikm-value">{_id(IKM_SERVICE)}<' in by_service
    by_unit = member.get(f"/dashboard/survey?{PERIOD}&unit=ptsp").get_data(as_text=True)
    assert 'id="ikm-respondents">2<' in by_unit
    pidum = member.get(f"/dashboard/survey?{PERIOD}&unit=pidum").get_data(as_text=True)
    assert 'id="ikm-respondents">1<' in pidum
    after_complaints = member.get(f"/dashboard/survey?{PERIOD}&event=complaint").get_data(as_text=True)
    assert 'id="ikm-respondents">1<' in after_complaints
    unknown = member.get(f"/dashboard/survey?{PERIOD}&unit=nope&service=nope&event=nope").get_data(as_text=True)
    assert 'id="ikm-respondents">3<' in unknown  # unknown filters are ignored, not errors


NOVEMBER = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def build(runtime, start=NOVEMBER[0], end=NOVEMBER[1], office=OFFICE, **filters) -> report.Report:
    """The one report builder, as the page and the XLSX call it (with the office's catalog)."""
    where = runtime.offices.get(office)
    with runtime.db.session() as s:
        return report.build(s, office, start, end, catalog=Catalogs(runtime.config.CONFIG_DIR).catalog(where),
                            **filters)


def test_the_report_builder_over_the_worked_example(runtime, example):
    built = build(runtime)
    result = built.result
    assert result.respondents == 3 and result.ikm == Fraction(2275, 27)
    assert result.ikm_rounded == ikm.round2(Fraction(2275, 27)) == Decimal(f"{IKM:.2f}") and result.band.grade == "B"
    assert [result.nrr[e] for e in ikm.ELEMENTS] == [Fraction(total, 3) for total in SUMS]
    assert [r.number for r in built.respondents] == [1, 2, 3]
    assert [r.answers for r in built.respondents] == [dict(zip(ikm.ELEMENTS, r, strict=True)) for r in (R1, R2, R3)]
    assert [(r.event_kind, r.unit, r.service) for r in built.respondents] == [
        ("inquiry", "ptsp", SERVICE), ("inquiry", "ptsp", SERVICE), ("complaint", "pidum", None)]
    assert built.by_event == {"inquiry": 2, "complaint": 1}
    assert built.suggestions == [XSS, FORMULA]  # as typed: escaped and masked where shown
    assert built.profile["gender"] == {"-": 3}


@pytest.mark.parametrize(("filters", "respondents", "value"), [
    ({}, 3, IKM),
    ({"service": SERVICE}, 2, IKM_SERVICE),
    ({"unit": "ptsp"}, 2, IKM_SERVICE),
    ({"unit": "pidum"}, 1, None),
    ({"event_kind": "complaint"}, 1, None),
    ({"event_kind": "checkout"}, 0, None),  # the unfinished check-out response never counts
    ({"unit": "ptsp", "event_kind": "complaint"}, 0, None),
])
def test_the_report_builder_narrows_by_unit_service_and_event(runtime, example, filters, respondents, value):
    built = build(runtime, **filters)
    assert built.result.respondents == len(built.respondents) == respondents
    if value is not None:
        assert built.result.ikm_rounded == Decimal(f"{value:.2f}")
    if not respondents:
        assert built.result.ikm is None and built.result.band is None and built.suggestions == []


def test_the_report_builder_keeps_to_its_period_and_office(runtime, example):
    october = build(runtime, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert october.result.respondents == 1 and october.result.ikm == 25 and october.result.band.grade == "D"
    other = build(runtime, office=OTHER_OFFICE)
    assert other.result.respondents == 1 and other.suggestions == []
    assert build(runtime, NOVEMBER[1], datetime(2027, 1, 1, tzinfo=UTC)).result.respondents == 0


def test_read_only_viewers_see_the_figures_but_not_the_suggestions_text(app, runtime, example):
    viewer = signed_in(app, runtime, "viewer1", "viewer", OFFICE)
    page = viewer.get(f"/dashboard/survey?{PERIOD}").get_data(as_text=True)
    assert f'id="ikm-value">{_id(IKM)}<' in page and "Saran dan masukan (2)" in page
    assert "Ruang tunggu panas" not in page and 'id="ikm-suggestions-hidden"' in page
    book = load_workbook(BytesIO(viewer.get(f"/dashboard/survey/export.xlsx?{PERIOD}").data))
    assert book.sheetnames == ["Tabulasi IKM", "Profil responden"]  # no suggestions sheet


def _rows(sheet) -> dict[str, list]:
    return {str(row[0]): list(row[1:]) for row in sheet.iter_rows(values_only=True) if row and row[0] is not None}


def test_xlsx_is_the_regulations_tabulation(app, runtime, example):
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    response = member.get(f"/dashboard/survey/export.xlsx?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "ikm-kejari-klungkung-2026-11-01-2026-11-30.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    sheet = book["Tabulasi IKM"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "No. responden")
    assert list(rows[header][1:10]) == [f"U{i}" for i in range(1, 10)]
    assert [list(r[:10]) for r in rows[header + 1:header + 4]] == [[1, *R1], [2, *R2], [3, *R3]]
    by_label = _rows(sheet)
    assert by_label["Jumlah responden"][0] == 3
    assert by_label["Σ nilai per unsur"][:9] == SUMS
    assert by_label["NRR per unsur"][:9] == pytest.approx(NRR)
    assert by_label["NRR tertimbang per unsur"][:9] == pytest.approx([v / 9 for v in NRR])
    assert by_label["Jumlah NRR tertimbang"][0] == pytest.approx(91 / 27)
    assert by_label["IKM unit pelayanan"][0] == pytest.approx(2275 / 27)
    assert round(by_label["IKM unit pelayanan"][0], 2) == IKM
    assert by_label["Mutu pelayanan"][0] == "B (Baik)"
    assert by_label["Unit pelayanan"][0] == "Kejaksaan Negeri Klungkung"
    assert by_label["Periode"][0] == "01-11-2026 s.d. 30-11-2026"
    notes = book["Saran"]
    texts = [r[1] for r in notes.iter_rows(min_row=2, values_only=True)]
    assert texts == [XSS, FORMULA]
    assert notes.cell(3, 2).data_type == "s"  # a citizen's "=…" stays text, not a formula
    entry = _audit(runtime, "export")[-1]
    assert entry.detail["format"] == "xlsx" and entry.detail["respondents"] == 3


def test_xlsx_for_a_service_and_an_empty_period(app, runtime, example):
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    book = load_workbook(BytesIO(member.get(f"/dashboard/survey/export.xlsx?{PERIOD}&service={SERVICE}").data))
    by_label = _rows(book.active)
    assert by_label["Jumlah responden"][0] == 2 and round(by_label["IKM unit pelayanan"][0], 2) == IKM_SERVICE
    catalog = runtime.deps.catalogs.catalog(runtime.offices.get(OFFICE))
    assert by_label["Jenis layanan"][0] == catalog.service(SERVICE).name
    empty = load_workbook(BytesIO(member.get("/dashboard/survey/export.xlsx?date_from=2026-01-01&date_to=2026-01-02")
                                  .data))
    by_label = _rows(empty.active)
    assert by_label["Jumlah responden"][0] == 0 and "IKM unit pelayanan" not in by_label


def _audit(runtime, action: str = "view") -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_report_in_english(app, runtime, example):
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    assert member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/survey"}).status_code == 302
    page = member.get(f"/dashboard/survey?{PERIOD}").get_data(as_text=True)
    assert "Public Satisfaction Index (IKM)" in page and "Good" in page and "Staff conduct" in page
    assert f'id="ikm-value">{IKM:.2f}<' in page  # English: a decimal point
    book = load_workbook(BytesIO(member.get(f"/dashboard/survey/export.xlsx?{PERIOD}").data))
    assert _rows(book["IKM tabulation"])["Service grade"][0] == "B (Good)"


def test_every_figure_on_the_indonesian_report_has_a_decimal_comma(app, runtime, example):
    """The IKM, each NRR and weighted NRR, and the chart's labels: "84,26" beside the bands' "88,31", never
    "84.26" (the chart's data-nrr stays machine-readable)."""
    page = signed_in(app, runtime, "desk1", "desk", OFFICE).get(f"/dashboard/survey?{PERIOD}").get_data(as_text=True)
    table = page[page.index('id="ikm-nrr"'):page.index("</table>", page.index('id="ikm-nrr"'))]
    chart_text = re.sub(r"<[^>]*>", " ", page[page.index("<svg"):page.index("</svg>")])  # its words only
    for part in (table, chart_text, page[page.index('id="ikm-value"'):page.index('id="ikm-band"')]):
        assert not re.search(r"\d\.\d", part), re.search(r".{20}\d\.\d.{5}", part)
    assert f'class="nrr">{_id(NRR[0])}</td>' in table and ">0,407<" in table  # 11/3 x 1/9 = 0.4074


def test_the_respondent_profile_is_tabulated_on_the_page_and_in_the_xlsx(app, runtime, frozen_clock):
    """PermenPANRB 14/2017's respondent profile: per question each answer's respondents and share, every answer
    listed (a zero too), the skipped ones as "Tidak diisi"; in the dashboard's language."""
    frozen_clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    woman = {"gender": "female", "age_band": "age30s", "education": "s1", "occupation": "asn"}
    respond(runtime, R1, profile=woman)
    respond(runtime, R2, profile={**woman, "age_band": "age40s", "occupation": "self"})
    respond(runtime, R3, profile={"gender": "male"})
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    page = member.get(f"/dashboard/survey?{PERIOD}").get_data(as_text=True)
    table = page[page.index('id="ikm-profile"'):page.index("</table>", page.index('id="ikm-profile"'))]

    def row(field: str, answer: str) -> str:
        start = table.index(f'data-field="{field}" data-answer="{answer}"')
        return re.sub(r"<[^>]*>", "|", table[start:table.index("</tr>", start)])

    assert "Jenis kelamin" in table and "|Perempuan|" in row("gender", "female")
    assert "|2|" in row("gender", "female") and "66,67 %" in row("gender", "female")
    assert "|1|" in row("gender", "male") and "33,33 %" in row("gender", "male")
    assert "|0|" in row("education", "sd") and "0,00 %" in row("education", "sd")  # every answer, a zero too
    assert "Tidak diisi" in row("age_band", "-") and "|1|" in row("age_band", "-")
    assert 'data-field="gender" data-answer="-"' not in table  # everyone answered it
    book = load_workbook(BytesIO(member.get(f"/dashboard/survey/export.xlsx?{PERIOD}").data))
    sheet = book["Profil responden"]
    lines = [[c.value for c in r] for r in sheet.iter_rows()]
    assert ["Jenis kelamin", "Laki-laki", 1, pytest.approx(1 / 3)] in lines
    assert [None, "Perempuan", 2, pytest.approx(2 / 3)] in lines
    assert [None, "Tidak diisi", 1, pytest.approx(1 / 3)] in lines  # the third skipped the age band
    assert sheet.cell(5, 4).number_format == "0.00%"
    member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/survey"})
    page = member.get(f"/dashboard/survey?{PERIOD}").get_data(as_text=True)
    assert "Respondent profile" in page and "Female" in page and "66.67 %" in page
    book = load_workbook(BytesIO(member.get(f"/dashboard/survey/export.xlsx?{PERIOD}").data))
    assert ["Gender", "Male", 1, pytest.approx(1 / 3)] in [[c.value for c in r] for r in book["Respondent profile"]
                                                              .iter_rows()]
