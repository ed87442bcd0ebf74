"""Apply Alembic migrations programmatically (run command, Procfile release phase, tests), and tell
whether a database is at the code's head (/healthz, and one loud line when a process starts)."""

from __future__ import annotations

import functools
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import clock
from config.settings import ROOT

logger = logging.getLogger(__name__)

# What an operator runs to bring a database to the code's head (README, Procfile's release phase
# runs the same migrations as `python -m bot.migrate`).
UPGRADE_COMMAND = "flask --app app db-upgrade"
# How long (seconds) a database found at head (or ahead) is trusted before its revision is read again.
# /healthz is polled by load balancers; a schema at head stays there unless someone downgrades it.
# A database found behind is read again on every check, so it turns healthy as soon as it is migrated.
SCHEMA_CHECK_TTL_SECONDS = 10


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    logger.info("applying database migrations up to %s", revision)
    command.upgrade(alembic_config(url), revision)


@functools.cache
def scripts() -> ScriptDirectory:
    """migrations/, read once per process: the code, and so its head, cannot change under a running process."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def heads() -> tuple[str, ...]:
    return tuple(sorted(scripts().get_heads()))


def database_revisions(engine: Engine) -> tuple[str, ...]:
    """The revision(s) stamped in the database's alembic_version; () for a database never migrated."""
    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def _known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except (CommandError, RevisionError):  # an id that is not in migrations/
        return False


@dataclass(frozen=True)
class SchemaState:
    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    @property
    def ahead(self) -> bool:
        """Stamped with a revision this code does not know: newer code migrated it (a rolling deploy,
        or a rollback of the code). This code still serves, as the old half of a rolling deploy must."""
        return bool(self.current) and not all(_known(revision) for revision in self.current)

    @property
    def serves(self) -> bool:
        return self.at_head or self.ahead

    def problem(self) -> str | None:
        """What is wrong and what to run, in one sentence; None when the schema serves this code."""
        if self.serves:
            return None
        expected = ", ".join(self.head)
        if not self.current:
            found = "database has no schema (no Alembic revision)"
        else:
            found = f"database at revision {', '.join(self.current)}"
        return f"{found}, code expects head {expected}: run `{UPGRADE_COMMAND}`"


class SchemaCheck:
    """Is the database at the code's head? Cheap enough for /healthz: a good answer is kept for
    SCHEMA_CHECK_TTL_SECONDS, a bad one is never kept. Says what is wrong in one loud log line, once
    per process and problem (at start, or when it first sees it), not on every check. Raises only when
    the database cannot be reached. Two threads racing past the cache cost one extra query, no more."""

    def __init__(self, engine: Engine, ttl_seconds: float = SCHEMA_CHECK_TTL_SECONDS):
        self.engine = engine
        self.ttl = timedelta(seconds=ttl_seconds)
        self._good: SchemaState | None = None
        self._good_until: datetime | None = None
        self._told: object = None  # the last problem or newer revision logged

    def state(self) -> SchemaState:
        now = clock.now()
        if self._good is not None and self._good_until is not None and now < self._good_until:
            return self._good
        state = SchemaState(database_revisions(self.engine), heads())
        if state.serves:
            self._good, self._good_until = state, now + self.ttl
        else:
            self._good = self._good_until = None
        self._tell(state)
        return state

    def _tell(self, state: SchemaState) -> None:
        told = state.problem() or (state.current if state.ahead else None)
        if told == self._told:
            return
        previous, self._told = self._told, told
        if told is None and previous is not None:
            logger.info("database at head %s", ", ".join(state.head))
        elif state.ahead:
            logger.warning("database at revision %s, newer than this code's head %s: serving, as the old "
                           "half of a rolling deploy does", ", ".join(state.current), ", ".join(state.head))
        elif told:
            logger.error("DATABASE NOT MIGRATED: %s (or `python -m bot.migrate`); until then every message "
                         "fails and /healthz answers 503", told)

    def log_at_start(self) -> None:
        """The loud line when a process starts on a database that is not migrated; silent when the
        database is at head or cannot be reached (/healthz and the first request will say so), and in
        `flask --app app db-upgrade` itself, which builds the app before it migrates."""
        if UPGRADE_COMMAND.split()[-1] in sys.argv[1:]:
            return
        try:
            self.state()
        except SQLAlchemyError as exc:  # unreachable: not this line's business
            logger.info("schema not checked at start: %s", exc.__class__.__name__)


def main() -> None:
    from config.settings import Config

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    upgrade(Config.DATABASE_URL)


if __name__ == "__main__":
    main()
