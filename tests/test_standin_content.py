"""The stand-in's Content API, ContentSid sends, BSUID recipients and tap forms, driven through the real
`twilio.rest.Client` (content.v1 and messages) and plain HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from tests.support.twilio_standin import TwilioStandIn

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "standin-auth-token"
SENDER = "whatsapp:+14155238886"
CITIZEN = "whatsapp:+6281339151776"
BSUID = "whatsapp:ID.1502576394655843"

QUICK_REPLY = {
    "twilio/quick-reply": {
        "body": "Halo {{1}}, kunjungan Anda {{2}} sudah dijadwalkan.",
        "actions": [{"title": "Hadir", "id": "visit_yes"}, {"title": "Batal", "id": "visit_no"}],
    },
    "twilio/text": {"body": "Halo {{1}}, kunjungan Anda {{2}} sudah dijadwalkan. Balas 1 untuk hadir."},
}
SAMPLES = {"1": "Budi", "2": "Senin 09.00"}
LIST_PICKER = {
    "twilio/list-picker": {
        "body": "Pilih layanan, {{1}}.",
        "button": "Layanan",
        "items": [
            {"item": "KTP", "id": "svc_ktp", "description": "Kartu Tanda Penduduk"},
            {"item": "Kartu Keluarga", "id": "svc_kk"},
        ],
    }
}


@pytest.fixture(autouse=True)
def _no_twilio_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # With TWILIO_REGION/TWILIO_EDGE set, the client rewrites the host of every URL, base_url included.
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, strict_content=True) as standin:
        yield standin


def make_client(standin: TwilioStandIn) -> Client:
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = standin.url
    client.content.base_url = standin.url  # what TWILIO_CONTENT_API_URL will do
    return client


def http(standin: TwilioStandIn, method: str, path: str, body: Any = None, auth: bool = True) -> requests.Response:
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment for 127.0.0.1
    url = path if path.startswith("http") else standin.url + path
    return session.request(method, url, json=body, auth=(ACCOUNT_SID, AUTH_TOKEN) if auth else None)


def create(standin: TwilioStandIn, types: dict, variables: dict | None = None, **fields: Any) -> requests.Response:
    body = {"friendly_name": "kunjungan", "language": "id", "variables": variables or {}, "types": types, **fields}
    return http(standin, "POST", "/v1/Content", body)


def created_sid(standin: TwilioStandIn, types: dict = QUICK_REPLY, variables: dict | None = SAMPLES) -> str:
    response = create(standin, types, variables)
    assert response.status_code == 201, response.text
    return response.json()["sid"]


def submit(standin: TwilioStandIn, sid: str, name: str = "kunjungan_dijadwalkan", category: str = "UTILITY"):
    return http(standin, "POST", f"/v1/Content/{sid}/ApprovalRequests/whatsapp", {"name": name, "category": category})


def poll(standin: TwilioStandIn, sid: str) -> dict:
    response = http(standin, "GET", f"/v1/Content/{sid}/ApprovalRequests")
    assert response.status_code == 200
    return response.json()["whatsapp"]


def approved_sid(standin: TwilioStandIn, types: dict = QUICK_REPLY, variables: dict | None = SAMPLES) -> str:
    sid = created_sid(standin, types, variables)
    assert submit(standin, sid).status_code == 201
    standin.approve(sid)
    return sid


def send(standin: TwilioStandIn, to: str = CITIZEN, **fields: Any):
    return make_client(standin).messages.create(to=to, from_=SENDER, **fields)


def outcome(standin: TwilioStandIn, sid: str) -> list[tuple[str, int | None]]:
    return [(event.status, event.error_code) for event in standin.message(sid).lifecycle]


DELIVERED = [("sent", None), ("delivered", None), ("read", None)]


# ------------------------------------------------------------------ creation


def test_create_through_twilios_client_answers_the_resource_shape(twilio: TwilioStandIn) -> None:
    request = ContentList.ContentCreateRequest(
        {
            "friendly_name": "kunjungan",
            "language": "id",
            "variables": SAMPLES,
            "types": {
                "twilio/quick-reply": {
                    "body": QUICK_REPLY["twilio/quick-reply"]["body"],
                    "actions": [{"title": "Hadir", "id": "visit_yes"}],
                }
            },
        }
    )

    created = make_client(twilio).content.v1.contents.create(request)

    assert re.fullmatch(r"HX[0-9a-f]{32}", created.sid)
    assert (created.account_sid, created.friendly_name, created.language) == (ACCOUNT_SID, "kunjungan", "id")
    assert created.variables == SAMPLES
    assert created.date_created is not None  # the client parsed our ISO 8601 date
    # The client sends every type and field it knows as null; Twilio keeps only what was given.
    assert created.types == {
        "twilio/quick-reply": {
            "body": QUICK_REPLY["twilio/quick-reply"]["body"],
            "actions": [{"title": "Hadir", "id": "visit_yes"}],
        }
    }
    assert created.url == f"{twilio.url}/v1/Content/{created.sid}"
    assert created.links == {
        "approval_create": f"{twilio.url}/v1/Content/{created.sid}/ApprovalRequests/whatsapp",
        "approval_fetch": f"{twilio.url}/v1/Content/{created.sid}/ApprovalRequests",
    }
    assert [c.sid for c in twilio.contents] == [created.sid]
    assert twilio.count_content("create") == 1


def _actions(n: int) -> list[dict]:
    return [{"title": f"Pilihan {i}", "id": f"opt_{i}"} for i in range(n)]


def _items(n: int, **over: str) -> list[dict]:
    return [{"item": f"Layanan {i}", "id": f"svc_{i}", "description": "Keterangan", **over} for i in range(n)]


def _qr(actions: list[dict], body: str = "Pilih") -> dict:
    return {"twilio/quick-reply": {"body": body, "actions": actions}}


def _lp(items: list[dict], button: str | None = "Menu") -> dict:
    return {"twilio/list-picker": {"body": "Pilih", "items": items, **({"button": button} if button else {})}}


@pytest.mark.parametrize(
    ("types", "fields", "message"),
    [
        ({"twilio/carousel": {"body": "x"}}, {}, "not supported"),
        ({}, {}, "types is required"),
        ({"twilio/text": {"body": "Halo"}}, {"language": ""}, "language is required"),
        ({"twilio/text": {"body": "x" * 1601}}, {}, "longer than 1600"),
        (_qr(_actions(1), body="x" * 1025), {}, "longer than 1024"),
        (_qr(_actions(11)), {}, "between 1 and 10 actions"),
        (_qr([]), {}, "between 1 and 10 actions"),
        (_qr([{"title": "x" * 21}]), {}, "longer than 20"),
        (_qr([{"title": "A", "id": "x" * 201}]), {}, "longer than 200"),
        (_qr([{"title": "A", "id": "a"}] * 2), {}, "unique"),
        (_lp(_items(11)), {}, "between 1 and 10 items"),
        (_lp(_items(1, item="x" * 25)), {}, "longer than 24"),
        (_lp(_items(1, description="x" * 73)), {}, "longer than 72"),
        (_lp(_items(1, id="x" * 201)), {}, "longer than 200"),
        (_lp(_items(1), button=None), {}, "button is required"),
        ({"twilio/text": {"body": "Halo {{}}"}}, {}, "Malformed variable"),
        ({"twilio/text": {"body": "Halo {{nama lengkap}}"}}, {}, "Malformed variable"),
        ({"twilio/text": {"body": "Halo"}}, {"variables": {"1": 5}}, "variables must be an object of strings"),
    ],
)
def test_create_refuses_what_twilio_refuses(twilio: TwilioStandIn, types: dict, fields: dict, message: str) -> None:
    response = create(twilio, types, **fields)

    assert response.status_code == 400
    error = response.json()
    assert (error["status"], error["code"]) == (400, 400)
    assert message in error["message"]
    assert error["more_info"].startswith("https://www.twilio.com/docs/errors/")
    assert twilio.contents == []
    assert twilio.count_content("create") == 0
    assert [r.http_status for r in twilio.content_requests] == [400]


def test_create_accepts_a_body_whatsapp_would_refuse_and_spaced_variables(twilio: TwilioStandIn) -> None:
    # Twilio takes it (it can go in session); only WhatsApp's review refuses it (see the approval tests).
    assert create(twilio, {"twilio/text": {"body": "{{1}} dan {{ 2 }}"}}, {"1": "a", "2": "b"}).status_code == 201


def test_content_api_needs_basic_auth_and_valid_json(twilio: TwilioStandIn) -> None:
    anonymous = http(twilio, "POST", "/v1/Content", {"types": QUICK_REPLY, "language": "id"}, auth=False)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, 20003)
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")

    session = requests.Session()
    session.trust_env = False
    garbled = session.post(twilio.url + "/v1/Content", data="{nope", auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert (garbled.status_code, garbled.json()["message"]) == (400, "The request body is not valid JSON")
    assert twilio.contents == []


# ------------------------------------------------------------------ fetch, list, delete


def test_fetch_list_with_paging_and_delete(twilio: TwilioStandIn) -> None:
    sids = [created_sid(twilio) for _ in range(3)]
    client = make_client(twilio)

    assert client.content.v1.contents(sids[1]).fetch().sid == sids[1]
    assert [c.sid for c in client.content.v1.contents.list(page_size=2)] == sids  # follows next_page_url

    first = http(twilio, "GET", "/v1/Content?PageSize=2").json()
    assert [c["sid"] for c in first["contents"]] == sids[:2]
    meta = first["meta"]
    assert (meta["page"], meta["page_size"], meta["key"], meta["previous_page_url"]) == (0, 2, "contents", None)
    assert meta["first_page_url"] == meta["url"] == f"{twilio.url}/v1/Content?PageSize=2&Page=0"
    second = http(twilio, "GET", meta["next_page_url"]).json()
    assert [c["sid"] for c in second["contents"]] == sids[2:]
    assert second["meta"]["next_page_url"] is None
    assert second["meta"]["previous_page_url"] == meta["url"]

    assert client.content.v1.contents(sids[0]).delete() is True  # answered 204
    missing = http(twilio, "GET", f"/v1/Content/{sids[0]}")
    assert (missing.status_code, missing.json()["code"]) == (404, 20404)
    assert [c.sid for c in twilio.contents] == sids[1:]
    assert (twilio.count_content("delete"), twilio.count_content("fetch"), twilio.count_content("list")) == (1, 1, 4)


def test_a_deleted_content_cannot_be_sent_even_when_not_strict() -> None:
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        sid = created_sid(standin)
        assert http(standin, "DELETE", f"/v1/Content/{sid}").status_code == 204
        with pytest.raises(TwilioRestException) as caught:
            send(standin, content_sid=sid)
        assert (caught.value.status, caught.value.code) == (400, 21655)


def test_fail_content_next_lets_a_test_count_what_a_retry_created(twilio: TwilioStandIn) -> None:
    twilio.fail_content_next(1, status=503, code=20503)
    failed = create(twilio, QUICK_REPLY, SAMPLES)
    assert (failed.status_code, failed.json()["code"]) == (503, 20503)
    created_sid(twilio)

    assert twilio.count_content("create") == 1
    assert len(twilio.contents) == 1
    assert [(r.action, r.http_status) for r in twilio.content_requests] == [("create", 503), ("create", 201)]


# ------------------------------------------------------------------ WhatsApp approval


def test_approval_lifecycle_received_pending_approved(twilio: TwilioStandIn) -> None:
    sid = created_sid(twilio)
    client = make_client(twilio)
    assert poll(twilio, sid)["status"] == "unsubmitted"

    request = ApprovalCreateList.ContentApprovalRequest({"name": "kunjungan_dijadwalkan", "category": "UTILITY"})
    answer = client.content.v1.contents(sid).approval_create.create(request)
    assert (answer.name, answer.category, answer.status) == ("kunjungan_dijadwalkan", "UTILITY", "received")
    assert (answer.content_type, answer.rejection_reason) == ("twilio/quick-reply", "")

    fetched = client.content.v1.contents(sid).approval_fetch().fetch()
    assert (fetched.sid, fetched.account_sid) == (sid, ACCOUNT_SID)
    assert fetched.url == f"{twilio.url}/v1/Content/{sid}/ApprovalRequests"
    assert fetched.whatsapp == {
        "type": "whatsapp",
        "name": "kunjungan_dijadwalkan",
        "category": "UTILITY",
        "content_type": "twilio/quick-reply",
        "status": "pending",  # WhatsApp took it up; it stays pending until a test decides
        "rejection_reason": "",
        "allow_category_change": True,
        "flows": None,
    }
    assert poll(twilio, sid)["status"] == "pending"

    twilio.approve(sid)
    assert poll(twilio, sid)["status"] == "approved"
    assert twilio.content(sid).approved
    [listed] = client.content.v1.content_and_approvals.list()
    assert (listed.sid, listed.approval_requests["status"], listed.approval_requests["name"]) == (
        sid,
        "approved",
        "kunjungan_dijadwalkan",
    )
    assert twilio.count_content("submit") == 1


def test_reject_and_auto_approve(twilio: TwilioStandIn) -> None:
    rejected = created_sid(twilio)
    submit(twilio, rejected)
    twilio.reject(rejected, "INCORRECT_CATEGORY")
    assert (poll(twilio, rejected)["status"], poll(twilio, rejected)["rejection_reason"]) == (
        "rejected",
        "INCORRECT_CATEGORY",
    )

    twilio.auto_approve = True
    auto = created_sid(twilio)
    assert submit(twilio, auto).json()["status"] == "received"
    assert poll(twilio, auto)["status"] == "approved"

    with pytest.raises(ValueError, match="no approval request"):
        twilio.approve(created_sid(twilio))  # never submitted


@pytest.mark.parametrize(
    ("body", "variables", "reason"),
    [
        ("{{1}}, kunjungan Anda dijadwalkan.", {"1": "Budi"}, "starts or ends"),
        ("Kunjungan Anda dijadwalkan pada {{1}}", {"1": "Senin"}, "starts or ends"),
        ("Halo {{1}} {{2}}, terima kasih.", {"1": "Budi", "2": "Santoso"}, "side by side"),
        ("Halo {{1}}, jadwal {{3}} ya.", {"1": "Budi", "3": "Senin"}, "without gaps"),
        ("Halo {{nama}}, terima kasih.", {"nama": "Budi"}, "numbered"),
        ("Halo {{1}}, terima kasih.", {}, "has no sample"),
    ],
)
def test_whatsapp_review_rejects_bodies_it_does_not_take(
    twilio: TwilioStandIn, body: str, variables: dict, reason: str
) -> None:
    twilio.auto_approve = True
    sid = created_sid(twilio, {"twilio/text": {"body": body}}, variables)
    assert submit(twilio, sid).json()["status"] == "received"

    whatsapp = poll(twilio, sid)

    assert whatsapp["status"] == "rejected"
    assert reason in whatsapp["rejection_reason"]
    with pytest.raises(ValueError):
        twilio.approve(sid)


@pytest.mark.parametrize(
    ("types", "name", "category", "message"),
    [
        (QUICK_REPLY, "Kunjungan", "UTILITY", "lowercase letters"),
        (QUICK_REPLY, "kunjungan-baru", "UTILITY", "lowercase letters"),
        (QUICK_REPLY, "kunjungan", "TRANSACTIONAL", "category must be one of"),
        (LIST_PICKER, "pilih_layanan", "UTILITY", "session-only"),
    ],
)
def test_submission_refusals(twilio: TwilioStandIn, types: dict, name: str, category: str, message: str) -> None:
    sid = created_sid(twilio, types, SAMPLES)

    response = submit(twilio, sid, name, category)

    assert (response.status_code, response.json()["code"]) == (400, 400)
    assert message in response.json()["message"]
    assert poll(twilio, sid)["status"] == "unsubmitted"


def test_a_content_is_submitted_once_and_unknown_sids_are_404(twilio: TwilioStandIn) -> None:
    sid = created_sid(twilio)
    assert submit(twilio, sid).status_code == 201
    again = submit(twilio, sid)
    assert (again.status_code, "already has a WhatsApp approval request" in again.json()["message"]) == (400, True)
    unknown = submit(twilio, "HX" + "0" * 32)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 20404)


# ------------------------------------------------------------------ ContentSid sends


def test_content_send_is_rendered_with_variables_and_sample_fallback(twilio: TwilioStandIn) -> None:
    sid = approved_sid(twilio)

    sent = send(twilio, content_sid=sid, content_variables=json.dumps({"1": "Ayu"}))

    recorded = twilio.message(sent.sid)
    # "2" was not sent: Twilio falls back to the content's sample for it.
    assert recorded.body == sent.body == "Halo Ayu, kunjungan Anda Senin 09.00 sudah dijadwalkan."
    assert (recorded.content_sid, recorded.content_variables) == (sid, {"1": "Ayu"})
    assert recorded.content_type == "twilio/quick-reply"  # WhatsApp gets the richest type, not the text fallback
    assert recorded.rendered.variables == {"1": "Ayu", "2": "Senin 09.00"}
    assert [(b.id, b.title) for b in recorded.buttons] == [("visit_yes", "Hadir"), ("visit_no", "Batal")]
    assert recorded.as_template and not recorded.freeform
    assert outcome(twilio, sent.sid) == DELIVERED


def test_list_picker_send_records_its_items(twilio: TwilioStandIn) -> None:
    sid = created_sid(twilio, LIST_PICKER, {"1": "Budi"})

    recorded = twilio.message(send(twilio, content_sid=sid, content_variables='{"1": "Ayu"}').sid)

    assert (recorded.body, recorded.rendered.list_button) == ("Pilih layanan, Ayu.", "Layanan")
    assert [(i.id, i.item, i.description) for i in recorded.items] == [
        ("svc_ktp", "KTP", "Kartu Tanda Penduduk"),
        ("svc_kk", "Kartu Keluarga", None),
    ]
    assert not recorded.as_template


@pytest.mark.parametrize(
    ("variables", "samples"),
    [
        ('{"3": "tidak ada"}', SAMPLES),  # a key the content doesn't declare
        ('{"1": 5}', SAMPLES),  # not a string
        ('["Budi"]', SAMPLES),  # not an object
        ('{"1": "Budi"}', {"1": "Budi"}),  # {{2}} has neither a value nor a sample
    ],
)
def test_invalid_content_variables_are_21656(twilio: TwilioStandIn, variables: str, samples: dict) -> None:
    sid = created_sid(twilio, QUICK_REPLY, samples)

    with pytest.raises(TwilioRestException) as caught:
        send(twilio, content_sid=sid, content_variables=variables)

    assert (caught.value.status, caught.value.code) == (400, 21656)
    assert twilio.messages == []


def test_strict_content_refuses_unknown_sids_the_default_takes_them_as_console_templates() -> None:
    unknown = "HX" + "ab" * 16
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, strict_content=True) as strict:
        with pytest.raises(TwilioRestException) as caught:
            send(strict, content_sid=unknown)
        assert (caught.value.status, caught.value.code) == (400, 21655)
        assert caught.value.msg.endswith("The ContentSid is Invalid.")

    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, window_default_open=False) as lenient:
        sent = send(lenient, content_sid=unknown, content_variables='{"1": "Budi"}')
        assert outcome(lenient, sent.sid) == DELIVERED
        assert lenient.message(sent.sid).rendered is None


def test_add_content_pins_a_sid_and_approves(twilio: TwilioStandIn) -> None:
    sid = "HX" + "1" * 32
    twilio.add_content(QUICK_REPLY, variables=SAMPLES, sid=sid, approved_as="kunjungan")

    assert twilio.content(sid).approved
    twilio.close_window(CITIZEN)
    assert outcome(twilio, send(twilio, content_sid=sid).sid) == DELIVERED
    with pytest.raises(ValueError, match="session-only"):
        twilio.add_content(LIST_PICKER, variables={"1": "Budi"}, approved_as="layanan")
    with pytest.raises(ValueError, match="exists already"):
        twilio.add_content(QUICK_REPLY, variables=SAMPLES, sid=sid)


def test_outside_the_window_only_an_approved_template_goes(twilio: TwilioStandIn) -> None:
    unsubmitted = created_sid(twilio)
    pending = created_sid(twilio)
    submit(twilio, pending)
    rejected = created_sid(twilio)
    submit(twilio, rejected)
    twilio.reject(rejected, "INVALID_FORMAT")
    approved = approved_sid(twilio)
    approved_list = created_sid(twilio, LIST_PICKER, {"1": "Budi"})
    twilio.close_window(CITIZEN)

    def result(**fields: Any) -> list[tuple[str, int | None]]:
        return outcome(twilio, send(twilio, **fields).sid)

    assert result(body="Halo") == [("failed", 63016)]
    assert result(content_sid=unsubmitted) == [("failed", 63016)]
    assert result(content_sid=pending) == [("failed", 63016)]
    assert result(content_sid=rejected) == [("failed", 63016)]
    assert result(content_sid=approved_list) == [("failed", 63016)]  # list-pickers can't open a conversation
    assert result(content_sid=approved) == DELIVERED

    twilio.open_window(CITIZEN)
    assert result(content_sid=unsubmitted) == DELIVERED  # in session any content goes
    assert result(content_sid=approved_list) == DELIVERED


def test_63016_reaches_the_status_callback_as_for_freeform() -> None:
    seen: list[dict[str, str]] = []
    sink = lambda url, params, headers: seen.append(params)  # noqa: E731
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, window_default_open=False, callback_sink=sink) as standin:
        sid = created_sid(standin)
        sent = send(standin, content_sid=sid, status_callback="https://loket.example/status")
        standin.flush_callbacks()

    [failed] = seen
    assert (failed["MessageSid"], failed["MessageStatus"], failed["ErrorCode"]) == (sent.sid, "failed", "63016")
    assert "outside the allowed window" in failed["ErrorMessage"]


def test_a_session_quick_reply_carries_at_most_three_buttons(twilio: TwilioStandIn) -> None:
    four = {"twilio/quick-reply": {"body": "Pilih layanan.", "actions": _actions(4)}}
    three = {"twilio/quick-reply": {"body": "Pilih layanan.", "actions": _actions(3)}}

    assert outcome(twilio, send(twilio, content_sid=created_sid(twilio, three, {})).sid) == DELIVERED
    session_four = send(twilio, content_sid=created_sid(twilio, four, {}))
    assert outcome(twilio, session_four.sid) == [("failed", 63021)]
    # Approved, it goes as a template, whose quick replies may number ten.
    assert outcome(twilio, send(twilio, content_sid=approved_sid(twilio, four, {})).sid) == DELIVERED


def test_variables_that_push_the_body_past_1024_fail_with_63021(twilio: TwilioStandIn) -> None:
    sid = created_sid(twilio, QUICK_REPLY, SAMPLES)

    sent = send(twilio, content_sid=sid, content_variables=json.dumps({"1": "x" * 1000}))

    assert outcome(twilio, sent.sid) == [("failed", 63021)]


# ------------------------------------------------------------------ BSUID recipients


def test_bsuid_recipients_are_accepted_with_their_own_window(twilio: TwilioStandIn) -> None:
    sent = send(twilio, to=BSUID, body="Halo")
    assert (sent.to, twilio.count_to("ID.1502576394655843")) == (BSUID, 1)

    twilio.close_window("ID.1502576394655843")
    assert outcome(twilio, send(twilio, to=BSUID, body="Halo").sid) == [("failed", 63016)]
    assert outcome(twilio, send(twilio, to=CITIZEN, body="Halo").sid) == DELIVERED
    assert twilio.window_open(CITIZEN) and not twilio.window_open(BSUID)


@pytest.mark.parametrize(
    "to",
    [
        "whatsapp:id.1502576394655843",
        "whatsapp:IDN.150257",
        "whatsapp:ID.",
        "whatsapp:ID." + "1" * 129,
        "whatsapp:ID.1502-5763",
        "whatsapp:US.ENT.11815799212886844830",
    ],
)
def test_malformed_bsuids_are_21211(twilio: TwilioStandIn, to: str) -> None:
    with pytest.raises(TwilioRestException) as caught:
        send(twilio, to=to, body="Halo")
    assert (caught.value.status, caught.value.code) == (400, 21211)


# ------------------------------------------------------------------ taps and picks


def test_tap_on_a_template_button_builds_twilios_inbound_form_and_opens_the_window(twilio: TwilioStandIn) -> None:
    sid = approved_sid(twilio)
    twilio.close_window(CITIZEN)
    sent = send(twilio, content_sid=sid, content_variables='{"1": "Ayu"}')

    form = twilio.tap_form(sent.sid, "visit_no")

    assert form["MessageType"] == "button"  # a template's quick reply
    assert (form["Body"], form["ButtonText"], form["ButtonPayload"]) == ("Batal", "Batal", "visit_no")
    assert form["OriginalRepliedMessageSid"] == sent.sid
    assert (form["From"], form["To"], form["OriginalRepliedMessageSender"]) == (CITIZEN, SENDER, SENDER)
    assert (form["WaId"], form["ProfileName"], form["NumMedia"], form["AccountSid"]) == (
        "6281339151776",
        "Warga",
        "0",
        ACCOUNT_SID,
    )
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"]) and form["MessageSid"] == form["SmsSid"]
    assert json.loads(form["ChannelMetadata"])["data"]["context"]["WaId"] == "6281339151776"
    assert twilio.window_open(CITIZEN)
    # Every value is a string, so it signs as Twilio signs a webhook.
    validator = RequestValidator(AUTH_TOKEN)
    url = "https://loket.example.go.id/twilio/whatsapp"
    assert validator.validate(url, form, validator.compute_signature(url, form))


def test_tap_on_a_session_quick_reply_is_interactive_and_from_a_bsuid_has_no_waid(twilio: TwilioStandIn) -> None:
    sent = send(twilio, to=BSUID, content_sid=created_sid(twilio))

    form = twilio.tap_form(sent.sid, "visit_yes")

    assert (form["MessageType"], form["From"], form["ButtonPayload"]) == ("interactive", BSUID, "visit_yes")
    assert "WaId" not in form


def test_tap_refuses_what_the_person_could_not_have_tapped(twilio: TwilioStandIn) -> None:
    session = send(twilio, content_sid=created_sid(twilio))
    with pytest.raises(ValueError, match="no button 'visit_maybe'"):
        twilio.tap_form(session.sid, "visit_maybe")
    with pytest.raises(ValueError, match="no list item"):
        twilio.pick_form(session.sid, "visit_yes")

    twilio.close_window(CITIZEN)
    refused = send(twilio, content_sid=created_sid(twilio))  # not approved: 63016, never shown
    with pytest.raises(ValueError, match="never saw it"):
        twilio.tap_form(refused.sid, "visit_yes")
    assert not twilio.window_open(CITIZEN)


def test_pick_form_carries_the_list_item(twilio: TwilioStandIn) -> None:
    sent = send(twilio, content_sid=created_sid(twilio, LIST_PICKER, {"1": "Budi"}))

    form = twilio.pick_form(sent.sid, "svc_kk", from_="+6281200000001", profile_name="Ayu")

    assert (form["ListId"], form["ListTitle"], form["Body"]) == ("svc_kk", "Kartu Keluarga", "Kartu Keluarga")
    assert (form["MessageType"], form["OriginalRepliedMessageSid"]) == ("interactive", sent.sid)
    assert (form["From"], form["To"], form["ProfileName"]) == ("whatsapp:+6281200000001", SENDER, "Ayu")
    assert "ButtonPayload" not in form
    with pytest.raises(ValueError, match="no button"):
        twilio.tap_form(sent.sid, "svc_kk")
    assert twilio.window_open("+6281200000001")


def test_reset_forgets_contents(twilio: TwilioStandIn) -> None:
    created_sid(twilio)
    twilio.reset()
    assert (twilio.contents, twilio.content_requests) == ([], [])
