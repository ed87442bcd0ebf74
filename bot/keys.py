"""Every Redis key Loket uses is built here, under one namespace."""

PREFIX = "loket"


def conversation(office: str, phone: str) -> str:
    return f"{PREFIX}:conv:{office}:{phone}"


def conversation_lock(office: str, phone: str) -> str:
    return f"{PREFIX}:lock:conv:{office}:{phone}"


def sweeper_lock() -> str:
    return f"{PREFIX}:lock:sweeper"


def send_pace(sender: str) -> str:
    return f"{PREFIX}:pace:{sender}"


def template_sync_lock() -> str:
    return f"{PREFIX}:lock:whatsapp-templates-sync"


def template_last_sync() -> str:
    return f"{PREFIX}:whatsapp-templates:last-sync"


def interactive_content(shape: str) -> str:
    """The Content SID of one set of tap-able choices (bot/whatsapp/interactive.py)."""
    return f"{PREFIX}:content:choices:{shape}"


def reply_order(conversation_id: int) -> str:
    """Held while a worker sends a conversation's replies, so that several workers keep their order."""
    return f"{PREFIX}:lock:replies:{conversation_id}"
