"""Operator commands: `flask --app app db-upgrade`, `flask --app app send-test --office … --to …`,
`flask --app app catalog import FILE --office …`."""

from __future__ import annotations

from pathlib import Path

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

    @app.cli.group("catalog")
    def catalog() -> None:
        """The Standar Pelayanan of an office (its catalog of services)."""

    @catalog.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--office", "office_slug", required=True, help="office slug, e.g. kejari-alor")
    @click.option("--unit", "unit_slug", default=None,
                  help="unit of services the office does not have yet (default: its first unit)")
    @click.option("--sk-number", default=None, help="the SK's number, when the document does not give it")
    @click.option("--sk-date", type=click.DateTime(["%Y-%m-%d"]), default=None, help="the SK's date, YYYY-MM-DD")
    def catalog_import(file: Path, office_slug: str, unit_slug: str | None, sk_number: str | None,
                       sk_date) -> None:
        """Read a Standar Pelayanan (.txt or .docx) into the office's DRAFT; publish it on the dashboard."""
        from bot.catalog import drafts, standar

        rt = current_app.extensions["loket"]
        office = rt.offices.get(office_slug)
        if office is None:
            raise click.BadParameter(f"unknown office {office_slug!r}", param_hint="--office")
        try:
            doc = standar.read(file, office_name=office.name)
        except Exception as exc:  # a damaged DOCX fails in zipfile, lxml or python-docx, each its own way
            raise click.ClickException(f"{file.name} could not be read as a Standar Pelayanan document "
                                       f"(plain text in UTF-8, or DOCX): {type(exc).__name__}") from exc
        _echo_found(file.name, doc)
        with rt.db.session() as session:
            report = drafts.draft_document(session, office, doc, config_dir=Path(rt.config.CONFIG_DIR),
                                           source=file.name, unit=unit_slug, sk_number=sk_number,
                                           sk_date=sk_date.date() if sk_date else None)
            if report.refused == drafts.BAD_UNIT:
                raise click.BadParameter(report.detail, param_hint="--unit")
            if report.refused is not None:
                raise click.ClickException(_REFUSED[report.refused].format(file=file.name, detail=report.detail))
            session.commit()
            done = report.imported
            merged, number = done.merged, done.version.number
        for found in done.left_out:
            click.echo(f"left out of the draft: {found.name} (missing {', '.join(found.missing)})")
        click.echo(f"draft #{number} of {office.slug} saved (not published): {len(merged.replaced)} replaced, "
                   f"{len(merged.added)} added, {len(merged.kept)} kept from the current catalog. "
                   "Review and publish it on the dashboard.")


_REFUSED = {  # why `catalog import` saved no draft (bot/catalog/drafts.py's reasons)
    "no_service": "no service found in {file}: none of the usual headings "
                  "(Persyaratan, Prosedur, Waktu, Biaya/Tarif, Produk, Pengaduan) was found",
    "no_sk": "no draft saved: the document gives no SK number; pass --sk-number",
    "incomplete": "no draft saved: every service misses a required section",
    "catalog": "no draft saved: {detail}",
}


def _echo_found(name: str, doc) -> None:
    sk = f", SK {doc.sk_number}" if doc.sk_number else ", no SK number found"
    sk += f" of {doc.sk_date.isoformat()}" if doc.sk_date else ""
    click.echo(f"{name}: {len(doc.services)} service(s){sk}")
    for n, found in enumerate(doc.services, start=1):
        click.echo(f"{n}. {found.name}")
        click.echo(f"   found:     {', '.join(found.found) or 'nothing'}")
        click.echo(f"   missing:   {', '.join(found.missing) or 'nothing'}")
        click.echo(f"   not given: {', '.join(found.absent) or 'nothing'}")
