"""The SKM survey on WhatsApp: invitation once per event, nine answers with corrections, stop and
resume, the optional profile, and the IKM report over stored responses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rq import Queue
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.models import Conversation, OutboundMessage
from bot.models.survey import SurveyInvitation, SurveyResponse
from bot.survey import ikm, jobs, report, service
from bot.survey.effects import OfferSurvey
from tests.support.whatsapp import CITIZEN
from tests.test_survey_ikm import WORKED

OFFICE = "kejari-klungkung"


def offer(runtime, ref="VIS-1", kind="checkout", phone=CITIZEN) -> SurveyInvitation | None:
    with runtime.db.session() as session:
        invitation = service.offer_survey(session, runtime.outbox, runtime.offices.get(OFFICE), phone=phone,
                                          event_kind=kind, event_ref=ref, msgs=runtime.messages,
                                          config=runtime.config)
        session.commit()
    return invitation


def converse(whatsapp, script):
    for sent, expected, *absent in script:
        answer = whatsapp.send(sent)
        for fragment in expected:
            assert fragment in answer.text, f"{sent!r}: {fragment!r} not in {answer.text!r}"
        for fragment in absent[0] if absent else []:
            assert fragment not in answer.text, f"{sent!r}: {fragment!r} unexpectedly in answer"


def test_offered_once_per_event_and_one_open_invitation_at_a_time(runtime, frozen_clock):
    first = offer(runtime)
    assert first is not None and offer(runtime) is None
    # Another event while the first invitation is open: no second invitation to interrupt the citizen.
    assert offer(runtime, ref="KLK-2026-000001", kind="complaint") is None
    frozen_clock.advance(hours=73)  # the first one expired
    assert offer(runtime, ref="KLK-2026-000001", kind="complaint") is not None
    with runtime.db.session() as session:
        invites = list(session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "survey_invite")))
    assert len(invites) == 2 and "Balas *survei*" in invites[0].body and "72 jam" in invites[0].body
    assert first.notice_ids == [invites[0].id]
    with pytest.raises(ValueError):
        offer(runtime, kind="birthday")


def test_without_an_open_invitation_the_survey_is_explained(whatsapp, runtime, frozen_clock):
    number = str([e.label_key for e in runtime.registry.menu_entries()].index("survey.menu_label") + 1)
    whatsapp.send("halo")
    answer = whatsapp.send(number)
    assert "setelah kunjungan (check-out)" in answer.text and "Pertanyaan 1" not in answer.text
    offer(runtime)
    frozen_clock.advance(hours=73)  # the invitation expired (72 hours by default)
    assert "Pertanyaan 1" not in whatsapp.send("survei").text


def test_full_survey_with_correction_stop_and_resume(whatsapp, runtime):
    whatsapp.send("halo")
    invitation = offer(runtime)
    converse(whatsapp, [
        ("survei", ["*Survei Kepuasan Masyarakat", "*Pertanyaan 1 dari 9*", "*persyaratan*", "4. Sangat sesuai"]),
        ("5", ["*1, 2, 3, atau 4*", "*Pertanyaan 1 dari 9*"]),
        ("sangat bagus", ["*1, 2, 3, atau 4*", "*Pertanyaan 1 dari 9*"]),
        ("4", ["*Pertanyaan 2 dari 9*", "*prosedur*"]),
        ("3", ["*Pertanyaan 3 dari 9*"]),
        ("stop", ["*Menu utama*"]),
        ("survei", ["Selamat datang kembali", "2 dari 9", "*Pertanyaan 3 dari 9*", "*waktu*"]),
        ("3", ["*biaya/tarif*", "4. Gratis"]),
        ("4", ["Pertanyaan 5"]),
        ("3", ["Pertanyaan 6"]),
        ("3", ["Pertanyaan 7"]),
        ("4", ["Pertanyaan 8", "*penanganan pengaduan, saran, dan masukan*"]),
        ("2", ["Pertanyaan 9", "*sarana dan prasarana*"]),
        ("3", ["*data responden*"]),
        ("1", ["*Jenis kelamin*", "3. Lewati"]),
        ("2", ["*Usia*"]),
        ("3", ["*Pendidikan terakhir*"]),
        ("lewati", ["*Pekerjaan*"]),
        ("2", ["*saran atau masukan*"]),
        ("Mohon sediakan ruang tunggu yang lebih sejuk.", ["Terima kasih atas kesediaan Anda"]),
        ("survei", ["belum ada undangan survei"]),
    ])
    with runtime.db.session() as session:
        response = session.scalars(select(SurveyResponse)).one()
        status = session.get(SurveyInvitation, invitation.id).status
    assert status == "completed" and response.completed_at is not None
    assert response.answers == {"persyaratan": 4, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
                                "kompetensi": 3, "perilaku": 4, "pengaduan": 2, "sarana": 3}
    assert (response.gender, response.age_band, response.education, response.occupation) == (
        "female", "age30s", None, "private")
    assert response.suggestion == "Mohon sediakan ruang tunggu yang lebih sejuk."


def test_survey_in_english_and_skipping_the_profile(whatsapp, runtime):
    whatsapp.send("english")
    offer(runtime)
    converse(whatsapp, [("survey", ["*Question 1 of 9*", "*requirements*"])])
    for _ in range(9):
        whatsapp.send("4")
    converse(whatsapp, [("2", ["*suggestion or feedback*"]), ("skip", ["Thank you for taking the survey"])])
    with runtime.db.session() as session:
        response = session.scalars(select(SurveyResponse)).one()
    assert response.suggestion is None and response.gender is None and response.lang == "en"


def test_ikm_report_over_completed_responses(runtime, frozen_clock):
    with runtime.db.session() as session:
        for i, answers in enumerate(WORKED):
            invitation = service.offer_survey(session, runtime.outbox, runtime.offices.get(OFFICE), phone=CITIZEN,
                                              event_kind="checkout", event_ref=f"V{i}", msgs=runtime.messages,
                                              config=runtime.config)
            service.save(session, invitation.id, answers=answers, profile={"gender": "male"}, complete=True)
        partial = service.offer_survey(session, runtime.outbox, runtime.offices.get(OFFICE), phone=CITIZEN,
                                       event_kind="inquiry", event_ref="P", msgs=runtime.messages,
                                       config=runtime.config)
        service.save(session, partial.id, answers={"persyaratan": 1})
        session.commit()
        now = frozen_clock.now()
        found = report.build(session, OFFICE, now - timedelta(days=1), now + timedelta(days=1))
        empty = report.build(session, OFFICE, now + timedelta(days=1), now + timedelta(days=2))
    assert found.result.respondents == 4 and [r.number for r in found.respondents] == [1, 2, 3, 4]
    assert found.result.ikm_rounded == Decimal("79.86") and found.result.band.grade == "B"
    assert found.by_event == {"checkout": 4} and found.profile["gender"] == {"male": 4}
    assert found.profile["education"] == {"-": 4} and found.suggestions == []
    assert empty.result.respondents == 0 and empty.result.band is None and empty.respondents == []


def test_survey_offer_effect_for_other_flows(runtime):
    office = runtime.offices.get(OFFICE)
    with runtime.db.session() as session:
        conv = Conversation(office=OFFICE, phone=CITIZEN, state={}, version=1, lang="en")
        session.add(conv)
        session.flush()
        committed = runtime.inbox.effects.record(session, runtime.outbox, [
            OfferSurvey(event_kind="inquiry", event_ref="svc-legalisir-2026-11-23"),
            OfferSurvey(event_kind="inquiry", event_ref="svc-legalisir-2026-11-23"),
        ], office, conv)
        session.commit()
        invitation = session.scalars(select(SurveyInvitation)).one()
        assert session.scalars(select(OutboundMessage)).all() == []  # an inquiry's invitation waits for quiet
    assert committed.outbox_ids == [] and [j.func for j in committed.jobs] == ["bot.survey.jobs.invite_when_idle"]
    runtime_module.install(runtime)
    assert jobs.invite_when_idle(invitation.id) == "sent"  # the conversation is at the menu, quiet
    assert jobs.invite_when_idle(invitation.id) == "not needed"
    with runtime.db.session() as session:
        rows = list(session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "survey_invite")))
    assert len(rows) == 1 and "Reply *survey*" in rows[0].body and rows[0].conversation_id == conv.id


def test_an_inquirys_invitation_waits_while_the_citizen_is_busy(whatsapp, runtime, frozen_clock):
    runtime_module.install(runtime)
    whatsapp.send("halo", office="setda-klungkung")
    whatsapp.send("berapa biaya bantuan hukum?", office="setda-klungkung")
    with runtime.db.session() as session:
        invitation = session.scalars(select(SurveyInvitation)).one()
    frozen_clock.advance(minutes=5)
    assert jobs.invite_when_idle(invitation.id) == "waiting"  # spoke 5 minutes ago, in the middle of a card
    whatsapp.send("menu", office="setda-klungkung")
    frozen_clock.advance(minutes=16)
    assert jobs.invite_when_idle(invitation.id) == "sent"


class TestOfferJob:
    @pytest.fixture
    def runtime(self, twilio_runtime):
        return twilio_runtime

    def test_job_offers_and_the_worker_sends_the_invitation(self, runtime, whatsapp, work, standin):
        whatsapp.send("halo")
        queue = Queue(runtime_module.DEFAULT_QUEUE, connection=runtime.redis)
        queue.enqueue("bot.survey.jobs.offer", OFFICE, CITIZEN, "checkout", "VIS-42")
        queue.enqueue("bot.survey.jobs.offer", OFFICE, CITIZEN, "checkout", "VIS-42")
        work()
        invites = [m for m in standin.messages if m.body and "Survei Kepuasan Masyarakat" in m.body]
        assert len(invites) == 1 and invites[0].to == f"whatsapp:{CITIZEN}"
        with runtime.db.session() as session:
            invitation = session.scalars(select(SurveyInvitation)).one()
        assert invitation.expires_at.replace(tzinfo=UTC) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_question_option_and_profile_choice_has_text(lang):
    from bot.i18n import Messages
    from config.settings import CONFIG_DIR
    from flows.survey import PROFILE_OPTIONS

    messages = Messages(CONFIG_DIR)
    keys = [f"survey.element.{e}.{part}" for e in ikm.ELEMENTS for part in ("q", "a1", "a2", "a3", "a4")]
    keys += [f"survey.profile.{name}.{code}" for name, codes in PROFILE_OPTIONS.values() for code in ("q", *codes)]
    assert [k for k in keys if not messages.has(k)] == []
    assert all(messages.text(lang, k, office="X") for k in keys)
