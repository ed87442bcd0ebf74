"""RQ jobs of the WhatsApp templates: plain functions, each safe to run twice.

- poll_approvals: the worker's cron, every 10 minutes: WhatsApp decides within minutes to a day.
- sync_templates: the dashboard's "Sinkronkan" button; a first sync makes some 45 requests to
  Twilio, longer than a web request should wait.
"""

from __future__ import annotations

import logging

from bot import runtime as runtime_module
from bot.whatsapp import service

logger = logging.getLogger(__name__)


def poll_approvals() -> dict[str, object]:
    """Refresh pending approvals, then release the messages held for a template that is now approved."""
    rt = runtime_module.current()
    report = service.run_poll(rt)
    released = service.release_held(rt)
    if report is None:
        return {"checked": 0, "note": "no Twilio credentials", "released": len(released)}
    if report.errors:
        logger.warning("template approvals: %s", "; ".join(report.errors))
    return {"checked": report.checked, "changed": report.changed, "errors": report.errors,
            "released": len(released)}


def sync_templates(actor: str = "dashboard") -> dict[str, object]:
    rt = runtime_module.current()
    try:
        return service.run_sync(rt, actor).as_dict()
    except service.SyncBusy:
        logger.info("template sync skipped: another one is running")
        return {"skipped": "busy"}
