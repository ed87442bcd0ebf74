"""Twilio's inbound webhook form, parsed into one small value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot import phone

# WhatsApp bodies are at most 4096 characters; anything longer is not from WhatsApp. Keep a bound.
MAX_BODY_CHARS = 4096
MAX_MEDIA = 10


class InvalidInbound(ValueError):
    """The form lacks what every Twilio message carries (MessageSid, From, To)."""


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class Inbound:
    message_sid: str
    from_number: str  # E.164, or a BSUID (bot/phone.py)
    to_number: str  # as Twilio sent it ("whatsapp:+62…")
    body: str
    media: tuple[Media, ...] = ()
    profile_name: str | None = None
    wa_id: str | None = None
    # A tap on a quick-reply button or a list item of one of our messages: its id, and the SID of
    # the message tapped (WhatsApp's context), which tells which of several notices is answered.
    button_payload: str | None = None
    replied_sid: str | None = None
    # The person's business-scoped user ID when Twilio sends one beside a phone From (ExternalUserId).
    external_user_id: str | None = None

    @property
    def phone(self) -> str:
        return self.from_number

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> Inbound:
        sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
        if not sid or len(sid) > 64:
            raise InvalidInbound("MessageSid missing or malformed")
        try:
            sender = phone.address(form.get("From", ""))
        except phone.InvalidNumber as exc:
            raise InvalidInbound("From is neither a phone number nor a WhatsApp user ID") from exc
        to = (form.get("To") or "").strip()[:64]
        if not to:
            raise InvalidInbound("To missing")
        try:
            count = min(max(int(form.get("NumMedia") or 0), 0), MAX_MEDIA)
        except ValueError:
            count = 0
        media = tuple(
            Media(url=form[f"MediaUrl{i}"], content_type=form.get(f"MediaContentType{i}", ""))
            for i in range(count) if form.get(f"MediaUrl{i}"))
        return cls(
            message_sid=sid, from_number=sender, to_number=to,
            body=(form.get("Body") or "").replace("\x00", "")[:MAX_BODY_CHARS],
            media=media, profile_name=(form.get("ProfileName") or None) and form["ProfileName"][:200],
            wa_id=(form.get("WaId") or None) and form["WaId"][:32],
            button_payload=_short(form.get("ButtonPayload") or form.get("ListId"), 200),
            replied_sid=_short(form.get("OriginalRepliedMessageSid"), 64),
            external_user_id=phone.bsuid(form.get("ExternalUserId")))


def _short(value: str | None, limit: int) -> str | None:
    text = (value or "").strip()
    return text[:limit] or None
