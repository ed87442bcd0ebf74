"""Loket's WhatsApp templates in Twilio: each definition created once per body and submitted for
WhatsApp's approval (`sync`), and the approvals followed until WhatsApp decides (`poll`).

A body is known by its hash (templates.Definition.body_hash): an unchanged body makes nothing, a
changed one a new content, submitted under a new name (WhatsApp does not let an approved template
be replaced under its name), whose row becomes the current one. The content's friendly_name is that
name too, so a content created by a sync that died before recording it is found again in Twilio
and adopted rather than created twice.

Each template is committed as soon as Twilio has created it: a created content must never be
forgotten by a rollback. So, unlike the domain services, these functions commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import now
from bot.i18n import LANGUAGES
from bot.models.templates import APPROVED, DELETED, UNSUBMITTED, WAITING, WhatsAppTemplate
from bot.whatsapp.content_api import ContentApiError, ContentClient
from bot.whatsapp.templates import Definition

logger = logging.getLogger(__name__)

HASH_IN_NAME = 10  # hex digits of the body hash in a template's name: enough to never repeat a name


@dataclass
class SyncReport:
    """What a sync did, per "kind/lang"."""

    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # found in Twilio, made by an earlier sync
    submitted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "kind/lang: Twilio's answer"
    failure: str | None = None  # why the sync stopped early: Twilio unreachable, credentials refused

    @property
    def ok(self) -> bool:
        return not self.errors and self.failure is None

    def as_dict(self) -> dict[str, object]:
        return {"created": self.created, "adopted": self.adopted, "submitted": self.submitted,
                "unchanged": self.unchanged, "errors": self.errors, "failure": self.failure}


@dataclass
class PollReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)  # "kind/lang: old → new"
    errors: list[str] = field(default_factory=list)


def template_name(definition: Definition, lang: str) -> str:
    """The name a body version is submitted as: loket_host_notice_id_3fa2c19d0b."""
    return f"{definition.name}_{lang}_{definition.body_hash(lang)[:HASH_IN_NAME]}"


def _fatal(exc: ContentApiError) -> bool:
    """Errors after which no other template can fare better: stop the sync and say so."""
    return exc.transient or exc.status in (401, 403)


def _apply(row: WhatsAppTemplate, approval: dict) -> str:
    """Twilio's approval object (status, rejection_reason) onto the row; returns the old status."""
    old = row.status
    row.status = str(approval.get("status") or UNSUBMITTED).lower()[:16]
    row.rejection_reason = str(approval.get("rejection_reason") or "").strip()[:1000] or None
    row.checked_at = now()
    return old


class _Sync:
    def __init__(self, session: Session, client: ContentClient):
        self.session, self.client = session, client
        self.report = SyncReport()
        self._remote: dict[str, str] | None = None

    def remote(self, name: str) -> str | None:
        """The SID of a content of the account with this friendly_name (the list is read once)."""
        if self._remote is None:
            self._remote = {c.get("friendly_name") or "": c["sid"] for c in self.client.contents() if c.get("sid")}
        return self._remote.get(name)

    def version(self, kind: str, lang: str, digest: str) -> WhatsAppTemplate | None:
        return self.session.scalar(select(WhatsAppTemplate).where(
            WhatsAppTemplate.kind == kind, WhatsAppTemplate.lang == lang, WhatsAppTemplate.body_hash == digest))

    def one(self, definition: Definition, lang: str) -> None:
        label, digest = f"{definition.kind}/{lang}", definition.body_hash(lang)
        row = self.version(definition.kind, lang, digest)
        if row is not None and row.status == DELETED:  # deleted in Twilio's console: make it again
            self.session.delete(row)
            self.session.flush()
            row = None
        fresh = row is None
        if row is None:
            row = self.record(definition, lang, digest, label)
            if row is None:
                return
        if not row.current:  # a new body, or an old one brought back
            self.session.execute(update(WhatsAppTemplate).where(
                WhatsAppTemplate.kind == definition.kind, WhatsAppTemplate.lang == lang,
                WhatsAppTemplate.id != row.id).values(current=False))
            row.current = True
        self.session.commit()
        if row.status == UNSUBMITTED:
            self.submit(definition, row, label, check_first=not fresh or label in self.report.adopted)
        elif not fresh:
            self.report.unchanged.append(label)

    def record(self, definition: Definition, lang: str, digest: str, label: str) -> WhatsAppTemplate | None:
        """Create the content in Twilio (or adopt the one an interrupted sync made) and record it."""
        name = template_name(definition, lang)
        sid = self.remote(name)
        created = sid is None
        if created:
            sid = self.client.create(name, definition.content(lang))["sid"]
            self.report.created.append(label)
        else:
            self.report.adopted.append(label)
        row = WhatsAppTemplate(kind=definition.kind, lang=lang, name=name, body_hash=digest,
                               variables=list(definition.variables), content_sid=sid, status=UNSUBMITTED,
                               current=False)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:  # another sync recorded this body meanwhile: keep theirs
            self.session.rollback()
            if created:
                self._forget(sid)
            return self.version(definition.kind, lang, digest)
        logger.info("WhatsApp template %s created as %s", label, sid)
        return row

    def _forget(self, sid: str) -> None:
        try:
            self.client.delete(sid)
        except ContentApiError:
            logger.warning("content %s made twice by concurrent syncs; delete it in Twilio's console", sid)

    def submit(self, definition: Definition, row: WhatsAppTemplate, label: str, *, check_first: bool) -> None:
        """Ask for WhatsApp's approval. A content we did not just create may have been submitted by
        an earlier sync whose answer was lost: look before asking twice (Twilio refuses that)."""
        try:
            if check_first:
                approval = self.client.approval(row.content_sid)
                if str(approval.get("status") or UNSUBMITTED).lower() != UNSUBMITTED:
                    _apply(row, approval)
                    self.session.commit()
                    return
            _apply(row, self.client.submit(row.content_sid, row.name, definition.category))
            row.submitted_at, row.error = now(), None
            self.report.submitted.append(label)
        except ContentApiError as exc:
            row.error, row.checked_at = exc.message[:1000], now()
            self.session.commit()
            raise
        self.session.commit()


def sync(session: Session, client: ContentClient, definitions: dict[str, Definition]) -> SyncReport:
    """Create and submit every kind × language whose body Twilio does not have yet; resubmit one
    whose submission failed. Twilio's refusals are in the report per template; when Twilio cannot be
    reached or refuses the credentials, the sync stops there (report.failure): nothing else would work."""
    run = _Sync(session, client)
    for definition in definitions.values():
        for lang in LANGUAGES:
            try:
                run.one(definition, lang)
            except ContentApiError as exc:
                session.rollback()
                run.report.errors.append(f"{definition.kind}/{lang}: {exc}")
                logger.warning("WhatsApp template %s/%s: %s", definition.kind, lang, exc)
                if _fatal(exc):
                    run.report.failure = str(exc)
                    return run.report
    return run.report


def poll(session: Session, client: ContentClient) -> PollReport:
    """Fetch WhatsApp's decision for every template waiting for one, and for approved ones still in
    use (Meta may pause or disable an approved template). Stops at the first transient error."""
    report = PollReport()
    rows = list(session.scalars(select(WhatsAppTemplate).where(
        WhatsAppTemplate.status.in_(WAITING | {APPROVED}),
        WhatsAppTemplate.current.is_(True) | (WhatsAppTemplate.status == APPROVED)).order_by(WhatsAppTemplate.id)))
    for row in rows:
        try:
            approval = client.approval(row.content_sid)
        except ContentApiError as exc:
            if exc.status == 404:  # deleted in Twilio's console; the next sync makes it again
                approval = {"status": DELETED, "rejection_reason": ""}
            else:
                report.errors.append(f"{row.kind}/{row.lang}: {exc}")
                if _fatal(exc):
                    break
                continue
        old = _apply(row, approval)
        report.checked += 1
        if old != row.status:
            report.changed.append(f"{row.kind}/{row.lang}: {old} → {row.status}")
            logger.info("WhatsApp template %s/%s: %s → %s", row.kind, row.lang, old, row.status)
        session.commit()
    return report
