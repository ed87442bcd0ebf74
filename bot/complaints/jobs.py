"""RQ jobs for complaints: plain functions, safe to run twice (a closed complaint is not closed again).

`autoclose_one` is scheduled when a complaint is answered, for the moment its silent period ends;
`autoclose` sweeps all answered complaints (run it periodically: scheduled jobs can be lost)."""

from __future__ import annotations

import logging

from bot import runtime
from bot.clock import now
from bot.complaints import model, service
from bot.complaints.deadlines import Targets, deadlines, due_for_autoclose, replied_since_answer
from bot.models.complaints import Complaint

logger = logging.getLogger(__name__)


def _close_if_due(rt: runtime.Runtime, complaint_id: int, targets: Targets) -> str | None:
    with rt.db.session() as session:
        complaint = session.get(Complaint, complaint_id, with_for_update=True)
        if complaint is None or complaint.status not in model.ANSWERED_STATUSES:
            return None
        office = rt.offices.get(complaint.office)
        due = deadlines(complaint, office, targets).autoclose_due if office else None
        if due is None or now() < due or replied_since_answer(session, complaint):
            return None
        done = service.transition(session, rt.outbox, office, complaint, model.CLOSED, actor=service.SYSTEM,
                                  note="auto-close: no reply from the citizen", msgs=rt.messages, config=rt.config)
        session.commit()
    service.dispatch(rt.outbox, done)
    return complaint.ticket


def autoclose_one(complaint_id: int) -> str | None:
    """Close this complaint if its silent period after the answer has passed; returns its ticket if closed."""
    rt = runtime.current()
    return _close_if_due(rt, complaint_id, Targets.from_config(rt.config))


def autoclose() -> list[str]:
    """Close every answered complaint after Config.COMPLAINT_AUTOCLOSE_DAYS silent working days; returns the tickets."""
    rt = runtime.current()
    targets = Targets.from_config(rt.config)
    with rt.db.session() as session:
        ids = [c.id for c in due_for_autoclose(session, rt.offices, now(), targets)]
    closed = [ticket for complaint_id in ids if (ticket := _close_if_due(rt, complaint_id, targets))]
    if closed:
        logger.info("auto-closed %d complaint(s)", len(closed))
    return closed
