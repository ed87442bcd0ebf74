"""Handoff inbox: citizens waiting for a human officer. Desk officers (and admins) take a conversation,
answer it through the outbox and release it back to the bot; complaint handlers may read along.

WhatsApp's 24-hour window is shown from `Conversation.last_inbound_at`: once it has closed only
templates may be sent, so the free-text reply form is disabled (and refused if posted anyway), and
the officer may send the approved template that asks the citizen to write back.

A conversation that carries a confidential or anonymous complaint (bot/dashboard/transcripts.py) is
read in full by complaint handlers only. A desk officer (or an admin) who must answer the citizen sees
no WhatsApp name and only the messages of this request to an officer, from the request to its close:
never the report written before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from bot import clock, handoff
from bot.clock import as_utc
from bot.dashboard import audit as audit_log
from bot.dashboard import roles
from bot.dashboard import transcripts as queries
from bot.dashboard.roles import Role, grant
from bot.masking import mask_phone
from bot.models import Conversation, OutboundMessage
from bot.models.handoff import CLOSED, TAKEN, WAITING, Handoff
from bot.window import Window, window_after
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.forms import ActionForm
from handlers.dashboard.views import common

VIEW = "inbox"         # read the inbox and its transcripts
ACT = "inbox.act"      # take, reply, release
REPLY_MAX = 1600       # one WhatsApp message

grant(VIEW, Role.DESK, Role.HANDLER)
grant(ACT, Role.DESK)
NAV.append(NavItem("dashboard.inbox", "nav.inbox", VIEW, order=10))


class ReplyForm(FlaskForm):
    body = TextAreaField(validators=[InputRequired(), Length(max=REPLY_MAX)])


def tx(key: str, **values: Any) -> str:
    """An inbox string in the current language (config/messages/dashboard_inbox/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"inbox.{key}", **values)


def duration(since: datetime | None, until: datetime) -> str:
    """`2 jam 5 menit`: how long someone has waited, in the current language."""
    if since is None:
        return ""
    minutes = max(0, int((until - as_utc(since)).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return tx("duration.days", days=days, hours=hours)
    if hours:
        return tx("duration.hours", hours=hours, minutes=minutes)
    return tx("duration.minutes", minutes=minutes)


def window(conversation: Conversation, moment: datetime) -> Window:
    return window_after(conversation.last_inbound_at, moment)


@dataclass(frozen=True)
class Row:
    request: Handoff
    profile_name: str | None
    waited: str
    protected: bool = False


def _scoped(slugs: list[str]) -> list[Handoff]:
    rt = access.runtime()
    if len(slugs) == 1:
        return handoff.waiting(rt, slugs[0])
    return [r for r in handoff.waiting(rt) if r.office in slugs]


def waiting_count() -> int:
    with access.runtime().db.session() as s:
        return s.scalar(select(func.count()).select_from(Handoff).where(
            Handoff.status == WAITING, Handoff.office.in_(access.office_slugs()))) or 0


@bp.context_processor
def inbox_nav_count() -> dict[str, object]:
    """The menu's inbox entry shows how many citizens wait. Registered after common's helpers, so
    this `nav` (the same list with the count added) is the one templates see."""
    if not access.can(VIEW):
        return {}
    label = access.t("nav.inbox")
    items = common.nav_items()
    count = waiting_count()
    for item in items:
        if item["url"] == url_for("dashboard.inbox"):
            item["label"] = tx("nav_count", label=label, count=count)
            item["live_count"] = tx("nav_count", label=label, count="{count}")  # live.js fills in the count
    return {"nav": items}


def _load(handoff_id: int) -> tuple[Handoff, Conversation]:
    with access.runtime().db.session() as s:
        request_ = s.get(Handoff, handoff_id)
        if request_ is None:
            abort(404)
        access.check_office(request_.office)
        conversation = s.get(Conversation, request_.conversation_id)
        if conversation is None:
            abort(404)
        return request_, conversation


@bp.get("/inbox")
@access.require(VIEW)
def inbox():
    requests = _scoped(access.office_slugs())
    moment = clock.now()
    sees_protected = access.is_complaint_handler()
    with access.runtime().db.session() as s:
        ids = [r.conversation_id for r in requests]
        found = s.execute(select(Conversation.id, Conversation.profile_name, queries.protected_clause(),
                                 queries.anonymous_clause()).where(Conversation.id.in_(ids))).all()
        # A protected conversation's WhatsApp name: complaint handlers only; an anonymous one's: nobody.
        names = {cid: name for cid, name, protected, anonymous in found
                 if not anonymous and (sees_protected or not protected)}
        protected = {cid for cid, _, flag, _ in found if flag}
    rows = [Row(r, names.get(r.conversation_id), duration(r.requested_at, moment), r.conversation_id in protected)
            for r in requests]
    offices = access.office_slugs()
    access.audit(audit_log.VIEW, "handoff_inbox", None, offices[0] if len(offices) == 1 else None,
                 detail={"results": len(rows)})
    return render_template("dashboard/inbox.html", rows=rows, tx=tx, mask_phone=mask_phone,
                           waiting=[r for r in rows if r.request.status == WAITING],
                           taken=[r for r in rows if r.request.status == TAKEN])


@bp.get("/inbox/<int:handoff_id>")
@access.require(VIEW)
def inbox_request(handoff_id: int):
    request_, conversation = _load(handoff_id)
    moment = clock.now()
    with access.runtime().db.session() as s:
        protection = queries.protection(s, conversation)
        limited = protection is not None and not access.is_complaint_handler()
        if limited:  # only what the citizen wrote to the officers in this request
            until = as_utc(request_.closed_at) + timedelta(seconds=1) if request_.closed_at else None
            lines = queries.entries(s, conversation, since=as_utc(request_.requested_at), until=until)
        else:
            lines = queries.entries(s, conversation)
        reasons = dict(s.execute(select(OutboundMessage.id, OutboundMessage.error_message).where(
            OutboundMessage.conversation_id == conversation.id, OutboundMessage.error_message.is_not(None))).all())
    access.audit(audit_log.VIEW, "handoff", request_.id, request_.office,
                 detail={"withheld": protection} if limited else None)
    officer = access.user().username
    rt = access.runtime()
    office = rt.offices.get(request_.office)
    follow_up_ready = handoff.follow_up_template(rt, office)[0] is not None
    follow_up_text = rt.messages.text(conversation.lang, "handoff.follow_up", office=office.name)
    return render_template(
        "dashboard/inbox_request.html", tx=tx, mask_phone=mask_phone, req=request_, conversation=conversation,
        limited=limited, profile_name=None if limited or protection == queries.ANONYMOUS else conversation.profile_name,
        lines=lines, reasons=reasons, window=window(conversation, moment),
        waited=duration(request_.requested_at, moment),
        mine=request_.status == TAKEN and request_.taken_by == officer, may_act=access.can(ACT),
        closed=request_.status == CLOSED, action_form=ActionForm(), reply_form=ReplyForm(), reply_max=REPLY_MAX,
        follow_up_ready=follow_up_ready, follow_up_text=follow_up_text)


def _back(handoff_id: int):
    return redirect(url_for("dashboard.inbox_request", handoff_id=handoff_id))


@bp.post("/inbox/<int:handoff_id>/take")
@access.require(ACT)
def inbox_take(handoff_id: int):
    request_, _ = _load(handoff_id)
    if ActionForm().validate_on_submit():
        try:
            handoff.take(access.runtime(), handoff_id, access.user().username)
        except handoff.HandoffError:
            flash(tx("error.take", officer=request_.taken_by or "-"), "error")
        else:
            access.audit("handoff_take", "handoff", handoff_id, request_.office)
            flash(tx("taken_flash"), "success")
    return _back(handoff_id)


@bp.post("/inbox/<int:handoff_id>/release")
@access.require(ACT)
def inbox_release(handoff_id: int):
    request_, _ = _load(handoff_id)
    if ActionForm().validate_on_submit():
        # Someone else's conversation stays theirs; only an admin may free it.
        if request_.status == TAKEN and request_.taken_by != access.user().username \
                and not roles.sees_all_offices(access.user().role):
            flash(tx("error.not_yours", officer=request_.taken_by), "error")
            return _back(handoff_id)
        try:
            handoff.release(access.runtime(), handoff_id, access.user().username)
        except handoff.HandoffError:
            flash(tx("error.closed"), "error")
            return _back(handoff_id)
        access.audit("handoff_release", "handoff", handoff_id, request_.office)
        flash(tx("released_flash"), "success")
        return redirect(url_for("dashboard.inbox"))
    return _back(handoff_id)


@bp.post("/inbox/<int:handoff_id>/reply")
@access.require(ACT)
def inbox_reply(handoff_id: int):
    request_, conversation = _load(handoff_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(tx("error.reply_invalid", max=REPLY_MAX), "error")
        return _back(handoff_id)
    if not window(conversation, clock.now()).open:
        flash(tx("window.closed_refused"), "error")
        return _back(handoff_id)
    try:
        ids = handoff.reply(access.runtime(), handoff_id, access.user().username, form.body.data or "")
    except handoff.HandoffError:
        flash(tx("error.reply_not_taken"), "error")
        return _back(handoff_id)
    access.audit("handoff_reply", "handoff", handoff_id, request_.office,
                 detail={"outbox": ids, "chars": len((form.body.data or "").strip())})
    flash(tx("replied_flash"), "success")
    return _back(handoff_id)


@bp.post("/inbox/<int:handoff_id>/follow-up")
@access.require(ACT)
def inbox_follow_up(handoff_id: int):
    request_, conversation = _load(handoff_id)
    if not ActionForm().validate_on_submit():
        return _back(handoff_id)
    if window(conversation, clock.now()).open:
        flash(tx("error.follow_up_open"), "error")
        return _back(handoff_id)
    try:
        ids = handoff.follow_up(access.runtime(), handoff_id, access.user().username)
    except handoff.NoTemplate:
        flash(tx("reply.follow_up_missing"), "error")
        return _back(handoff_id)
    except handoff.HandoffError:
        flash(tx("error.reply_not_taken"), "error")
        return _back(handoff_id)
    access.audit("handoff_follow_up", "handoff", handoff_id, request_.office, detail={"outbox": ids})
    flash(tx("followed_up_flash"), "success")
    return _back(handoff_id)
