"""Durable records, one module per domain (core, visits, survey, staff, …). Times are stored in UTC.

Every module in this package is imported here, so its tables are on `Base.metadata` for Alembic
and the tests; `from bot.models import X` works for every model.
"""

import importlib
import pkgutil

from bot.models.catalog import CatalogVersion
from bot.models.core import Conversation, InboundMessage, OutboundMessage, StatusEvent
from bot.models.office_profile import OfficeProfile
from bot.models.templates import WhatsAppTemplate

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["CatalogVersion", "Conversation", "InboundMessage", "OfficeProfile", "OutboundMessage", "StatusEvent",
           "WhatsAppTemplate"]
