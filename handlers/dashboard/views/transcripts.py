"""Transcripts: find conversations by number, name or date; read one in both directions.

A conversation carrying a confidential or anonymous complaint is read by complaint handlers only
(bot/dashboard/transcripts.py); everyone else sees that it exists, nothing more. For an anonymous
complaint even the handlers see neither the number nor the WhatsApp name."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from bot.dashboard import audit as audit_log
from bot.dashboard import transcripts as queries
from bot.masking import has_nik, mask_nik, mask_phone
from bot.models import Conversation
from bot.phone import bsuid
from handlers.dashboard import access, bp
from handlers.dashboard.forms import TranscriptSearchForm


def _nik_in_query(text: str | None) -> bool:
    """A NIK-like number in the search text; a WhatsApp user ID (`ID.1502…`, 16 digits too) is not one."""
    return has_nik(text) and bsuid((text or "").strip()) is None


def _masked_args(source) -> dict[str, str]:
    """The search's fields for the URL: non-empty ones only, `q` first, a NIK in it masked."""
    args = {key: (mask_nik(value) if key == "q" and _nik_in_query(value) else value).strip()
            for key in ("q", "date_from", "date_to", "page") if (value := source.get(key, ""))}
    return {k: v for k, v in args.items() if v}


@bp.post("/transcripts")
@access.require("transcripts")
def transcripts_search():
    """The search box posts here (CSRF-checked), so what was typed never appears in a URL and thus
    in no access log (gunicorn's prints the URL); the page it redirects to carries a NIK masked."""
    return redirect(url_for("dashboard.transcripts", **_masked_args(request.form)), code=303)


@bp.get("/transcripts")
@access.require("transcripts")
def transcripts():
    if _nik_in_query(request.args.get("q")):  # typed into the address bar: keep it out of history and Referer
        return redirect(url_for("dashboard.transcripts", **_masked_args(request.args)), code=303)
    form = TranscriptSearchForm(request.args)
    valid = form.validate()
    query = queries.Query(
        text=(form.q.data or "").strip() if valid else "",
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
        page=(form.page.data or 1) if valid else 1,
    )
    offices = [o for o in access.allowed_offices() if o.slug in access.office_slugs()]
    sees_protected = access.is_complaint_handler()
    with access.runtime().db.session() as s:
        page = queries.search(s, offices, query, sees_protected=sees_protected)
    # A list of names and numbers is personal data too: who looked, for what.
    access.audit(audit_log.SEARCH, "conversation", None, offices[0].slug if len(offices) == 1 else None,
                 detail={"q": query.text, "from": str(query.date_from or ""), "to": str(query.date_to or ""),
                         "page": page.page, "results": page.total})
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("dashboard/transcripts.html", form=form, valid=valid, result=page, args=args,
                           sees_protected=sees_protected, mask_phone=mask_phone)


@bp.get("/transcripts/<int:conversation_id>")
@access.require("transcripts")
def transcript(conversation_id: int):
    with access.runtime().db.session() as s:
        conversation = s.get(Conversation, conversation_id)
        if conversation is None:
            abort(404)
        access.check_office(conversation.office)
        protection = queries.protection(s, conversation)
        hidden = protection is not None and not access.is_complaint_handler()
        lines = [] if hidden else queries.entries(s, conversation)
    access.audit(audit_log.VIEW, "conversation", conversation.id, conversation.office,
                 detail={"withheld": protection} if hidden else None)
    return render_template("dashboard/transcript.html", conversation=conversation, lines=lines, hidden=hidden,
                           protection=protection, mask_phone=mask_phone)
