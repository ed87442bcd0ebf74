"""The audit log page (admins only): who viewed or changed which record, newest first."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from bot.dashboard import audit as audit_log
from bot.models.staff import AuditEvent
from handlers.dashboard import access, bp

PER_PAGE = 50


@bp.get("/audit")
@access.require("audit")
def audit_log_page():
    subject_type = request.args.get("subject_type", "").strip()[:32]
    subject_id = request.args.get("subject_id", "").strip()[:64]
    actor = request.args.get("actor", "").strip().lower()[:64]
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    conditions = []
    if subject_type:
        conditions.append(AuditEvent.subject_type == subject_type)
    if subject_id:
        conditions.append(AuditEvent.subject_id == subject_id)
    if actor:
        conditions.append(AuditEvent.actor_username == actor)
    with access.runtime().db.session() as s:
        total = s.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(page, pages)
        events = list(s.scalars(select(AuditEvent).where(*conditions)
                                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    access.audit(audit_log.VIEW, "audit_log", detail={"subject_type": subject_type, "subject_id": subject_id})
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("dashboard/audit.html", events=events, total=total, page=page, pages=pages,
                           args=args, filters={"subject_type": subject_type, "subject_id": subject_id,
                                               "actor": actor})
