"""What the citizen reads about their data: the export (`export()`'s dict) as one WhatsApp message or a
text file. `t(key, **values)` renders catalog text (config/messages/rights) in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.offices import Office

SHOWN = 5  # entries per list in a WhatsApp message (the file has all)


def _when(office: Office, iso: str | None) -> str:
    if not iso:
        return "-"
    return office.local(datetime.fromisoformat(iso)).strftime("%d-%m-%Y %H.%M")


def render(data: dict[str, Any], office: Office, t: Callable[..., str], *, reference: str = "",
           full: bool = False) -> str:
    """The export as text: each kind, then how long each is kept (free text was NIK-masked by export())."""
    limit = None if full else SHOWN
    lines = [t("rights.export.title"), t("rights.export.address", address=", ".join(data["addresses"]) or "-"), ""]
    names = sorted({v["name"] for v in data["visits"]} | {c["reporter_name"] for c in data["complaints"]
                                                           if c["reporter_name"]})
    if names:
        lines.append(t("rights.export.names", names=", ".join(names)))
    visits = data["visits"]
    lines.append(t("rights.export.visits", count=len(visits)))
    for v in visits[:limit]:
        lines.append(t("rights.export.visit_line", code=v["code"], when=_when(office, v["scheduled_at"]),
                       status=t(f"visit.status.{v['status']}"), identity=v["identity"],
                       host=v["host"] or "-"))
        if full:
            lines.append(t("rights.export.visit_purpose", purpose=v["purpose"]))
    if limit and len(visits) > limit:
        lines.append(t("rights.export.more", count=len(visits) - limit))
    complaints = data["complaints"]
    lines.append(t("rights.export.complaints", count=len(complaints)))
    for c in complaints[:limit]:
        lines.append(t("rights.export.complaint_line", ticket=c["ticket"], status=t(f"complaint.status.{c['status']}"),
                       when=_when(office, c["received_at"])))
        if full:
            lines.append(t("rights.export.complaint_description", description=c["description"]))
    if limit and len(complaints) > limit:
        lines.append(t("rights.export.more", count=len(complaints) - limit))
    lines.append(t("rights.export.survey", count=data["survey"]["invitations_open_or_unfinished"]))
    consents = data["consents"]
    lines.append(t("rights.export.consents", count=len(consents)))
    for c in consents[-(limit or len(consents)):] if consents else []:
        state = t("rights.export.consent_given") if c["accepted"] else t("rights.export.consent_withdrawn")
        lines.append(t("rights.export.consent_line", purpose=t(f"rights.purpose.{c['purpose']}"), state=state,
                       when=_when(office, c["at"])))
    lines.append(t("rights.export.photos_yes" if data["photos_held"] else "rights.export.photos_no"))
    conversation = data["conversation"]
    lines.append(t("rights.export.conversation_yes", since=_when(office, conversation["started_at"]))
                 if conversation["held"] else t("rights.export.conversation_no"))
    days = data["retention_days"]
    lines += ["", t("rights.export.retention", visits=days["visits"], complaints=days["complaints_after_closing"],
                    transcripts=days["transcripts"])]
    if not full:
        lines += ["", t("rights.export.next")]
    if reference:
        lines.append(t("rights.export.reference", reference=reference))
    return "\n".join(lines)
