"""Loket's web application: `flask --app app run` or `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import logging
import os
import secrets
import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import cli, logs
from bot import runtime as runtime_module
from bot.dashboard import cli as dashboard_cli
from bot.whatsapp import cli as whatsapp_cli
from config.settings import INSTANCE_DIR, Config

logger = logging.getLogger(__name__)

CONSOLE_MODE_BANNER = """
************************************************************************
 Loket runs in CONSOLE MODE: TWILIO_AUTH_TOKEN is not set.
 Webhook signatures are NOT checked and outbound messages are printed,
 not sent. Never expose this process to the internet like this.
************************************************************************"""


def _secret_key(config) -> str:
    """SECRET_KEY, or one generated once and kept in instance/ so every local process shares it."""
    if config.SECRET_KEY:
        return config.SECRET_KEY
    path = INSTANCE_DIR / "secret_key"
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes starting together agree on one key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _log_level(config) -> str:
    """LOG_LEVEL when set; else INFO for the service, WARNING for an operator's `flask <command>`
    (its own output is the point, not the start-up lines of every component it builds)."""
    if os.environ.get("LOG_LEVEL"):
        return config.LOG_LEVEL
    if os.environ.get("FLASK_RUN_FROM_CLI") and _flask_command(sys.argv[1:]) not in ("run", ""):
        return "WARNING"
    return config.LOG_LEVEL


def _flask_command(args: list[str]) -> str:
    """The command of `flask --app app catalog import …` ("catalog"), past flask's own options."""
    takes_value = {"--app", "-A", "--env-file", "-e"}
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return ""


def create_app(config: object | None = None, runtime: runtime_module.Runtime | None = None) -> Flask:
    config = config or Config()
    logs.configure(config.LOG_FORMAT, _log_level(config))  # gunicorn leaves the root logger to us
    app = Flask(__name__)
    app.config.from_object(config)
    hops = getattr(config, "TRUSTED_PROXY_HOPS", 0)
    if hops:  # the client's address for login throttling and the audit log, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.config["SECRET_KEY"] = _secret_key(config)
    rt = runtime or runtime_module.build(config)
    runtime_module.install(rt)
    app.extensions["loket"] = rt

    from handlers import dashboard, health, media, metrics, twilio_webhooks

    app.register_blueprint(twilio_webhooks.bp)
    app.register_blueprint(health.bp)
    metrics.init_app(app, rt)  # GET /metrics, behind METRICS_TOKEN or METRICS_ALLOW
    app.register_blueprint(media.bp)  # visit QR images at signed URLs, for Twilio to fetch
    # Dashboard: Flask-Login, CSRF on every form, session cookie flags, /dashboard and / blueprints.
    dashboard.init_app(app, config)
    dashboard.csrf.exempt(twilio_webhooks.bp)  # Twilio signs its webhooks instead (X-Twilio-Signature)
    cli.register(app)
    whatsapp_cli.register(app)  # flask --app app templates sync|status (WhatsApp templates)
    dashboard_cli.register(app)

    if not config.TWILIO_AUTH_TOKEN:
        logger.warning("console mode: webhook signatures are not checked")
        print(CONSOLE_MODE_BANNER, file=sys.stderr, flush=True)
    return app
