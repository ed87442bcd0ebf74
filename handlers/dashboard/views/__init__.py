"""The dashboard's pages; importing this package registers them on handlers.dashboard.bp."""

from handlers.dashboard.views import (
    audit_log,
    auth,
    catalog,
    catalog_editor,
    common,
    complaints,
    days_off,
    employees,
    guestbook,
    home,
    inbox,
    live,
    messages,
    office_profile,
    rights,
    simulator,
    survey,
    templates,
    transcripts,
    users,
    visit_times,
)

__all__ = ["audit_log", "auth", "catalog", "catalog_editor", "common", "complaints", "days_off", "employees",
           "guestbook", "home", "inbox", "live", "messages", "office_profile", "rights", "simulator", "survey",
           "templates", "transcripts", "users", "visit_times"]
