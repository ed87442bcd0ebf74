"""Acts as Twilio towards our webhook: builds Twilio-shaped forms and signs them like Twilio does."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from twilio.request_validator import RequestValidator

CITIZEN = "+6281234500001"
_sids = itertools.count(1)


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_sids):032x}"


@dataclass
class Answer:
    status: int
    xml: str
    messages: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    media: list[list[str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)


def parse_twiml(xml: str) -> tuple[list[str], list[str], list[list[str]]]:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    messages, actions, media = [], [], []
    for element in root.findall("Message"):
        body = element.findtext("Body") or element.text or ""
        messages.append(body)
        actions.append(element.get("action", ""))
        media.append([m.text for m in element.findall("Media")])
    return messages, actions, media


class WhatsApp:
    def __init__(self, client, auth_token: str, public_base_url: str, offices):
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base = public_base_url
        self.offices = offices

    def office_number(self, slug: str) -> str:
        return "whatsapp:" + self.offices.get(slug).whatsapp

    def form(self, body: str = "", *, from_: str = CITIZEN, office: str = "kejari-klungkung", to: str | None = None,
             sid: str | None = None, media: tuple[tuple[str, str], ...] = (), profile: str = "Warga",
             external_user_id: str | None = None) -> dict:
        """Twilio's inbound form. `from_` may be a WhatsApp user ID (BSUID, "ID.1502…"): a person who hides
        their number, who then comes with no WaId; `external_user_id` is the BSUID sent beside a number."""
        form = {"MessageSid": sid or new_sid(), "SmsMessageSid": "", "AccountSid": "AC" + "0" * 32,
                "From": f"whatsapp:{from_}", "To": to or self.office_number(office), "Body": body,
                "NumMedia": str(len(media)), "ProfileName": profile, "WaId": from_.lstrip("+"),
                "NumSegments": "1", "ApiVersion": "2010-04-01"}
        if not from_.startswith("+"):
            del form["WaId"]
        if external_user_id:
            form["ExternalUserId"] = f"whatsapp:{external_user_id}"
        form["SmsMessageSid"] = form["MessageSid"]
        for i, (url, content_type) in enumerate(media):
            form[f"MediaUrl{i}"] = url
            form[f"MediaContentType{i}"] = content_type
        return form

    def sign(self, path: str, form: dict) -> str:
        return self.validator.compute_signature(self.base + path, form)

    def post(self, path: str, form: dict, signature: str | None = None, query: str = "", client=None):
        url_path = path + (f"?{query}" if query else "")
        headers = {"X-Twilio-Signature": signature if signature is not None else self.sign(url_path, form)}
        return (client or self.client).post(url_path, data=form, headers=headers)

    def send(self, body: str = "", **kwargs) -> Answer:
        response = self.post("/twilio/whatsapp", self.form(body, **kwargs))
        return self.answer(response)

    def send_form(self, form: dict) -> Answer:
        return self.answer(self.post("/twilio/whatsapp", form))

    @staticmethod
    def answer(response) -> Answer:
        xml = response.get_data(as_text=True)
        if response.status_code != 200:
            return Answer(response.status_code, xml)
        messages, actions, media = parse_twiml(xml)
        return Answer(response.status_code, xml, messages, actions, media)

    def status(self, sid: str, status: str, outbox_id: int | None = None, error_code: str | None = None):
        form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
                "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "ChannelPrefix": "whatsapp"}
        if error_code:
            form["ErrorCode"] = error_code
        return self.post("/twilio/status", form, query=f"o={outbox_id}" if outbox_id is not None else "")
