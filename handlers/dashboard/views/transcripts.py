"""Transcripts: find conversations by number, name or date; read one in both directions."""

from __future__ import annotations

from flask import abort, render_template, request

from bot.dashboard import audit as audit_log
from bot.dashboard import transcripts as queries
from bot.models import Conversation
from handlers.dashboard import access, bp
from handlers.dashboard.forms import TranscriptSearchForm


@bp.get("/transcripts")
@access.require("transcripts")
def transcripts():
    form = TranscriptSearchForm(request.args)
    valid = form.validate()
    query = queries.Query(
        text=(form.q.data or "").strip() if valid else "",
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
        page=(form.page.data or 1) if valid else 1,
    )
    offices = [o for o in access.allowed_offices() if o.slug in access.office_slugs()]
    with access.runtime().db.session() as s:
        page = queries.search(s, offices, query)
    # A list of names and numbers is personal data too: who looked, for what.
    access.audit(audit_log.SEARCH, "conversation", None, offices[0].slug if len(offices) == 1 else None,
                 detail={"q": query.text, "from": str(query.date_from or ""), "to": str(query.date_to or ""),
                         "page": page.page, "results": page.total})
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("dashboard/transcripts.html", form=form, valid=valid, result=page, args=args)


@bp.get("/transcripts/<int:conversation_id>")
@access.require("transcripts")
def transcript(conversation_id: int):
    with access.runtime().db.session() as s:
        conversation = s.get(Conversation, conversation_id)
        if conversation is None:
            abort(404)
        access.check_office(conversation.office)
        lines = queries.entries(s, conversation)
    access.audit(audit_log.VIEW, "conversation", conversation.id, conversation.office)
    return render_template("dashboard/transcript.html", conversation=conversation, lines=lines)
