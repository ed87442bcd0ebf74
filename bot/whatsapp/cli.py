"""`flask --app app templates sync` (create and submit Loket's WhatsApp templates in Twilio) and
`flask --app app templates status` (the table of templates and their approval)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.whatsapp import service, templates

group = AppGroup("templates", help="Loket's WhatsApp templates in Twilio's Content API.")

COLUMNS = ("kind", "lang", "name", "status", "sid", "sending", "rejection reason")


def register(app: Flask) -> None:
    # The definitions are read here, so that a broken file stops the app at start, not a send later.
    templates.definitions(app.config["CONFIG_DIR"])
    app.cli.add_command(group)


def _sending(line: service.TemplateStatus) -> str:
    """What a message of this kind to a reader of this language goes out as now."""
    sending = line.sending
    if not sending.approved:
        return sending.state
    if sending.source != "loket":
        return f"{sending.source} {sending.content_sid}"
    return "approved" + (f" ({sending.lang})" if sending.lang != line.lang else "")


def _table(lines: list[service.TemplateStatus]) -> str:
    rows = [COLUMNS] + [(line.kind, line.lang, line.name, line.status, line.content_sid or "-", _sending(line),
                         line.rejection_reason or (f"error: {line.error}" if line.error else ""))
                        for line in lines]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
                     for row in rows).rstrip()


@group.command("sync")
def sync_command() -> None:
    """Create each template in Twilio and submit it for WhatsApp's approval (unchanged ones: nothing)."""
    rt = current_app.extensions["loket"]
    try:
        report = service.run_sync(rt, actor="cli")
    except service.NotConfigured as exc:
        raise click.ClickException(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN of the account that owns "
            "the office's WhatsApp sender, then run this again. Nothing was synced.") from exc
    except service.SyncBusy as exc:
        raise click.ClickException("another template sync is running; try again in a minute") from exc
    click.echo(f"created {len(report.created)}, found again {len(report.adopted)}, submitted for approval "
               f"{len(report.submitted)}, unchanged {len(report.unchanged)}")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(_table(service.status_table(rt)))
    if report.failure:
        raise click.ClickException(f"stopped early: {report.failure}")
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} template(s) could not be synced")
    click.echo("WhatsApp reviews each template within minutes to a day; the worker checks every 10 minutes.")


@group.command("status")
@click.option("--refresh", is_flag=True, help="ask Twilio for the approvals still pending first")
def status_command(refresh: bool) -> None:
    """Print each template with its approval status, Content SID and rejection reason."""
    rt = current_app.extensions["loket"]
    if refresh:
        report = service.run_poll(rt)
        if report is None:
            raise click.ClickException("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
    click.echo(_table(service.status_table(rt)))
