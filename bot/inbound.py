"""Twilio's inbound webhook form, parsed into one small value."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot import phone
from bot.masking import mask_nik

# WhatsApp bodies are at most 4096 characters; anything longer is not from WhatsApp. Keep a bound.
MAX_BODY_CHARS = 4096
MAX_MEDIA = 10
# Where Twilio keeps an inbound message's media: its REST API (which redirects to its CDN). Any other
# MediaUrl is not Twilio's and is dropped, whatever its scheme.
TWILIO_MEDIA_HOSTS = frozenset({"api.twilio.com", "media.twiliocdn.com"})


def media_url_allowed(url: str, extra_origins: Collection[str] = ()) -> bool:
    """https on one of Twilio's media hosts (or a regional `api.<region>.twilio.com`), or a URL under
    one of `extra_origins` ("http://127.0.0.1:8080": the configured TWILIO_API_URL, e.g. a stand-in)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.username or parts.password or any(ord(ch) < 33 for ch in url):
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and port in (None, 443) and (
            host in TWILIO_MEDIA_HOSTS or (host.startswith("api.") and host.endswith(".twilio.com"))):
        return True
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    return any(origin == o.rstrip("/").lower() for o in extra_origins if o)


class InvalidInbound(ValueError):
    """The form lacks what every Twilio message carries (MessageSid, From, To)."""


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class Location:
    """A location pin shared on WhatsApp: Twilio sends Latitude and Longitude, with Address and Label
    when the person picked a named place rather than dropping a pin."""

    latitude: float
    longitude: float
    address: str | None = None
    label: str | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> Location | None:
        try:
            latitude, longitude = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
        except ValueError:
            return None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        # A place's name and address are typed by people too ("Rumah NIK 5171…"): masked here, at the
        # door, like every text we keep (the message's body is masked before its first write).
        return cls(latitude, longitude, mask_nik(_short(form.get("Address"), 300)) or None,
                   mask_nik(_short(form.get("Label"), 200)) or None)

    def describe(self) -> str:
        """How the transcript shows it to an officer: the place's name, address and coordinates."""
        place = ", ".join(part for part in (self.label, self.address) if part)
        return f"📍 {place + ' ' if place else ''}({self.latitude:.6f}, {self.longitude:.6f})"

    def as_dict(self) -> dict[str, object]:
        return {"latitude": self.latitude, "longitude": self.longitude, "address": self.address, "label": self.label}


@dataclass(frozen=True)
class Inbound:
    message_sid: str
    from_number: str  # E.164, or a BSUID (bot/phone.py)
    to_number: str  # as Twilio sent it ("whatsapp:+62…")
    body: str = field(repr=False)  # as typed, a NIK in full: recorded masked (bot/inbox.py), never logged
    media: tuple[Media, ...] = ()
    profile_name: str | None = None
    wa_id: str | None = None
    # A tap on a quick-reply button or a list item of one of our messages: its id, and the SID of
    # the message tapped (WhatsApp's context), which tells which of several notices is answered.
    button_payload: str | None = None
    replied_sid: str | None = None
    # The person's business-scoped user ID when Twilio sends one beside a phone From (ExternalUserId).
    external_user_id: str | None = None
    location: Location | None = None

    @property
    def phone(self) -> str:
        return self.from_number

    @classmethod
    def from_form(cls, form: Mapping[str, str], media_origins: Collection[str] = ()) -> Inbound:
        """`media_origins`: origins accepted for MediaUrl beside Twilio's own https hosts (the
        configured TWILIO_API_URL's); media elsewhere are dropped."""
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
            for i in range(count)
            if form.get(f"MediaUrl{i}") and media_url_allowed(form[f"MediaUrl{i}"], media_origins))
        return cls(
            message_sid=sid, from_number=sender, to_number=to,
            body=(form.get("Body") or "").replace("\x00", "")[:MAX_BODY_CHARS],
            media=media, profile_name=(form.get("ProfileName") or None) and form["ProfileName"][:200],
            wa_id=(form.get("WaId") or None) and form["WaId"][:32],
            button_payload=_short(form.get("ButtonPayload") or form.get("ListId"), 200),
            replied_sid=_short(form.get("OriginalRepliedMessageSid"), 64),
            external_user_id=phone.bsuid(form.get("ExternalUserId")), location=Location.from_form(form))


def _short(value: str | None, limit: int) -> str | None:
    text = (value or "").strip()
    return text[:limit] or None
