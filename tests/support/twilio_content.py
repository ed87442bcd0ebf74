"""Twilio's Content API (content.twilio.com/v1) for TwilioStandIn: templates, WhatsApp approval, rendering.

TwilioStandIn serves this on its own port beside the Messages API, so one base URL reaches both
(point the app's TWILIO_CONTENT_API_URL at `standin.url`). Modelled: the twilio/text,
twilio/quick-reply and twilio/list-picker types; WhatsApp approval requests and WhatsApp's review;
ContentSid sends rendered with ContentVariables; the inbound form Twilio posts when a person taps a
button or picks a list item.

Where the rules come from (Twilio's docs unless said otherwise):
- field limits: twilio.com/docs/content/twilio-quick-reply, /twiliolist-picker, /twilio-text;
- resource, approval and paging JSON: /docs/content/content-api-resources;
- variables left out of ContentVariables fall back to the samples: /docs/content/using-variables-with-content-api
  (and the Messages API's ContentVariables parameter);
- a body that starts or ends with a variable, or has two side by side, is accepted by Twilio and
  refused by WhatsApp's review ("WhatsApp will reject the template"): creation answers 201 and the
  approval turns "rejected"; likewise variables not numbered {{1}}, {{2}}... or without a sample;
- list-picker can't be submitted for approval and can't open a conversation (error 63016's page).
Twilio documents no error code for a refused Content body; newer Twilio APIs answer code = HTTP
status, so the stand-in does too (400, with Twilio's usual 20404 for an unknown SID).
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.parse
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TEXT = "twilio/text"
QUICK_REPLY = "twilio/quick-reply"
LIST_PICKER = "twilio/list-picker"
# A content may carry several types; WhatsApp gets the richest, the rest are other channels' fallbacks.
WHATSAPP_PREFERENCE = (LIST_PICKER, QUICK_REPLY, TEXT)
SESSION_ONLY = frozenset({LIST_PICKER})
APPROVAL_CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
# A quick-reply that goes out as a session (interactive) message rather than an approved template.
SESSION_BUTTON_LIMIT = 3

BODY_LIMIT = {TEXT: 1600, QUICK_REPLY: 1024, LIST_PICKER: 1024}
MAX_BUTTONS = 10
MAX_ITEMS = 10
TITLE_LIMIT = 20
ITEM_LIMIT = 24
DESCRIPTION_LIMIT = 72
ID_LIMIT = 200
LIST_BUTTON_LIMIT = 20  # Meta's limit on the list's button label; Twilio's page gives none
MAX_VARIABLES = 100
APPROVAL_NAME_LIMIT = 512

INVALID = 400
NOT_FOUND = 20404
DEFAULT_PAGE_SIZE = 50

# Twilio stores and accepts "{{1}}" and "{{ 1 }}" alike.
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]{1,16})\s*\}\}")
_STARTS_WITH_VARIABLE = re.compile(r"\{\{[^{}]*\}\}")
_ENDS_WITH_VARIABLE = re.compile(r"\{\{[^{}]*\}\}$")
_ADJACENT_VARIABLES = re.compile(r"\}\}\s*\{\{")
_APPROVAL_NAME = re.compile(r"[a-z0-9_]+")
_SID = r"(HX[0-9a-fA-F]{32})"
_ROUTES = (
    ("POST", re.compile(r"/v1/Content"), "create"),
    ("GET", re.compile(r"/v1/Content"), "list"),
    ("GET", re.compile(rf"/v1/Content/{_SID}"), "fetch"),
    ("DELETE", re.compile(rf"/v1/Content/{_SID}"), "delete"),
    # Twilio's own docs spell it both "whatsapp" and "WhatsApp".
    ("POST", re.compile(rf"/v1/Content/{_SID}/ApprovalRequests/(?i:whatsapp)"), "submit"),
    ("GET", re.compile(rf"/v1/Content/{_SID}/ApprovalRequests"), "approval_fetch"),
    ("GET", re.compile(r"/v1/ContentAndApprovals"), "list_with_approvals"),
)


class ContentError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _invalid(message: str) -> ContentError:
    return ContentError(400, INVALID, message)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _invalid(message)


def _iso_now() -> str:
    # The Content API dates in ISO 8601 ("2022-08-29T10:43:20Z"), unlike the Messages API's RFC 2822.
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _drop_nulls(value: Any) -> Any:
    """Twilio's helper library sends every type and field it knows, unused ones as null."""
    if isinstance(value, dict):
        return {key: _drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def placeholders(value: Any) -> list[str]:
    """Variable keys used anywhere in `value` (a text or a types object), first use first."""
    keys = [match.group(1) for text in _strings(value) for match in _PLACEHOLDER.finditer(text)]
    return list(dict.fromkeys(keys))


# ------------------------------------------------------------------ resources


@dataclass(frozen=True)
class Button:
    id: str
    title: str


@dataclass(frozen=True)
class ListItem:
    id: str
    item: str
    description: str | None = None


@dataclass(frozen=True)
class Rendered:
    """What the person saw: the type WhatsApp got, with the variables filled in."""

    content_type: str
    body: str
    variables: Mapping[str, str]
    buttons: tuple[Button, ...] = ()
    items: tuple[ListItem, ...] = ()
    list_button: str | None = None


@dataclass
class Approval:
    """A WhatsApp approval request; status moves received → pending → approved | rejected."""

    name: str
    category: str
    allow_category_change: bool = True
    status: str = "received"
    rejection_reason: str = ""


@dataclass
class Content:
    sid: str
    account_sid: str
    friendly_name: str
    language: str
    variables: dict[str, str]
    types: dict[str, dict[str, Any]]
    date_created: str
    approval: Approval | None = None

    @property
    def whatsapp_type(self) -> str:
        return next(kind for kind in WHATSAPP_PREFERENCE if kind in self.types)

    @property
    def status(self) -> str:
        return self.approval.status if self.approval else "unsubmitted"

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def session_only(self) -> bool:
        return self.whatsapp_type in SESSION_ONLY

    def resource(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}/v1/Content/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "date_created": self.date_created,
            "date_updated": self.date_created,
            "friendly_name": self.friendly_name,
            "language": self.language,
            "links": {
                "approval_create": f"{url}/ApprovalRequests/whatsapp",
                "approval_fetch": f"{url}/ApprovalRequests",
            },
            "sid": self.sid,
            "types": self.types,
            "url": url,
            "variables": self.variables,
        }

    def whatsapp_approval(self) -> dict[str, Any]:
        approval = self.approval or Approval("", "", status="unsubmitted")
        return {
            "type": "whatsapp",
            "name": approval.name,
            "category": approval.category,
            "content_type": self.whatsapp_type,
            "status": approval.status,
            "rejection_reason": approval.rejection_reason,
            "allow_category_change": approval.allow_category_change,
            "flows": None,  # in every approval object since Twilio's 2024-08-12 change; ours are never flows
        }

    def render(self, values: Mapping[str, str]) -> Rendered:
        spec = self.types[self.whatsapp_type]

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)

        # Without an id, the button's payload is its title.
        actions = spec.get("actions", [])
        buttons = tuple(Button(fill(action.get("id") or action["title"]), fill(action["title"])) for action in actions)
        items = tuple(
            ListItem(fill(item["id"]), fill(item["item"]), fill(item["description"]) if "description" in item else None)
            for item in spec.get("items", [])
        )
        button = fill(spec["button"]) if "button" in spec else None
        return Rendered(self.whatsapp_type, fill(spec["body"]), dict(values), buttons, items, button)


# ------------------------------------------------------------------ Twilio's checks on creation


def new_content(payload: Any, account_sid: str, sid: str | None = None) -> Content:
    """A POST /v1/Content body → Content, or ContentError(400) where Twilio refuses it."""
    _require(isinstance(payload, dict), "The request body must be a JSON object")
    types = _drop_nulls(payload.get("types"))
    _require(isinstance(types, dict) and bool(types), "types is required: at least one content type")
    for kind in types:
        _require(
            kind in WHATSAPP_PREFERENCE,
            f"Content type {kind!r} is not supported by the stand-in "
            f"(it models {', '.join(sorted(WHATSAPP_PREFERENCE))})",
        )
    language = payload.get("language")
    _require(isinstance(language, str) and bool(language.strip()), "language is required")
    friendly_name = payload.get("friendly_name") or ""
    _require(isinstance(friendly_name, str), "friendly_name must be a string")
    variables = payload.get("variables") or {}
    _require(
        isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values()),
        'variables must be an object of strings, e.g. {"1": "Budi"}',
    )
    for kind, spec in types.items():
        _require(isinstance(spec, dict), f"{kind} must be an object")
        _CHECKS[kind](kind, spec)
    _check_placeholders(types)
    return Content(
        sid or "HX" + secrets.token_hex(16), account_sid, friendly_name, language, dict(variables), types, _iso_now()
    )


def _check_placeholders(types: dict[str, Any]) -> None:
    for text in _strings(types):
        # What is left once the well-formed ones are gone must hold no braces: "{{}}", "{{a b}}", "{{1}".
        rest = _PLACEHOLDER.sub("", text)
        _require("{{" not in rest and "}}" not in rest, f"Malformed variable in {text!r}")
    _require(len(placeholders(types)) <= MAX_VARIABLES, f"A content can hold at most {MAX_VARIABLES} variables")


def _check_length(value: Any, limit: int, what: str, *, required: bool = True) -> None:
    if value is None and not required:
        return
    _require(isinstance(value, str) and bool(value.strip()), f"{what} is required")
    _require(len(value) <= limit, f"{what} is longer than {limit} characters")


def _check_text(kind: str, spec: dict[str, Any]) -> None:
    _check_length(spec.get("body"), BODY_LIMIT[kind], f"{kind} body")


def _check_quick_reply(kind: str, spec: dict[str, Any]) -> None:
    _check_text(kind, spec)
    actions = spec.get("actions")
    _require(
        isinstance(actions, list) and 1 <= len(actions) <= MAX_BUTTONS,
        f"{kind} needs between 1 and {MAX_BUTTONS} actions",
    )
    for action in actions:
        _require(isinstance(action, dict), f"{kind} actions must be objects")
        _require(action.get("type", "QUICK_REPLY") == "QUICK_REPLY", f"{kind} actions must be of type QUICK_REPLY")
        _check_length(action.get("title"), TITLE_LIMIT, f"{kind} action title")
        _check_length(action.get("id"), ID_LIMIT, f"{kind} action id", required=False)
    # The id (or, without one, the title) is the payload that comes back: two alike can't be told apart.
    payloads = [action.get("id") or action["title"] for action in actions]
    _require(len(set(payloads)) == len(payloads), f"{kind} action ids must be unique")


def _check_list_picker(kind: str, spec: dict[str, Any]) -> None:
    _check_text(kind, spec)
    _check_length(spec.get("button"), LIST_BUTTON_LIMIT, f"{kind} button")
    items = spec.get("items")
    _require(isinstance(items, list) and 1 <= len(items) <= MAX_ITEMS, f"{kind} needs between 1 and {MAX_ITEMS} items")
    for item in items:
        _require(isinstance(item, dict), f"{kind} items must be objects")
        _check_length(item.get("item"), ITEM_LIMIT, f"{kind} item")
        _check_length(item.get("id"), ID_LIMIT, f"{kind} item id")
        _check_length(item.get("description"), DESCRIPTION_LIMIT, f"{kind} item description", required=False)
    ids = [item["id"] for item in items]
    _require(len(set(ids)) == len(ids), f"{kind} item ids must be unique")


_CHECKS = {TEXT: _check_text, QUICK_REPLY: _check_quick_reply, LIST_PICKER: _check_list_picker}


# ------------------------------------------------------------------ WhatsApp's approval


def review(content: Content) -> str | None:
    """Why WhatsApp's review rejects this template, or None if it passes."""
    keys = placeholders(content.types)
    if any(not key.isdigit() for key in keys):
        return "INVALID_FORMAT: variables must be numbered {{1}}, {{2}}, ..."
    if sorted(int(key) for key in keys) != list(range(1, len(keys) + 1)):
        return "INVALID_FORMAT: variables must be numbered from 1 without gaps"
    missing = [key for key in keys if not content.variables.get(key)]
    if missing:
        return f"INVALID_FORMAT: variable {{{{{missing[0]}}}}} has no sample"
    body = content.types[content.whatsapp_type]["body"].strip()
    if _STARTS_WITH_VARIABLE.match(body) or _ENDS_WITH_VARIABLE.search(body):
        return "INVALID_FORMAT: the body starts or ends with a variable"
    if _ADJACENT_VARIABLES.search(body):
        return "INVALID_FORMAT: two variables side by side"
    return None


def submit(content: Content, payload: Any) -> Approval:
    """POST .../ApprovalRequests/whatsapp: Twilio's synchronous checks, then the request is received."""
    _require(isinstance(payload, dict), "The request body must be a JSON object")
    payload = _drop_nulls(payload)
    name, category = payload.get("name"), payload.get("category")
    _require(
        isinstance(name, str) and bool(_APPROVAL_NAME.fullmatch(name)) and len(name) <= APPROVAL_NAME_LIMIT,
        "name may only contain lowercase letters, digits and underscores",
    )
    _require(category in APPROVAL_CATEGORIES, f"category must be one of {', '.join(APPROVAL_CATEGORIES)}")
    allow = payload.get("allow_category_change", True)
    _require(isinstance(allow, bool), "allow_category_change must be true or false")
    _require(
        not content.session_only,
        f"{content.whatsapp_type} content can't be submitted for WhatsApp approval: it is session-only",
    )
    _require(
        content.status in ("unsubmitted", "rejected"),
        f"Content {content.sid} already has a WhatsApp approval request ({content.status})",
    )
    content.approval = Approval(name, category, allow)
    return content.approval


def advance(content: Content, auto_approve: bool) -> None:
    """One look at the approval, as a sync job polling Twilio sees it: WhatsApp's review moves it on."""
    approval = content.approval
    if approval is None or approval.status != "received":
        return
    reason = review(content)
    if reason is not None:
        approval.status, approval.rejection_reason = "rejected", reason
    else:
        approval.status = "approved" if auto_approve else "pending"


# ------------------------------------------------------------------ sending


def send_values(content: Content, sent: Mapping[str, Any] | None) -> dict[str, str] | None:
    """ContentVariables as Twilio takes them (declared keys, string values; the samples fill the gaps),
    or None where Twilio answers 21656."""
    sent = sent or {}
    declared = set(content.variables) | set(placeholders(content.types))
    if any(key not in declared or not isinstance(value, str) for key, value in sent.items()):
        return None
    values = {**content.variables, **sent}
    if any(not values.get(key) for key in placeholders(content.types)):
        return None
    return values


# ------------------------------------------------------------------ inbound replies


def reply_form(
    *,
    account_sid: str,
    user: str,
    business: str,
    replied_sid: str,
    profile_name: str,
    fields: Mapping[str, str],
    messaging_service_sid: str | None = None,
) -> dict[str, str]:
    """The inbound webhook form for a reply to one of our messages (a tap or a pick), as Twilio posts it:
    the fields of a real Twilio button-tap request (ChannelMetadata included), `fields` on top."""
    sid = "SM" + secrets.token_hex(16)
    # WaId is the phone number's digits; a user known only by a BSUID has none to give.
    wa_id = user.removeprefix("whatsapp:+") if user.startswith("whatsapp:+") else ""
    context = {"ProfileName": profile_name, **({"WaId": wa_id} if wa_id else {})}
    form = {
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
        "ChannelMetadata": json.dumps({"type": "whatsapp", "data": {"context": context}}),
        "Forwarded": "false",
        "FrequentlyForwarded": "false",
        "From": user,
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "OriginalRepliedMessageSender": business,
        "OriginalRepliedMessageSid": replied_sid,
        "ProfileName": profile_name,
        "ReferralNumMedia": "0",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": business,
        **fields,
    }
    if wa_id:
        form["WaId"] = wa_id
    if messaging_service_sid:
        form["MessagingServiceSid"] = messaging_service_sid
    return form


# ------------------------------------------------------------------ the HTTP resource


@dataclass(frozen=True)
class ContentRequest:
    """Every request to the Content API, whatever became of it."""

    method: str
    path: str
    # create | list | fetch | delete | submit | approval_fetch | list_with_approvals | unknown
    action: str
    http_status: int
    sid: str | None = None


class ContentApi:
    """The Content API's state and answers. Not locked: TwilioStandIn calls it under its own lock."""

    def __init__(self, account_sid: str, *, auto_approve: bool = False) -> None:
        self.account_sid = account_sid
        self.auto_approve = auto_approve
        self.base_url = ""
        self.clear()

    def clear(self) -> None:
        self.contents: dict[str, Content] = {}  # in creation order, as the list answers them
        self.deleted: set[str] = set()
        self.requests: list[ContentRequest] = []
        self.faults: deque[tuple[int, int]] = deque()

    def handle(
        self, method: str, path: str, query: Mapping[str, str], body: bytes, authorized: bool
    ) -> tuple[int, Any]:
        action, sid = _route(method, path)
        try:
            status, payload = self._answer(action, sid, path, query, body, authorized)
        except ContentError as exc:
            status, payload = exc.status, _error_body(exc.code, exc.message, exc.status)
        self.requests.append(ContentRequest(method, path, action, status, sid))
        return status, payload

    def _answer(
        self, action: str, sid: str | None, path: str, query: Mapping[str, str], body: bytes, authorized: bool
    ) -> tuple[int, Any]:
        if not authorized:
            raise ContentError(401, 20003, "Authenticate")
        if action == "unknown":
            raise ContentError(404, NOT_FOUND, f"The requested resource {path} was not found")
        if self.faults:
            status, code = self.faults.popleft()
            raise ContentError(status, code, "Injected failure")
        if action == "create":
            content = new_content(_json(body), self.account_sid)
            self.contents[content.sid] = content
            return 201, content.resource(self.base_url)
        if action == "list":
            return 200, self._page(path, [c.resource(self.base_url) for c in self.contents.values()], query)
        if action == "list_with_approvals":
            return 200, self._page(path, [self._with_approvals(c) for c in self.contents.values()], query)
        content = self.contents.get(sid or "")
        if content is None:
            raise ContentError(404, NOT_FOUND, f"The requested resource {path} was not found")
        if action == "fetch":
            return 200, content.resource(self.base_url)
        if action == "delete":
            del self.contents[content.sid]
            self.deleted.add(content.sid)
            return 204, b""
        if action == "submit":
            approval = submit(content, _json(body))
            return 201, {
                "allow_category_change": approval.allow_category_change,
                "category": approval.category,
                "content_type": content.whatsapp_type,
                "name": approval.name,
                "rejection_reason": approval.rejection_reason,
                "status": approval.status,
            }
        advance(content, self.auto_approve)
        return 200, {
            "account_sid": self.account_sid,
            "sid": content.sid,
            "url": f"{self.base_url}/v1/Content/{content.sid}/ApprovalRequests",
            "whatsapp": content.whatsapp_approval(),
        }

    def _with_approvals(self, content: Content) -> dict[str, Any]:
        advance(content, self.auto_approve)
        # The same fields as a Content resource, without url and links, plus the approval.
        resource = {k: v for k, v in content.resource(self.base_url).items() if k not in ("url", "links")}
        return {**resource, "approval_requests": content.whatsapp_approval()}

    def _page(self, path: str, records: list[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
        """Twilio's paging: PageSize, and a PageToken taken from next_page_url (Page alone is ignored)."""
        try:
            size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
            page = int(query.get("Page", 0))
        except ValueError as exc:
            raise _invalid("PageSize and Page must be integers") from exc
        _require(1 <= size <= 1000 and page >= 0, "PageSize must be between 1 and 1000")
        token = query.get("PageToken")
        start = 0
        if token:
            sids = [record["sid"] for record in records]
            _require(token.startswith("PT") and token[2:] in sids, f"Invalid PageToken {token}")
            start = sids.index(token[2:]) + 1
        chunk = records[start : start + size]

        def url(page_no: int, after: int) -> str:
            params = {"PageSize": size, "Page": page_no}
            if after > 0:
                params["PageToken"] = "PT" + records[after - 1]["sid"]
            return f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"

        more = start + size < len(records)
        key = "contents"
        return {
            key: chunk,
            "meta": {
                "page": page,
                "page_size": size,
                "first_page_url": url(0, 0),
                "previous_page_url": url(page - 1, max(start - size, 0)) if page > 0 else None,
                "url": url(page, start),
                "next_page_url": url(page + 1, start + size) if more else None,
                "key": key,
            },
        }


def _route(method: str, path: str) -> tuple[str, str | None]:
    for route_method, pattern, action in _ROUTES:
        match = pattern.fullmatch(path)
        if match and method == route_method:
            return action, match.group(1) if match.groups() else None
    return "unknown", None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _invalid("The request body is not valid JSON") from exc


def _error_body(code: int, message: str, status: int) -> dict[str, Any]:
    # The same shape as twilio_standin.error_body (which imports this module, so not the other way).
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}
