"""Apply Alembic migrations programmatically (run command, Procfile release phase, tests)."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config as AlembicConfig

from config.settings import ROOT

logger = logging.getLogger(__name__)


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    logger.info("applying database migrations up to %s", revision)
    command.upgrade(alembic_config(url), revision)


def main() -> None:
    from config.settings import Config

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    upgrade(Config.DATABASE_URL)


if __name__ == "__main__":
    main()
