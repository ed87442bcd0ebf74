"""Hostile and random webhook forms: never a 5xx, always a well-formed (and polite) answer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text import units
from tests.support.whatsapp import new_sid, parse_twiml

HOSTILE = ["<script>alert(1)</script>", "'; DROP TABLE inbound_messages; --", "\x00\x01\x02", "{office}{0}%s%n",
           "‮RTL override", "🙏" * 3000, "a" * 20000, "menu" * 500, "1" * 100, "\r\n\r\n", " ", ""]

bodies = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=5000))
numbers = st.one_of(st.sampled_from(["whatsapp:+6281234500001", "whatsapp:+62812", "+1 (555) 0100", "whatsapp:",
                                     "whatsapp:+6281339151776", "not a number", ""]), st.text(max_size=40))
forms = st.fixed_dictionaries(
    {"Body": bodies, "From": numbers},
    optional={
        "To": st.sampled_from(["whatsapp:+6281339151776", "whatsapp:+6236621085", "whatsapp:+10000000000", "x", ""]),
        "NumMedia": st.sampled_from(["0", "1", "10", "99", "-1", "abc", ""]),
        "MediaUrl0": st.sampled_from(["https://api.twilio.com/x", "javascript:alert(1)", "x" * 3000]),
        "MediaContentType0": st.sampled_from(["image/jpeg", "application/x-msdownload", ""]),
        "ProfileName": st.text(max_size=500),
        "WaId": st.text(max_size=50),
    })


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=forms, keep_sid=st.booleans())
def test_any_form_gets_an_answer_never_a_server_error(whatsapp, form, keep_sid):
    form = {"To": "whatsapp:+6281339151776", **form}
    if keep_sid:
        form["MessageSid"] = new_sid()
    response = whatsapp.post("/twilio/whatsapp", form)
    assert response.status_code in (200, 400), response.status_code
    messages, _, _ = parse_twiml(response.get_data(as_text=True))
    if response.status_code == 200:
        # Empty only while an officer has the conversation (two misunderstood messages hand it over).
        assert all(0 < units(m) <= 1600 for m in messages)
        assert "Traceback" not in "".join(messages)


MARKUP = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "<a href='javascript:alert(3)'>x</a>",
          "</textarea><svg onload=alert(4)>"]
TEMPLATE = "{{ 7*7 }}{% raw %}"


def test_hostile_text_stays_text_in_the_dashboard(whatsapp, app, runtime):
    from sqlalchemy import select

    from bot.models import Conversation
    from tests.support.dashboard import signed_in

    for i, payload in enumerate([*MARKUP, TEMPLATE]):
        whatsapp.send(payload, from_=f"+628122000{i:04d}", profile=payload)
    admin = signed_in(app, runtime, "admin.fuzz", "admin", office=None)
    with runtime.db.session() as session:
        ids = session.scalars(select(Conversation.id)).all()
    pages = [admin.get("/dashboard/transcripts").get_data(as_text=True)]
    pages += [admin.get(f"/dashboard/transcripts/{i}").get_data(as_text=True) for i in ids]
    html = "\n".join(pages)
    for payload in MARKUP:
        assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    assert TEMPLATE in html  # shown as typed, never evaluated as a template
