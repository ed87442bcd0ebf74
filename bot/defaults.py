"""Tunable defaults, with their units. Settings in config/settings.py may override them."""

# A conversation idle longer than this (seconds) starts again at the menu, with a polite notice.
SESSION_IDLE_SECONDS = 30 * 60
# Hours a dashboard sign-in lasts at most, however active (then sign in again).
DASHBOARD_SESSION_HOURS = 12
# Seconds between an open dashboard's checks for changes (handlers/dashboard/views/live.py).
DASHBOARD_LIVE_SECONDS = 5.0
# Redis keeps a conversation's state this long (seconds) after its last message; the SQL copy stays.
STATE_TTL_SECONDS = 30 * 60

# Per-conversation lock: held at most this long (seconds); a webhook waits at most WAIT for it.
CONVERSATION_LOCK_TIMEOUT = 20
CONVERSATION_LOCK_WAIT = 10

# Outbound sends: RQ retry back-off in seconds between attempts (Twilio 429/5xx, network errors).
OUTBOX_RETRY_INTERVALS = (5, 30, 120, 600, 1800)
# Seconds the Twilio REST client waits for an answer.
TWILIO_HTTP_TIMEOUT = 15
# WhatsApp's customer-service window (seconds): freeform messages only within it.
WHATSAPP_WINDOW_SECONDS = 24 * 3600

# Sweeper: every SWEEP_INTERVAL seconds, outbox rows still waiting after SWEEP_STALE seconds are
# re-enqueued (RQ can lose jobs on a Redis restart), and sends whose outcome stayed unknown for
# SWEEP_UNKNOWN seconds are marked failed rather than risk a second delivery.
SWEEP_INTERVAL = 60
SWEEP_STALE = 120
SWEEP_UNKNOWN = 15 * 60

# Sending pace per WhatsApp sender, messages per second (Twilio's defaults; 0 turns pacing off).
SEND_RATE_TEXT = 10.0
SEND_RATE_MEDIA = 1.5

# WhatsApp allows 1600 characters per message body.
MAX_MESSAGE_CHARS = 1600

# Complaints: SP4N-LAPOR!'s clocks, in the office's working days.
COMPLAINT_TARGET_DISPOSE_DAYS = 3  # passed to a unit, counted from receipt
COMPLAINT_TARGET_ANSWER_DAYS = 5  # answered by the unit, counted from the disposition
COMPLAINT_AUTOCLOSE_DAYS = 10  # closed after the answer when the citizen stays silent
# The SKM survey: an invitation stays open this long (hours).
SURVEY_INVITATION_TTL_HOURS = 72

# The guest book: minutes after a host notice before the reminder, then the desk's alert.
HOST_REMIND_MINUTES = 10
HOST_ESCALATE_MINUTES = 20
# Twilio's media URL can 404 for a moment after the webhook: seconds between download attempts.
MEDIA_RETRY_DELAYS = (2, 5, 15, 60)
# Visits, photos and consent records are kept this long (days) after the visit, then purged.
VISIT_RETENTION_DAYS = 365
# Personal data (UU 27/2022, bot/rights): a closed complaint is kept this many days after closing
# (5 years, the archive of public-service complaints); transcripts (messages both ways, the
# conversation record, handoffs) this many days after their last activity. Survey answers keep no
# address at all: the invitation forgets the number as soon as the survey is completed or expires.
COMPLAINT_RETENTION_DAYS = 5 * 365
TRANSCRIPT_RETENTION_DAYS = 365
# An answered question's survey invitation waits for this many quiet minutes (never mid-journey).
SURVEY_IDLE_MINUTES = 15
