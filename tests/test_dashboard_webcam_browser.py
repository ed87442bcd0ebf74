"""A walk-in guest's photo from the desk's webcam (issue 20 §4) in Debian's chromium: with Chromium's fake camera
(`--use-fake-device-for-media-stream`, permission granted by `--use-fake-ui-for-media-stream`) the officer
ticks the guest's consent (the camera stays off until then), opens the camera, takes the photo, which fills
the form's own file field, and saves the walk-in: the server stores the JPEG like an uploaded file. Without
a camera the section never shows and the file upload does the same job."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import media_store
from bot.models.visits import Visit, VisitPhoto
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.support.visits import make_config_dir

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

WALKIN_NIK = "5171014505850002"
JPEG = b"\xff\xd8\xff\xe0" + b"walk-in photo" * 10


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _chromium(*flags: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, headless=True,
                                              args=[*browser.CHROMIUM_ARGS, *flags])
        try:
            yield chromium.new_page()
        finally:
            chromium.close()


@pytest.fixture
def camera_page():
    """A headless chromium with Chromium's own fake camera, its permission granted without a prompt."""
    yield from _chromium("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")


@pytest.fixture
def refusing_page():
    """A fake camera whose permission is never granted (no fake prompt: headless chromium denies it)."""
    yield from _chromium("--use-fake-device-for-media-stream")


def _walk_in_page(page, server: str, runtime) -> None:
    make_user(runtime, "desk.ayu", "desk")
    page.goto(f"{server}/dashboard/login")
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/")
    page.goto(f"{server}/dashboard/guestbook/walk-in")


def _fill_the_rest(page) -> None:
    page.fill("#name", "Ni Made Sari")
    page.fill("#id_number", WALKIN_NIK)
    page.fill("#purpose", "Mengambil barang bukti")
    page.select_option("#host", "kasi-intel")
    page.fill("#badge", "T-09")


def _stored(runtime) -> tuple[Visit, VisitPhoto, bytes]:
    """The one visit, its photo row and the stored file, read back from the media store."""
    with runtime.db.session() as s:
        visit = s.scalars(select(Visit)).one()
        photo = s.get(VisitPhoto, visit.photo_id)
        content = media_store.for_config(runtime.config).get(photo.path)
        assert content is not None
        return visit, photo, content


def test_the_webcam_fills_the_photo_field_after_consent(server, camera_page, runtime):
    page = camera_page
    _walk_in_page(page, server, runtime)
    page.wait_for_selector("#webcam", state="visible")  # a camera is there: the section shows
    assert page.is_disabled("#webcam-start")  # no consent, no camera
    assert page.inner_text("#webcam-status") == "Centang persetujuan tamu terlebih dahulu untuk memakai kamera."

    page.check("#consent")
    assert page.is_enabled("#webcam-start")
    page.click("#webcam-start")
    page.wait_for_selector("#webcam-capture", state="visible")  # a frame is there to take
    assert page.is_visible("#webcam-video")
    page.click("#webcam-capture")
    page.wait_for_selector("#webcam-still", state="visible")
    assert page.inner_text("#webcam-status") == "Foto diambil dan akan dikirim bersama formulir."
    chosen = page.evaluate("(() => { const f = document.getElementById('photo').files;"
                           " return [f.length, f[0].type, f[0].size]; })()")
    assert chosen[0] == 1 and chosen[1] == "image/jpeg" and chosen[2] > 1000
    # The camera is off once the photo is taken (no stream left on the video element).
    assert page.evaluate("document.getElementById('webcam-video').srcObject === null")
    assert page.is_hidden("#webcam-video") and page.inner_text("#webcam-start") == "Ambil ulang"
    page.set_viewport_size({"width": 390, "height": 844})  # the picture fits a phone-sized desk too
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1366, "height": 768})

    # Consent withdrawn: the picture taken under it is gone from the form; given again, a new one is taken.
    page.uncheck("#consent")
    assert page.evaluate("document.getElementById('photo').files.length") == 0
    assert page.is_hidden("#webcam-still") and page.is_disabled("#webcam-start")
    page.check("#consent")
    page.click("#webcam-start")
    page.wait_for_selector("#webcam-capture", state="visible")
    page.click("#webcam-capture")
    page.wait_for_selector("#webcam-still", state="visible")
    chosen = page.evaluate("(() => { const f = document.getElementById('photo').files;"
                           " return [f.length, f[0].type, f[0].size]; })()")
    assert chosen[0] == 1 and chosen[1] == "image/jpeg"

    _fill_the_rest(page)
    page.click("#walkin-submit")
    page.wait_for_url("**/dashboard/guestbook/visit/*")
    visit, photo, content = _stored(runtime)
    assert visit.name == "Ni Made Sari" and visit.checked_in_at is not None and visit.consent_id is not None
    assert (photo.status, photo.content_type) == ("stored", "image/jpeg")
    assert content.startswith(b"\xff\xd8\xff") and len(content) == photo.size == chosen[2]
    served = page.evaluate("fetch(document.getElementById('visit-photo').src)"
                           ".then(r => [r.status, r.headers.get('content-type')])")
    assert served == [200, "image/jpeg"]


def test_without_a_camera_the_file_upload_does_the_job(server, browser_page, runtime, tmp_path):
    page = browser_page
    _walk_in_page(page, server, runtime)
    assert page.is_visible("#photo")
    page.check("#consent")
    page.wait_for_selector("#webcam[data-cameras='0']", state="attached")  # the camera list was read: none
    assert page.is_hidden("#webcam") and page.is_hidden("#webcam-video")
    picture = tmp_path / "sari.jpg"
    picture.write_bytes(JPEG)
    page.set_input_files("#photo", str(picture))
    _fill_the_rest(page)
    page.click("#walkin-submit")
    page.wait_for_url("**/dashboard/guestbook/visit/*")
    _, photo, content = _stored(runtime)
    assert (photo.status, photo.content_type, content) == ("stored", "image/jpeg", JPEG)


def test_a_refused_camera_says_so_and_leaves_the_file_upload(server, refusing_page, runtime, tmp_path):
    page = refusing_page
    _walk_in_page(page, server, runtime)
    page.wait_for_selector("#webcam", state="visible")
    page.check("#consent")
    page.click("#webcam-start")
    page.wait_for_selector("#webcam-status:has-text('Pilih file foto di atas.')")
    assert page.inner_text("#webcam-status") == "Izin kamera ditolak. Pilih file foto di atas."
    assert page.is_hidden("#webcam-video") and page.is_hidden("#webcam-capture") and page.is_visible("#photo")
    assert page.evaluate("document.getElementById('photo').files.length") == 0
    picture = tmp_path / "sari.jpg"
    picture.write_bytes(JPEG)
    page.set_input_files("#photo", str(picture))
    _fill_the_rest(page)
    page.click("#walkin-submit")
    page.wait_for_url("**/dashboard/guestbook/visit/*")
    assert _stored(runtime)[2] == JPEG
