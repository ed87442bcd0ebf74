"""Pesan tertahan: the office's WhatsApp messages that were held or failed, with the reason in words,
and two actions: send again, or "handled by phone" (issue 21 §2). Also the words for any message's
state (`reach_text`), which the guest book uses for its hosts' notices.

Desk officers see every message of their office except a complaint's (kinds `complaint_*`), which,
like a confidential reporter on the complaints pages, only complaint handlers (and admins) see; a
complaint handler sees only those. A citizen's number is masked; an employee's shows (the desk calls
them). The list and both actions are audited. The work is done in bot/dashboard/deliveries.py.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for

from bot import clock
from bot.dashboard import audit as audit_log
from bot.dashboard import deliveries
from bot.dashboard.roles import Role, grant
from bot.masking import mask_phone
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.forms import ActionForm
from handlers.dashboard.views.common import refused_on
from handlers.dashboard.views.complaints import IDENTITY

PERMISSION = "messages"          # the page
GENERAL = "messages.general"     # every message but a complaint's
RETRY, HANDLED = "message_retry", "message_handled"  # the audit log's actions
OUR_FAILURES = ("retries_exhausted", "outcome_unknown")  # codes Loket sets itself (bot/sender.py, bot/sweeper.py)

grant(PERMISSION, Role.DESK, Role.HANDLER)
grant(GENERAL, Role.DESK)
NAV.append(NavItem("dashboard.messages", "nav.messages", PERMISSION, order=17))


def mx(key: str, **values: Any) -> str:
    """A messages-page string in the current language (config/messages/dashboard_messages/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"messages_page.{key}", **values)


def _has(key: str) -> bool:
    return access.runtime().messages.has(f"messages_page.{key}")


def hold_reason(code: str | None) -> str:
    return mx(f"hold.{code}") if code and _has(f"hold.{code}") else mx("hold.unknown")


def failure_reason(code: str | None) -> str:
    if not code:
        return mx("failure.unknown")
    if code in OUR_FAILURES:
        return mx(f"failure.{code}")
    if _has(f"twilio.{code}"):
        return mx("failure.known", code=code, meaning=mx(f"twilio.{code}"))
    return mx("failure.code", code=code)


def reason_text(reach: deliveries.Reach) -> str:
    return hold_reason(reach.reason) if reach.state == deliveries.HELD else failure_reason(reach.reason)


def problem_reason(problem: deliveries.Problem) -> str:
    return hold_reason(problem.reason) if problem.reach_state == deliveries.HELD else failure_reason(problem.reason)


def reach_text(reach: deliveries.Reach) -> str:
    """The state of one message in words: "Tertahan: template WhatsApp belum disetujui"."""
    if reach.state == deliveries.HELD:
        return mx("reach.held", reason=hold_reason(reach.reason))
    if reach.state == deliveries.FAILED:
        return mx("reach.failed", reason=failure_reason(reach.reason))
    if reach.state == deliveries.HANDLED:
        return mx("reach.handled", who=reach.handled_by or "-")
    return mx(f"reach.{reach.state}")


def kind_label(kind: str) -> str:
    return mx(f"kinds.{kind}") if _has(f"kinds.{kind}") else kind


def sees_confidential() -> bool:
    return access.can(IDENTITY)


def sees_general() -> bool:
    return access.can(GENERAL)


def _may_see(row) -> bool:
    if not access.may_see_office(row.office):
        return False
    return sees_confidential() if deliveries.is_confidential(row.kind) else sees_general()


def _row_or_404(outbox_id: int):
    """The row, or 404 for one of another office or one this role may not see (never confirm it exists)."""
    with access.runtime().db.session() as s:
        row = deliveries.load(s, outbox_id)
        if row is None or not _may_see(row):
            abort(404)
        s.expunge(row)
        return row


def _back():
    return redirect(url_for("dashboard.messages"))


def _acted_on(outbox_id: int):
    """The row an action is asked for: 404 as `_row_or_404`, 400 without the form's CSRF token."""
    row = _row_or_404(outbox_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return row


def _refused():
    """A refusal from bot/dashboard/deliveries.py, flashed in words, back to the list."""
    return refused_on(deliveries.MessageError, lambda exc: mx(f"errors.{exc.reason}"), url_for("dashboard.messages"))


@bp.get("/messages")
@access.require(PERMISSION)
def messages():
    slugs = access.office_slugs()
    with access.runtime().db.session() as s:
        rows = deliveries.problems(s, slugs, clock.now(), confidential=sees_confidential(), general=sees_general())
    access.audit(audit_log.VIEW, "outbound_messages", None, slugs[0] if len(slugs) == 1 else None,
                 detail={"results": len(rows)})
    return render_template("dashboard/messages.html", rows=rows, mx=mx, kind_label=kind_label,
                           problem_reason=problem_reason,
                           mask_phone=mask_phone, action_form=ActionForm(), days=deliveries.LIST_DAYS,
                           many_offices=len(slugs) > 1, sees_visits=access.can("guestbook"))


@bp.post("/messages/<int:outbox_id>/retry")
@access.require(PERMISSION)
def messages_retry(outbox_id: int):
    row = _acted_on(outbox_id)
    with _refused():
        reach = deliveries.retry(access.runtime(), outbox_id, username=access.user().username)
    access.audit(RETRY, "outbound_message", outbox_id, row.office,
                 detail={"kind": row.kind, "status": row.status, "code": row.error_code})
    if reach is not None and reach.problem:
        flash(mx("retried_held", reason=reason_text(reach)), "warning")
    else:
        flash(mx("retried"), "success")
    return _back()


@bp.post("/messages/<int:outbox_id>/handled")
@access.require(PERMISSION)
def messages_handled(outbox_id: int):
    row = _acted_on(outbox_id)
    with _refused():
        deliveries.mark_handled(access.runtime(), outbox_id, username=access.user().username)
    access.audit(HANDLED, "outbound_message", outbox_id, row.office,
                 detail={"kind": row.kind, "status": row.status, "code": row.error_code})
    flash(mx("marked"), "success")
    return _back()
