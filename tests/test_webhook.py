"""POST /twilio/whatsapp: signatures, recording, TwiML shape, unknown numbers, bad forms."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import InboundMessage, OutboundMessage
from bot.text import units
from tests.support.whatsapp import parse_twiml


def count(runtime, model) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_forged_signature_is_rejected_and_nothing_recorded(whatsapp, runtime):
    form = whatsapp.form("halo")
    response = whatsapp.post("/twilio/whatsapp", form, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert count(runtime, InboundMessage) == 0


def test_unsigned_request_is_rejected(client, whatsapp, runtime):
    response = client.post("/twilio/whatsapp", data=whatsapp.form("halo"))
    assert response.status_code == 403
    assert count(runtime, InboundMessage) == 0


def test_signature_over_other_params_is_rejected(whatsapp, runtime):
    form = whatsapp.form("halo")
    signature = whatsapp.sign("/twilio/whatsapp", form)
    form["Body"] = "changed in transit"
    assert whatsapp.post("/twilio/whatsapp", form, signature=signature).status_code == 403
    assert count(runtime, InboundMessage) == 0


def test_signature_uses_public_base_url_not_the_proxied_request_url(whatsapp, client):
    form = whatsapp.form("halo")
    # Signed over the URL the test client really used (http://localhost/...), as a naive app would check:
    proxied = whatsapp.validator.compute_signature("http://localhost/twilio/whatsapp", form)
    assert whatsapp.post("/twilio/whatsapp", form, signature=proxied).status_code == 403
    assert whatsapp.post("/twilio/whatsapp", form).status_code == 200  # signed over PUBLIC_BASE_URL


def test_first_message_gets_welcome_and_menu_in_indonesian(whatsapp, runtime):
    answer = whatsapp.send("halo")
    assert answer.status == 200
    assert "Selamat datang" in answer.text and "*Kejaksaan Negeri Klungkung*" in answer.text
    assert "*Menu utama*" in answer.text and "1. Layanan & persyaratan" in answer.text
    assert "Informasi kantor" in answer.text
    assert all(units(m) <= 1600 for m in answer.messages)
    assert count(runtime, InboundMessage) == 1
    with runtime.db.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [r.body for r in rows] == answer.messages
    assert {r.status for r in rows} == {"answered"} and {r.channel for r in rows} == {"twiml"}
    # Each reply's status callback is tagged with its outbox row.
    assert answer.actions == [f"https://loket.test/twilio/status?o={r.id}" for r in rows]


def test_each_office_answers_with_its_own_name(whatsapp):
    for slug, name in [("kejari-alor", "Kejaksaan Negeri Alor"), ("kejari-kapuas", "Kejaksaan Negeri Kapuas"),
                       ("setda-klungkung", "Sekretariat Daerah Kabupaten Klungkung")]:
        assert f"*{name}*" in whatsapp.send("halo", office=slug).text


def test_unknown_to_number_is_recorded_and_answered_politely(whatsapp, runtime):
    answer = whatsapp.send("halo", to="whatsapp:+6285000000000")
    assert answer.status == 200
    assert answer.messages == [runtime.messages.text("id", "system.unknown_office")]
    with runtime.db.session() as session:
        row = session.scalars(select(InboundMessage)).one()
    assert row.office is None and row.processed_at is not None


def test_form_without_message_sid_gets_400_not_a_crash(whatsapp, runtime):
    form = whatsapp.form("halo")
    del form["MessageSid"], form["SmsMessageSid"]
    response = whatsapp.post("/twilio/whatsapp", form)
    assert response.status_code == 400
    assert parse_twiml(response.get_data(as_text=True))[0] == []
    assert count(runtime, InboundMessage) == 0


def test_long_reply_is_split_on_paragraphs_under_1600(whatsapp, runtime, monkeypatch):
    long_info = "\n\n".join(f"Paragraf {i}: " + "kata " * 60 for i in range(12))
    monkeypatch.setattr("flows.office_info.info_text", lambda ctx: long_info)
    whatsapp.send("halo")
    keys = [entry.label_key for entry in runtime.registry.menu_entries()]
    answer = whatsapp.send(str(keys.index("menu.office_info") + 1))
    assert len(answer.messages) >= 3
    assert all(units(m) <= 1600 for m in answer.messages)
    assert all(m.startswith("Paragraf") or "menu" in m for m in answer.messages)
    expected = long_info + runtime.messages.text("id", "office_info.next")
    assert "".join("".join(answer.messages).split()) == "".join(expected.split())  # nothing lost


def test_healthz_reports_both_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "redis": "ok", "database": "ok"}


def test_healthz_names_what_is_down(client, runtime, monkeypatch):
    def broken():
        raise ConnectionError("redis is away")

    monkeypatch.setattr(runtime.redis, "ping", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["down"] == ["redis"] and response.json["database"] == "ok"


def test_database_failure_gets_a_polite_answer_not_a_500(whatsapp, runtime, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(inbound):
        raise OperationalError("INSERT", {}, Exception("database is unreachable"))

    monkeypatch.setattr(runtime.inbox, "record", down)
    answer = whatsapp.send("halo")
    assert answer.status == 200
    assert answer.messages == [runtime.messages.text("id", "system.error", hotline="081339151776")]


def test_trusted_proxy_hops_give_the_client_address(config, runtime):
    from flask import request

    from app import create_app

    def client_address(hops: int) -> str:
        config.TRUSTED_PROXY_HOPS = hops
        app = create_app(config, runtime=runtime)
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
        return app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_data(as_text=True)

    assert client_address(0) == "10.0.0.2"  # untrusted header ignored
    assert client_address(1) == "203.0.113.7"


def test_an_oversized_request_is_refused_before_it_is_read(whatsapp, runtime):
    form = whatsapp.form("x" * (9 * 1024 * 1024))
    response = whatsapp.post("/twilio/whatsapp", form)
    assert response.status_code == 413
    assert count(runtime, InboundMessage) == 0
