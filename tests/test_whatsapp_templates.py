"""Loket's WhatsApp template definitions (config/whatsapp_templates.yaml): every body obeys WhatsApp's
variable rules, the checker refuses the bodies WhatsApp would, values become Twilio's numbered
ContentVariables (never empty, never too long), and the body hash changes with what Twilio is sent."""

from __future__ import annotations

import copy

import pytest
import yaml

from bot.exceptions import ConfigError
from bot.i18n import LANGUAGES
from bot.whatsapp import templates
from bot.whatsapp.sync import template_name
from config.settings import CONFIG_DIR
from tests.support import twilio_content

DEFINITIONS = templates.definitions(CONFIG_DIR)
RAW = yaml.safe_load((CONFIG_DIR / templates.FILENAME).read_text(encoding="utf-8"))


def test_every_business_initiated_kind_is_defined_in_both_languages():
    assert set(DEFINITIONS) == set(templates.KINDS) == {
        "host_notice", "host_reminder", "desk_escalation", "visit_reminder", "visit_outcome", "visit_cancelled",
        "guest_arrived", "officer_followup", "complaint_receipt", "complaint_update", "survey_invite"}
    for kind, definition in DEFINITIONS.items():
        assert definition.name == f"loket_{kind}"
        assert definition.category == "UTILITY"
        assert set(definition.bodies) == set(LANGUAGES)


@pytest.mark.parametrize("kind", templates.KINDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_body_obeys_whatsapps_variable_rules(kind, lang):
    definition = DEFINITIONS[kind]
    body = definition.bodies[lang]
    assert templates.body_problems(body, len(definition.variables)) == []
    numbers = [int(n) for n in templates.PLACEHOLDER.findall(body)]
    assert sorted(numbers) == list(range(1, len(definition.variables) + 1))  # from 1, no gap, each once
    assert not body.startswith("{{") and not body.rstrip(".!?*) ").endswith("}}")
    for sample in definition.samples[lang].values():
        assert sample.strip() and "\n" not in sample
    # The stand-in's own model of WhatsApp's review (tests/support/twilio_content.py) agrees.
    content = twilio_content.new_content({"friendly_name": template_name(definition, lang), **definition.content(lang)},
                                         "AC" + "0" * 32)
    assert twilio_content.review(content) is None
    assert len(definition.render(lang)) <= templates.BODY_LIMIT


def test_the_variables_are_the_values_loket_fills_in_the_numbering_it_used_so_far():
    order = {kind: definition.variables for kind, definition in DEFINITIONS.items()}
    assert order["host_notice"] == ("office", "guest", "purpose", "when", "identity", "code")
    assert order["desk_escalation"] == ("office", "host", "guest", "when", "code", "status")
    assert order["visit_outcome"] == ("office", "code", "status", "when", "reason")
    assert order["guest_arrived"] == ("office", "guest", "purpose", "code", "badge")
    assert order["complaint_receipt"] == ("ticket", "office")  # bot/complaints/service.py's numbering
    assert order["complaint_update"] == ("ticket", "status", "note")
    assert order["survey_invite"] == order["officer_followup"] == ("office",)


def test_the_host_notice_is_a_quick_reply_with_three_buttons():
    notice = DEFINITIONS["host_notice"]
    assert notice.type == templates.QUICK_REPLY
    assert [(b.id, b.titles["id"], b.titles["en"]) for b in notice.buttons] == [
        ("accept", "Terima", "Accept"), ("decline", "Tolak", "Decline"), ("propose", "Usul waktu lain", "Another time")]
    actions = notice.content("id")["types"][templates.QUICK_REPLY]["actions"]
    assert actions == [{"id": "accept", "title": "Terima"}, {"id": "decline", "title": "Tolak"},
                       {"id": "propose", "title": "Usul waktu lain"}]
    assert all(d.type == templates.TEXT and not d.buttons for k, d in DEFINITIONS.items() if k != "host_notice")


@pytest.mark.parametrize(("body", "problem"), [
    ("{{1}} ingin bertemu Bapak/Ibu hari ini. Terima kasih.", "starts with a variable"),
    ("Tamu yang ingin bertemu Bapak/Ibu hari ini adalah {{1}}", "ends with a variable"),
    ("Tamu yang ingin bertemu Bapak/Ibu hari ini adalah {{1}}.", "ends with a variable"),
    ("Tamu yang ingin bertemu Bapak/Ibu hari ini adalah *{{1}}*!", "ends with a variable"),
    ("Tamu {{1}} {{2}} ingin bertemu Bapak/Ibu hari ini. Terima kasih.", "no word between"),
    ("Tamu {{1}}, {{2}} ingin bertemu Bapak/Ibu hari ini. Terima kasih.", "no word between"),
    ("Tamu {{1}} ingin bertemu {{3}} hari ini di kantor kami. Terima kasih.", "are not"),
    ("Tamu {{1}} ingin bertemu {{1}} hari ini di kantor kami. Terima kasih.", "are not"),
    ("Tamu {{ 1 }} ingin bertemu {{2}} hari ini di kantor kami. Terima kasih.", "not of the form"),
    ("Tamu {{nama}} ingin bertemu {{2}} hari ini di kantor kami. Terima kasih.", "not of the form"),
    ("Halo {{1}}, gerbang {{2}}. Terima.", "words for 2 variables"),
    (" Tamu {{1}} ingin bertemu {{2}} hari ini di kantor kami. Terima kasih.", "white space"),
    ("Tamu {{1}} ingin bertemu {{2}} hari ini. " + "Terima kasih. " * 80 + "Salam.", "more than 1024"),
    ("", "empty"),
])
def test_the_checker_refuses_what_whatsapp_would(body, problem):
    problems = templates.body_problems(body, 2)
    assert any(problem in p for p in problems), problems


def test_the_checker_accepts_a_proper_body():
    body = "Halo {{1}}, pesawat Anda berangkat dari gerbang {{2}}. Mohon datang tepat waktu. Terima kasih."
    assert templates.body_problems(body, 2) == []
    assert templates.body_problems("Halo, kantor kami buka pukul 08.00 setiap hari kerja.", 0) == []


def _broken(change) -> dict:
    data = copy.deepcopy(RAW)
    change(data["templates"])
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t["visit_reminder"]["body"].update(id="{{1}} menunggu Anda pada {{2}} dengan kode {{3}} ya."),
     "visit_reminder: body (id): the body starts with a variable"),
    (lambda t: t["host_reminder"]["body"].update(en="Guest {{1}} {{2}} waits for {{3}} (code {{4}}). Thanks."),
     "host_reminder: body (en)"),
    (lambda t: t.pop("survey_invite"), "kinds missing ['survey_invite']"),
    (lambda t: t.update(marketing_blast=t["survey_invite"]), "unknown ['marketing_blast']"),
    (lambda t: t["host_notice"]["buttons"][2]["title"].update(id="Usulkan waktu yang lain saja"),
     "host_notice: button propose (id) needs a title of 1 to 20 characters"),
    (lambda t: t["host_notice"].update(category="MARKETING"), "host_notice: category 'MARKETING'"),
    (lambda t: t["complaint_update"].update(name="Loket-Complaint"), "complaint_update: name 'Loket-Complaint'"),
    (lambda t: t["visit_outcome"]["variables"].update(reason=""), "visit_outcome: variable reason (id): an empty"),
    (lambda t: t["guest_arrived"]["body"].pop("en"), "guest_arrived: body needs exactly the languages"),
    (lambda t: t["visit_cancelled"].update(buttons=[{"id": "ok", "title": "OK"}]),
     "visit_cancelled: buttons need type twilio/quick-reply"),
])
def test_a_broken_definition_is_refused_at_load(change, message):
    with pytest.raises(ConfigError) as raised:
        templates.parse(_broken(change))
    assert message in str(raised.value)


def test_a_broken_file_stops_the_loader(tmp_path):
    (tmp_path / templates.FILENAME).write_text(yaml.safe_dump(_broken(
        lambda t: t["officer_followup"]["body"].update(id="Salam dari {{1}}"))), encoding="utf-8")
    with pytest.raises(ConfigError, match="officer_followup"):
        templates.definitions(tmp_path)
    with pytest.raises(ConfigError, match="missing"):
        templates.definitions(tmp_path / "nowhere")


def test_variables_are_numbered_and_never_empty():
    values = {"office": "Kejaksaan Negeri Alor", "guest": "Siti\nAminah", "purpose": "  Konsultasi   hukum ",
              "when": None, "code": 123456}
    variables = templates.variables_for("host_notice", values, config_dir=CONFIG_DIR)
    assert variables == {"1": "Kejaksaan Negeri Alor", "2": "Siti Aminah", "3": "Konsultasi hukum", "4": "-",
                         "5": "-", "6": "123456"}
    assert templates.variables_for("officer_followup", {}, config_dir=CONFIG_DIR) == {"1": "-"}


def test_long_values_are_cut_so_the_message_stays_within_whatsapps_limit():
    notice = DEFINITIONS["host_notice"]
    values = {"office": "Kejaksaan Negeri Klungkung", "guest": "G" * 300, "purpose": "P" * 3000,
              "when": "Senin, 23 November 2026 pukul 10.00 WITA", "identity": "KTP 5171********0001", "code": "K7PX4M"}
    variables = notice.variables_for(values)
    assert variables["1"] == values["office"] and variables["6"] == "K7PX4M"  # short values untouched
    assert variables["3"].endswith("…") and len(variables["3"]) <= templates.VALUE_LIMIT
    for lang in LANGUAGES:
        assert len(notice.render(lang, variables)) <= templates.BODY_LIMIT
    assert all(v.strip() for v in variables.values())


def test_the_body_hash_covers_everything_sent_to_twilio():
    notice = DEFINITIONS["host_notice"]
    assert notice.body_hash("id") == templates.body_hash("host_notice", "id", config_dir=CONFIG_DIR)
    assert notice.body_hash("id") != notice.body_hash("en")
    assert len({d.body_hash("id") for d in DEFINITIONS.values()}) == len(DEFINITIONS)
    for change in (lambda t: t["host_notice"]["body"].update(id=t["host_notice"]["body"]["id"] + " Salam."),
                   lambda t: t["host_notice"]["buttons"][0]["title"].update(id="Setuju")):
        changed = templates.parse(_broken(change))["host_notice"]
        assert changed.body_hash("id") != notice.body_hash("id")
        assert changed.body_hash("en") == notice.body_hash("en")  # only the language that changed
    resampled = templates.parse(_broken(lambda t: t["host_notice"]["variables"].update(guest="Siti Aminah")))
    assert resampled["host_notice"].body_hash("id") != notice.body_hash("id")  # samples go to Twilio too
    assert templates.parse(copy.deepcopy(RAW))["host_notice"].body_hash("id") == notice.body_hash("id")
    assert template_name(notice, "id") == f"loket_host_notice_id_{notice.body_hash('id')[:10]}"
