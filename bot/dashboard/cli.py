"""`flask --app app create-admin`: the first dashboard admin (asks for the password, or reads it from
standard input with --password-stdin)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.dashboard import audit, staff
from bot.dashboard.roles import Role


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--username", prompt=True, help="sign-in name, e.g. admin")
    @click.option("--name", "display_name", default="", help="full name shown on the dashboard")
    @click.option("--office", default="", help="home office slug (optional: admins see every office)")
    @click.option("--password-stdin", is_flag=True, help="read the password from standard input")
    def create_admin(username: str, display_name: str, office: str, password_stdin: bool) -> None:
        """Create a dashboard admin account."""
        rt = current_app.extensions["loket"]
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            with rt.db.session() as s:
                user = staff.create(s, username=username, display_name=display_name, password=password,
                                    role=Role.ADMIN.value, office=office or None,
                                    offices={o.slug for o in rt.offices})
                audit.record(s, actor=None, actor_username="cli", action=audit.CREATE,
                             subject_type="staff_user", subject_id=user.id, detail={"role": user.role})
                s.commit()
        except staff.StaffError as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException("the database is not ready; run `flask --app app db-upgrade` first") from exc
        click.echo(f"admin {user.username} created; sign in at /dashboard/login")
