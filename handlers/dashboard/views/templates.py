"""WhatsApp templates (admins only): each of Loket's templates per language with WhatsApp's approval
and what a message of that kind goes out as now, and the button that syncs them with Twilio.

The sync runs as a job (bot/whatsapp/jobs.py): a first one makes some 45 requests to Twilio, more
than a web request should wait for. The page shows the last sync's outcome when it is done.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from bot.dashboard.roles import grant
from bot.whatsapp import service, templates
from bot.whatsapp.content_api import ContentClient
from bot.whatsapp.resolver import LOKET
from handlers.dashboard import NAV, NavItem, access, bp

PERMISSION = "whatsapp_templates"
SYNC = "sync"  # the audit log's action
REFUSED_STATUSES = ("rejected", "disabled", "deleted")

grant(PERMISSION)  # admins only
NAV.append(NavItem("dashboard.whatsapp_templates", "nav.whatsapp_templates", PERMISSION, order=85))


def tt(key: str, **values: Any) -> str:
    """A templates page string in the current language (config/messages/dashboard_templates/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"templates_page.{key}", **values)


def status_text(status: str) -> str:
    """Twilio's approval status in words; one Twilio adds later is shown as it comes."""
    key = f"statuses.{status}"
    return tt(key) if access.runtime().messages.has(f"templates_page.{key}") else status


def sending_label(line: service.TemplateStatus) -> str:
    sending = line.sending
    if not sending.approved:
        return tt(f"sending.{sending.state}")
    if sending.source != LOKET:
        return tt(f"sending.{sending.source}", sid=sending.content_sid)
    if sending.lang != line.lang:
        return tt("sending.fallback", language=tt(f"languages.{sending.lang}"))
    return tt("sending.approved")


@bp.get("/templates")
@access.require(PERMISSION)
def whatsapp_templates():
    rt = access.runtime()
    return render_template("dashboard/whatsapp_templates.html", tt=tt, lines=service.status_table(rt),
                           definitions=templates.definitions(rt.config.CONFIG_DIR), last=service.last_sync(rt),
                           configured=ContentClient.from_config(rt.config) is not None,
                           sending_label=sending_label, status_text=status_text,
                           refused=REFUSED_STATUSES)


@bp.post("/templates/sync")
@access.require(PERMISSION)
def whatsapp_templates_sync():
    rt = access.runtime()
    if ContentClient.from_config(rt.config) is None:
        flash(tt("not_configured"), "error")
        return redirect(url_for("dashboard.whatsapp_templates"))
    rt.queue().enqueue("bot.whatsapp.jobs.sync_templates", access.user().username,
                       job_timeout=service.SYNC_LOCK_SECONDS)
    access.audit(SYNC, "whatsapp_templates")
    flash(tt("sync_started"), "success")
    return redirect(url_for("dashboard.whatsapp_templates"))
