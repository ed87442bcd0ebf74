"""Tunable defaults, with their units. Settings in config/settings.py may override them."""

# A conversation idle longer than this (seconds) starts again at the menu, with a polite notice.
SESSION_IDLE_SECONDS = 30 * 60
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
