"""The Employees page: desk officers read their office's directory, admins edit it (numbers normalised,
clashes refused), every view and change audited, CSRF required, names escaped; and in chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models.staff import AuditEvent
from bot.models.visits import Employee
from tests.support import browser
from tests.support.dashboard import OFFICE, OTHER_OFFICE, PASSWORD, make_user, signed_in
from tests.support.visits import make_config_dir

server, browser_page = browser.server, browser.browser_page  # the shared fixtures

KASI_INTEL = "+6281100000002"


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    return config


def employee(runtime, key: str, office: str = OFFICE) -> Employee:
    runtime.deps.directory.sync(runtime.offices.get(office))
    with runtime.db.session() as s:
        return s.scalar(select(Employee).where(Employee.office == office, Employee.key == key))


def form(row: Employee, **changes) -> dict:
    data = {"office": row.office, "name": row.name, "title": row.title, "unit": row.unit or "",
            "whatsapp": row.whatsapp or "", "role": row.role, "aliases": ", ".join(row.aliases), "active": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def audits(runtime, subject_type: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.subject_type == subject_type)))


@pytest.mark.parametrize(("role", "listing", "edit"), [
    ("admin", 200, 200), ("desk", 200, 403), ("handler", 403, 403), ("viewer", 403, 403)])
def test_role_matrix(app, runtime, role, listing, edit):
    row = employee(runtime, "kasi-intel")
    member = signed_in(app, runtime, f"{role}1", role, None if role == "admin" else OFFICE)
    assert member.get("/dashboard/employees").status_code == listing
    assert member.get(f"/dashboard/employees/{row.id}").status_code == edit
    assert member.get("/dashboard/employees/new").status_code == edit
    posted = member.post(f"/dashboard/employees/{row.id}", form(row, title="Kasi Intel Baru"))
    assert posted.status_code == (302 if role == "admin" else 403)
    assert (employee(runtime, "kasi-intel").title == "Kasi Intel Baru") == (role == "admin")
    menu = member.get("/dashboard/").get_data(as_text=True)
    assert ('href="/dashboard/employees"' in menu) == (listing == 200)


def test_signed_out_goes_to_login(client):
    response = client.get("/dashboard/employees")
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_desk_sees_own_office_only_with_numbers_and_the_view_is_audited(app, runtime):
    other = employee(runtime, "kajari", OTHER_OFFICE)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    page = member.get("/dashboard/employees").get_data(as_text=True)
    assert 'id="employees-kejari-klungkung"' in page and f'id="employees-{OTHER_OFFICE}"' not in page
    assert "Ni Luh Putu Ayu Lestari" in page and f'href="tel:{KASI_INTEL}"' in page
    assert "Petugas PTSP" in page and "Seksi Intelijen" in page
    assert "/dashboard/employees/new" not in page  # read-only for the desk
    assert [a.action for a in audits(runtime, "employee_list")] == ["view"]
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert admin.get(f"/dashboard/employees/{other.id}").status_code == 200
    assert member.get(f"/dashboard/employees/{other.id}").status_code == 403


def test_admin_adds_an_employee_with_a_normalised_number(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert "Seksi Pengelolaan Barang Bukti" in admin.get(f"/dashboard/employees/new?office={OFFICE}").get_data(
        as_text=True)
    response = admin.post("/dashboard/employees/new", {
        "office": OFFICE, "name": "Dewa Ayu Sri Wahyuni", "title": "Kepala Seksi Barang Bukti", "unit": "pb3r",
        "whatsapp": "0811-0000-0077", "role": "host", "aliases": "kasi bb,\nbarang bukti", "active": "y"})
    assert response.status_code == 302
    row = employee(runtime, "dewa-ayu-sri-wahyuni")
    assert (row.whatsapp, row.unit, row.aliases, row.managed_by) == (
        "+6281100000077", "pb3r", ["kasi bb", "barang bukti"], "dashboard")
    [created] = audits(runtime, "employee")
    assert created.action == "create" and created.subject_id == str(row.id) and "0811" not in str(created.detail)


@pytest.mark.parametrize(("changes", "message"), [
    ({"whatsapp": "12345"}, "Nomor WhatsApp tidak dikenali"),
    ({"whatsapp": KASI_INTEL}, "sudah dipakai pegawai aktif lain"),
    ({"unit": "no-such-unit"}, "Mohon periksa kembali"),
    ({"name": ""}, "Mohon periksa kembali"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(app, runtime, changes, message):
    row = employee(runtime, "kasi-pidum")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    response = admin.post(f"/dashboard/employees/{row.id}", form(row, **changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    after = employee(runtime, "kasi-pidum")
    assert (after.whatsapp, after.unit, after.name, after.managed_by) == (row.whatsapp, row.unit, row.name, "file")


def test_switching_off_frees_the_number_and_csrf_is_required(app, runtime):
    intel, pidum = employee(runtime, "kasi-intel"), employee(runtime, "kasi-pidum")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert admin.post(f"/dashboard/employees/{intel.id}", form(intel, active=None), token=False).status_code == 400
    assert employee(runtime, "kasi-intel").active
    assert admin.post(f"/dashboard/employees/{intel.id}", form(intel, active=None)).status_code == 302
    assert not employee(runtime, "kasi-intel").active
    assert admin.post(f"/dashboard/employees/{pidum.id}", form(pidum, whatsapp=KASI_INTEL)).status_code == 302
    assert employee(runtime, "kasi-pidum").whatsapp == KASI_INTEL
    changes = [a.detail["fields"] for a in audits(runtime, "employee") if a.action == "update"]
    assert changes == [["active"], ["whatsapp"]]


def test_a_name_is_escaped(app, runtime):
    row = employee(runtime, "kasi-datun")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert admin.post(f"/dashboard/employees/{row.id}", form(row, name="<b onmouseover=alert(1)>Gede</b>")) \
        .status_code == 302
    page = admin.get("/dashboard/employees").get_data(as_text=True)
    assert "&lt;b onmouseover=alert(1)&gt;Gede&lt;/b&gt;" in page and "<b onmouseover" not in page


@pytest.mark.browser
def test_admin_fills_in_a_hosts_number_in_chromium(server, browser_page, runtime):
    row = employee(runtime, "kasi-datun")
    assert row.whatsapp is None
    make_user(runtime, "admin1", "admin", None)
    page = browser_page
    page.goto(f"{server}/dashboard/employees")
    page.fill("#username", "admin1")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/employees")
    page.click(f"#employees-{OFFICE} tr[data-key=kasi-datun] a")
    page.wait_for_url(f"**/dashboard/employees/{row.id}")
    page.fill("#whatsapp", "0812 3456 7890")
    page.click("#employee-form button[type=submit]")
    page.wait_for_url(f"**/dashboard/employees/{row.id}")
    assert "Perubahan data Gede Suparta sudah disimpan" in page.inner_text("main")
    assert page.input_value("#whatsapp") == "+6281234567890"
    assert employee(runtime, "kasi-datun").whatsapp == "+6281234567890"
