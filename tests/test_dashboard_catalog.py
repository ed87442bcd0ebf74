"""The read-only service catalog on the dashboard: every role, own office only, every standard field."""

from __future__ import annotations

import pytest

from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in

ROLES = [("admin", None), ("desk", OFFICE), ("handler", OFFICE), ("viewer", OFFICE)]
SETDA = "setda-klungkung"


@pytest.mark.parametrize(("role", "office"), ROLES)
def test_every_role_reads_the_catalog(app, runtime, role, office):
    member = signed_in(app, runtime, f"{role}1", role, office)
    listing = member.get("/dashboard/catalog")
    assert listing.status_code == 200
    assert "Pelayanan Terpadu Satu Pintu (PTSP) Klungkung" in listing.get_data(as_text=True)
    page = member.get(f"/dashboard/catalog/{OFFICE}/penerimaan-tamu")
    assert page.status_code == 200 and "KEP-22/N.1.12/Cr.4/06/2023" in page.get_data(as_text=True)
    assert 'href="/dashboard/catalog"' in member.get("/dashboard/").get_data(as_text=True)  # in the menu


@pytest.mark.parametrize("path", ["/dashboard/catalog", f"/dashboard/catalog/{OFFICE}/penerimaan-tamu"])
def test_signed_out_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_own_office_only_and_unknown_records_are_not_found(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    listing = member.get("/dashboard/catalog").get_data(as_text=True)
    assert f"/dashboard/catalog/{OTHER_OFFICE}/" not in listing and f'id="catalog-{OFFICE}"' in listing
    assert member.get(f"/dashboard/catalog/{OTHER_OFFICE}/penerimaan-tamu").status_code == 404
    assert member.get(f"/dashboard/catalog/{OFFICE}/no-such-service").status_code == 404
    assert member.get("/dashboard/catalog/no-such-office/penerimaan-tamu").status_code == 404


def test_admin_sees_every_offices_catalog(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    listing = admin.get("/dashboard/catalog").get_data(as_text=True)
    for slug in (OFFICE, OTHER_OFFICE, SETDA):
        assert f'id="catalog-{slug}"' in listing
    assert admin.get(f"/dashboard/catalog/{OTHER_OFFICE}/penerimaan-tamu").status_code == 200


def test_services_are_grouped_by_unit(app, runtime):
    member = signed_in(app, runtime, "viewer1", "viewer", SETDA)
    listing = member.get("/dashboard/catalog").get_data(as_text=True)
    assert listing.index("Bagian Pemerintahan") < listing.index("Bagian Kesejahteraan Rakyat") \
        < listing.index("Bagian Hukum")
    hukum = listing.split('data-unit="hukum"')[1].split("</table>")[0]
    assert "Pelayanan Bantuan Hukum" in hukum and "Pelayanan kerjasama daerah" not in hukum
    assert "Pelayanan kerjasama daerah" in listing


def test_service_page_shows_every_part_of_the_standard(app, runtime):
    member = signed_in(app, runtime, "viewer1", "viewer", SETDA)
    page = member.get(f"/dashboard/catalog/{SETDA}/bantuan-hukum").get_data(as_text=True)
    for section in ('id="persyaratan"', 'id="prosedur"', 'id="waktu"', 'id="biaya"', 'id="produk"',
                    'id="pengaduan"', 'id="dasar-hukum"', 'id="notes"', 'id="jaminan_pelayanan"'):
        assert section in page
    assert "Bagian Hukum Sekretariat Daerah Kabupaten Klungkung" in page
    assert "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik" in page
    assert "Surat permohonan kajian LO" in page and "Gratis/Tidak dipungut biaya" in page
    assert "Pelayanan tidak diskriminatif." in page


def test_procedure_step_times_and_time_detail(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk", OTHER_OFFICE)
    page = member.get(f"/dashboard/catalog/{OTHER_OFFICE}/penerimaan-tamu").get_data(as_text=True)
    steps = page.split('id="prosedur"')[1].split("</section>")[0]
    assert "Security Menerima tamu yang datang ke kejaksaan" in steps and "2 Menit" in steps and "KTP" in steps
    waktu = page.split('id="waktu"')[1].split("</section>")[0]
    assert "30 Menit" in waktu and "15-30 menit menunggu" in waktu


def test_english_labels(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/catalog"})
    assert "Service catalog" in member.get("/dashboard/catalog").get_data(as_text=True)
    page = member.get(f"/dashboard/catalog/{OFFICE}/penerimaan-tamu").get_data(as_text=True)
    assert "Requirements (persyaratan)" in page and "Fee (biaya)" in page


# -- search (issue 20, item 4) ---------------------------------------------------------------------
def _found(page: str, slug: str) -> str:
    marker = f'id="catalog-found-{slug}"'
    return page.split(marker)[1].split("</table>")[0] if marker in page else ""


def test_the_catalog_finds_services_by_name_typo_unit_or_requirement(app, runtime):
    member = signed_in(app, runtime, "desk.setda", "desk", SETDA)
    page = member.get("/dashboard/catalog?q=helpdesk+lpse").get_data(as_text=True)
    assert 'data-service="helpdesk-lpse"' in _found(page, SETDA) and 'id="catalog-search-clear"' in page
    assert 'data-service="helpdesk-lpse"' in _found(member.get("/dashboard/catalog?q=helpdesk+lpes")
                                                    .get_data(as_text=True), SETDA)  # a typo forgiven
    hukum = _found(member.get("/dashboard/catalog?q=bantuan+hukum").get_data(as_text=True), SETDA)
    assert 'data-service="bantuan-hukum"' in hukum
    assert 'data-service="bantuan-hukum-perkara-perdata-tata-usaha-negara"' in hukum
    assert 'data-service="helpdesk-lpse"' not in hukum
    nothing = member.get("/dashboard/catalog?q=zzzz+qqqq").get_data(as_text=True)
    assert f'id="catalog-found-{SETDA}-empty"' in nothing and "zzzz qqqq" in nothing
    everything = member.get("/dashboard/catalog").get_data(as_text=True)
    assert 'id="catalog-search"' in everything and "catalog-found" not in everything


def test_a_search_stays_in_the_users_offices(app, runtime):
    member = signed_in(app, runtime, "viewer1", "viewer", OFFICE)
    page = member.get("/dashboard/catalog?q=helpdesk+lpse").get_data(as_text=True)
    assert "helpdesk-lpse" not in page and f'id="catalog-found-{OFFICE}-empty"' in page
    ptsp = member.get("/dashboard/catalog?q=PTSP").get_data(as_text=True)
    assert 'data-service="penerimaan-tamu"' in _found(ptsp, OFFICE)
