"""The visit's vocabulary: its statuses and the transitions allowed between them.

The host's answer lives in `Visit.status`; the desk's stage (arrived, left) in `checked_in_at` /
`checked_out_at`, so a host can still answer after the guest arrived. Only bot/visits/service.py
moves a visit, through `TRANSITIONS`.
"""

from __future__ import annotations

from bot.exceptions import LoketError

AWAITING_HOST = "awaiting_host"
ACCEPTED = "accepted"
DECLINED = "declined"
PROPOSED = "proposed"
CANCELLED = "cancelled"
STATUSES = (AWAITING_HOST, ACCEPTED, DECLINED, PROPOSED, CANCELLED)
# Visits the citizen may still see, change or cancel.
OPEN = (AWAITING_HOST, ACCEPTED, PROPOSED)

# registered → the host accepts, declines, proposes another time, or hands the guest to a colleague
# (awaiting that colleague); the citizen may move the time (the host is asked again) or cancel while
# the visit is open; a proposed time is accepted (the visit moves there) or refused (closed).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AWAITING_HOST: (ACCEPTED, DECLINED, PROPOSED, AWAITING_HOST, CANCELLED),
    ACCEPTED: (AWAITING_HOST, CANCELLED),
    PROPOSED: (ACCEPTED, AWAITING_HOST, CANCELLED),
    DECLINED: (),
    CANCELLED: (),
}

# The purpose of a visit, typed by the citizen or the desk (characters, spaces collapsed).
PURPOSE_MIN, PURPOSE_MAX = 5, 500

# What the host may answer to a notice, and the status each answer leads to (a redirect waits for
# the colleague's answer).
HOST_ANSWERS = {"accept": ACCEPTED, "decline": DECLINED, "propose": PROPOSED, "redirect": AWAITING_HOST}
# What the desk may record for a host who answered by phone: came to meet the guest, or declined (a reason).
PHONE_ANSWERS = ("accept", "decline")
# The reason a host gave by phone for declining, as the desk typed it (characters).
REASON_MAX = 300


class InvalidTransition(LoketError):
    """A change the visit's current status does not allow (e.g. cancelling a declined visit)."""


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, ())
