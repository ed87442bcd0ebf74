"""Outbound message statuses and their order: a status never moves backwards.

Ours: pending (waiting for a worker), submitting (a worker is calling Twilio), retrying (a
transient error; RQ will try again), held (not sent: outside WhatsApp's 24-hour window and no
template), answered (a TwiML reply handed to Twilio in the webhook answer). Then Twilio's own:
accepted, queued, sending, sent, delivered, read, failed, undelivered, canceled.
"""

PENDING = "pending"
SUBMITTING = "submitting"
RETRYING = "retrying"
HELD = "held"
ANSWERED = "answered"
FAILED = "failed"

RANK = {
    PENDING: 0, RETRYING: 0,
    SUBMITTING: 1, ANSWERED: 1, HELD: 1,
    "accepted": 2, "scheduled": 2, "queued": 2,
    "sending": 3,
    "sent": 4,
    FAILED: 5, "undelivered": 5, "canceled": 5,
    "delivered": 6,
    "read": 7,
}

CLAIMABLE = (PENDING, RETRYING)

# Why a row is held (error_code): outside WhatsApp's 24-hour window with no approved template for
# its kind yet (pending approval, rejected, never synced), or of a kind that has no template at all.
OUTSIDE_WINDOW = "outside_24h_window"
TEMPLATE_PENDING, TEMPLATE_REJECTED, NO_TEMPLATE = "template_pending", "template_rejected", "no_template"
HOLD_REASONS = (OUTSIDE_WINDOW, TEMPLATE_PENDING, TEMPLATE_REJECTED, NO_TEMPLATE)
# A held row whose moment passed (a reminder of a visit already over): never sent.
EXPIRED = "expired"
FAILURES = (FAILED, "undelivered", "canceled", HELD)


def below(status: str) -> list[str]:
    """Statuses a row may move from to reach `status`."""
    rank = RANK[status]
    return [name for name, r in RANK.items() if r < rank]


def known(status: str) -> bool:
    return status in RANK
