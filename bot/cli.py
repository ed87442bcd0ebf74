"""Operator commands: `flask --app app db-upgrade`, `flask --app app send-test --office … --to …`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from bot import migrate, phone
from bot.masking import mask_phone


def register(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply the database migrations (also run by the Procfile's release phase)."""
        migrate.upgrade(current_app.config["DATABASE_URL"])
        click.echo("database is up to date")

    @app.cli.command("send-test")
    @click.option("--office", "office_slug", required=True, help="office slug, e.g. kejari-klungkung")
    @click.option("--to", "to", required=True, help="WhatsApp number, e.g. 0812… or +62812…")
    def send_test(office_slug: str, to: str) -> None:
        """Queue a test message through the outbox; a running worker sends it."""
        rt = current_app.extensions["loket"]
        office = rt.offices.get(office_slug)
        if office is None:
            raise click.BadParameter(f"unknown office {office_slug!r}", param_hint="--office")
        try:
            number = phone.normalize(to)
        except phone.InvalidNumber as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from exc
        with rt.db.session() as session:
            rows = rt.outbox.record_notice(session, office=office, to=number, kind="test",
                                           body=rt.messages.text("id", "test.notice", office=office.name))
            session.commit()
            ids = [r.id for r in rows]
        rt.outbox.enqueue(ids)
        click.echo(f"queued outbox {', '.join(map(str, ids))} to {mask_phone(number)}")
