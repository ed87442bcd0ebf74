"""GET /metrics: Prometheus' text format behind a token or the trusted network, through real requests on
the real database and Redis; counters moved by real webhooks and a real sweep, gauges read at scrape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from bot import statuses, sweeper
from bot.clock import now
from bot.models import Conversation, OutboundMessage
from bot.models.handoff import WAITING, Handoff
from bot.runtime import DEFAULT_QUEUE, OUTBOX_QUEUE
from config.settings import Config
from tests.support.whatsapp import CITIZEN

TOKEN = "metrics-token-0123456789abcdef"
OFFICE = "kejari-klungkung"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def config(config):
    config.METRICS_TOKEN = TOKEN
    return config


def scrape(client) -> dict[tuple[str, frozenset], float]:
    """Every sample of one scrape, by name and labels; the text must parse as Prometheus' format."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def app_with(config, runtime, **settings):
    for name, setting in settings.items():
        setattr(config, name, setting)
    return create_app(config, runtime=runtime).test_client()


def test_nothing_configured_means_not_found(config, runtime):
    assert (Config.METRICS_TOKEN, Config.METRICS_ALLOW) == ("", "")  # never public by default
    client = app_with(config, runtime, METRICS_TOKEN="", METRICS_ALLOW="")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert app_with(config, runtime, METRICS_TOKEN=TOKEN).get("/metrics", headers=AUTH).status_code == 200


def test_only_the_token_opens_it(client):
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "loket_" not in refused.get_data(as_text=True)
    for header in (f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"):
        assert client.get("/metrics", headers={"Authorization": header}).status_code == 401
    opened = client.get("/metrics", headers=AUTH)
    assert opened.status_code == 200 and "loket_rq_queue_depth" in opened.get_data(as_text=True)


def test_the_trusted_network_needs_no_token(config, runtime):
    trusted = app_with(config, runtime, METRICS_TOKEN="", METRICS_ALLOW="10.0.0.0/8, 127.0.0.1")
    assert trusted.get("/metrics").status_code == 200
    elsewhere = app_with(config, runtime, METRICS_TOKEN="", METRICS_ALLOW="10.0.0.0/8")
    assert elsewhere.get("/metrics").status_code == 404
    with_token = app_with(config, runtime, METRICS_TOKEN=TOKEN, METRICS_ALLOW="10.0.0.0/8")
    assert with_token.get("/metrics").status_code == 401
    assert with_token.get("/metrics", headers=AUTH).status_code == 200


def test_a_wrong_allow_entry_stops_start_up(config, runtime):
    with pytest.raises(ValueError):
        app_with(config, runtime, METRICS_ALLOW="10.0.0.0/8, kantor")


def test_an_inbound_message_moves_the_counter_and_the_histogram(client, whatsapp):
    before = scrape(client)
    answer = whatsapp.post("/twilio/whatsapp", whatsapp.form("halo"))
    assert answer.status_code == 200
    after = scrape(client)
    inbound = "loket_inbound_messages_total"
    assert value(after, inbound, office=OFFICE) == value(before, inbound, office=OFFICE) + 1
    assert value(after, "loket_webhook_seconds_count") == value(before, "loket_webhook_seconds_count") + 1
    assert value(after, "loket_webhook_seconds_sum") > value(before, "loket_webhook_seconds_sum")
    assert value(after, "loket_webhook_seconds_bucket", le="+Inf") == value(after, "loket_webhook_seconds_count")


def test_held_messages_and_waiting_citizens_show_in_their_gauges(client, runtime):
    samples = scrape(client)
    assert value(samples, "loket_held_messages", office=OFFICE, reason=statuses.OUTSIDE_WINDOW) == 0
    assert value(samples, "loket_handoff_waiting", office=OFFICE) == 0
    with runtime.db.session() as s:
        conversation = Conversation(office=OFFICE, phone=CITIZEN, lang="id", state={}, version=0)
        s.add(conversation)
        s.flush()
        s.add(Handoff(office=OFFICE, conversation_id=conversation.id, phone=CITIZEN, reason="asked",
                      status=WAITING, requested_at=now() - timedelta(minutes=5)))
        row = dict(office=OFFICE, to_number=CITIZEN, from_number="+62366000000", kind="host_notice", channel="rest")
        s.add(OutboundMessage(**row, status=statuses.HELD, error_code=statuses.OUTSIDE_WINDOW))
        s.add(OutboundMessage(**row, status=statuses.HELD, error_code=statuses.OUTSIDE_WINDOW, handled_at=now()))
        s.add(OutboundMessage(**row, status=statuses.HELD, error_code=statuses.NO_TEMPLATE,
                              expires_at=now() - timedelta(minutes=1)))
        s.add(OutboundMessage(**row, status="delivered"))
        s.commit()

    samples = scrape(client)
    # Held and still to be dealt with: not the one an officer handled, not the one whose moment passed.
    assert value(samples, "loket_held_messages", office=OFFICE, reason=statuses.OUTSIDE_WINDOW) == 1
    assert value(samples, "loket_held_messages", office=OFFICE, reason=statuses.NO_TEMPLATE) == 0
    assert value(samples, "loket_handoff_waiting", office=OFFICE) == 1
    assert value(samples, "loket_handoff_oldest_wait_seconds", office=OFFICE) == 300
    # The last 24 hours by status and reason, whatever happened to them since.
    outbound = "loket_outbound_messages_24h"
    assert value(samples, outbound, office=OFFICE, status="held", reason=statuses.OUTSIDE_WINDOW) == 2
    assert value(samples, outbound, office=OFFICE, status="held", reason=statuses.NO_TEMPLATE) == 1
    assert value(samples, outbound, office=OFFICE, status="delivered", reason="") == 1
    assert value(samples, "loket_metrics_source_up", source="database") == 1


def test_queue_depth_reflects_an_enqueued_job(client, runtime):
    samples = scrape(client)
    assert value(samples, "loket_rq_queue_depth", queue=DEFAULT_QUEUE) == 0
    assert value(samples, "loket_rq_oldest_job_age_seconds", queue=DEFAULT_QUEUE) == 0
    runtime.queue().enqueue("bot.jobs.sweep")

    samples = scrape(client)
    assert value(samples, "loket_rq_queue_depth", queue=DEFAULT_QUEUE) == 1
    assert value(samples, "loket_rq_queue_depth", queue=OUTBOX_QUEUE) == 0
    assert 0 <= value(samples, "loket_rq_oldest_job_age_seconds", queue=DEFAULT_QUEUE) < 60
    assert value(samples, "loket_metrics_source_up", source="redis") == 1


def test_sweeper_repairs_are_counted_by_kind(client, runtime):
    before = scrape(client)
    with runtime.db.session() as s:  # a worker died mid-send long ago: the sweeper marks it failed
        s.add(OutboundMessage(office=OFFICE, to_number=CITIZEN, from_number="+62366000000", kind="reply",
                              channel="rest", status=statuses.SUBMITTING, updated_at=now() - timedelta(hours=1)))
        s.commit()
    assert sweeper.sweep(runtime)["unknown"] == 1

    after = scrape(client)
    repairs = "loket_sweeper_repairs_total"
    assert value(after, repairs, kind="unknown") == value(before, repairs, kind="unknown") + 1
    assert (after[(repairs, frozenset({"kind": "requeued"}.items()))]
            == before[(repairs, frozenset({"kind": "requeued"}.items()))])  # shown from the start, unmoved
