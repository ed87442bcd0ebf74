"""Live updates (issue 20 §2): an open page asks GET /dashboard/live?view=<page> every few seconds.

The answer is a weak ETag over what the page shows (bot/dashboard/live.py) and, for a role that sees the
inbox, how many citizens wait for an officer: the title badge, the chime and the browser notification
(static/live.js). With `If-None-Match` of the current tag it is a bodiless 304. When the tag moved, the
page fetches itself again and swaps its `[data-live]` regions, so the lists come from the page's own
view with its own access rules and audit; waiting times tick in the browser between fetches.

The inbox's conversation page polls `view=handoff&id=<request>`: its tag follows that request (its state,
the citizen's messages, the replies and their delivery) and the poll answers 404 for another office's
request, as the page does; its transcript and facts are swapped while the reply form, outside them, keeps
the officer's draft.

Each page's tag is computed before its view reads the data (`before_request`) and written into the page:
a change in between is announced by the first poll, never missed. The topics follow the role: a topic of
a list this role may not open is never part of its tag, not even as "something changed".
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, g, jsonify, request, url_for
from flask_login import current_user

from bot import clock
from bot.clock import as_utc
from bot.dashboard import live as versions
from handlers.dashboard import access, bp
from handlers.dashboard.views import complaints as complaint_pages
from handlers.dashboard.views import guestbook as guestbook_pages
from handlers.dashboard.views import inbox as inbox_pages
from handlers.dashboard.views import messages as message_pages

# view -> the topics its lists show, each with the permission that opens the list
VIEWS: dict[str, tuple[tuple[str, str], ...]] = {
    "": (),
    "inbox": ((versions.HANDOFFS, inbox_pages.VIEW),),
    "guestbook": ((versions.VISITS, guestbook_pages.PERMISSION), (versions.DELIVERIES, guestbook_pages.PERMISSION)),
    "home": ((versions.VISITS, guestbook_pages.PERMISSION), (versions.COMPLAINTS, complaint_pages.VIEW),
             (versions.DELIVERIES, message_pages.PERMISSION), (versions.CLOCK, "home")),
    "handoff": ((versions.CONVERSATION, inbox_pages.VIEW),),  # one request's page: `id` names the request
}
# the pages that refresh their lists (the others only follow the waiting citizens)
PAGES = {"dashboard.home": "home", "dashboard.inbox": "inbox", "dashboard.guestbook": "guestbook",
         "dashboard.inbox_request": "handoff"}


def interval() -> float:
    """Seconds between polls (DASHBOARD_LIVE_SECONDS; 0 turns live updates off)."""
    return max(0.0, float(current_app.config.get("DASHBOARD_LIVE_SECONDS", 0) or 0))


def announces() -> bool:
    """This role is told about citizens waiting for an officer: those who may open the inbox."""
    return access.can(inbox_pages.VIEW)


def _topics(view: str) -> list[str]:
    topics = [topic for topic, permission in VIEWS[view] if access.can(permission)]
    if announces():
        topics.append(versions.HANDOFFS)
    return topics


def _state(view: str, moment: datetime, handoff: int | None = None) -> versions.State:
    rt = access.runtime()
    offices = [o for o in (rt.offices.get(slug) for slug in access.office_slugs()) if o is not None]
    with rt.db.session() as s:
        return versions.state(s, offices, _topics(view), moment,
                              scope=f"{current_user.role}:{view}:{access.lang()}", handoff=handoff)


def epoch_ms(moment: datetime | None) -> int:
    return int(as_utc(moment).timestamp() * 1000) if moment is not None else 0


bp.add_app_template_filter(epoch_ms, "epoch_ms")


@bp.before_request
def page_version() -> None:
    """The tag of the page about to be rendered, read before its view reads the data."""
    if request.method != "GET" or request.endpoint in ("dashboard.live", "dashboard.static") \
            or not current_user.is_authenticated or not interval():
        return
    view = PAGES.get(request.endpoint or "", "")
    handoff = (request.view_args or {}).get("handoff_id") if view == "handoff" else None
    if view or announces():
        g.live_view, g.live_handoff = view, handoff
        g.live_state = _state(view, clock.now(), handoff)


@bp.context_processor
def live_page() -> dict[str, object]:
    """What base.html needs to poll: the URL, the interval, the page's tag, the server's clock (waiting
    times tick from it, not from the desk PC's clock) and the duration patterns of the inbox."""
    found = g.get("live_state")
    if found is None:
        return {"live": None}
    return {"live": {
        "url": url_for("dashboard.live", view=g.live_view or None, id=g.get("live_handoff")),
        "interval": int(interval() * 1000),
        "version": found.tag,
        "now": epoch_ms(clock.now()),
        "waiting": found.waiting.count if found.waiting else 0,
        "newest": found.waiting.newest if found.waiting else 0,
        "announce": found.waiting is not None,
        "inbox": url_for("dashboard.inbox"),
        "durations": {"minutes": inbox_pages.tx("duration.minutes", minutes="{minutes}"),
                      "hours": inbox_pages.tx("duration.hours", hours="{hours}", minutes="{minutes}"),
                      "days": inbox_pages.tx("duration.days", days="{days}", hours="{hours}")},
        "notify_title": access.t("live.notify.title", count="{count}"),
        "notify_body": access.t("live.notify.body"),
    }}


def _handoff_asked() -> int:
    """The request a conversation page polls for: 403 for a role without the inbox, 404 without an id. A
    request that is not there or is another office's is 404 too (`State.found`), as the page answers."""
    if not access.can(inbox_pages.VIEW):
        abort(403)
    handoff_id = request.args.get("id", type=int)
    if handoff_id is None:
        abort(404)
    return handoff_id


@bp.get("/live")
@access.require("home")
def live():
    """The page's tag (weak ETag; 304 when the browser has it) and the waiting citizens' count. No names,
    no numbers: what the title badge shows."""
    view = request.args.get("view", "")
    if view not in VIEWS:
        abort(404)
    handoff = _handoff_asked() if view == "handoff" else None
    moment = clock.now()
    found = _state(view, moment, handoff)
    if not found.found:
        abort(404)
    if request.if_none_match.contains_weak(found.tag):
        response = Response(status=304)
    else:
        body: dict[str, object] = {"version": found.tag, "now": epoch_ms(moment), "interval": int(interval() * 1000)}
        if found.waiting is not None:
            body.update(waiting=found.waiting.count, newest=found.waiting.newest)
        response = jsonify(body)
    response.set_etag(found.tag, weak=True)
    return response
