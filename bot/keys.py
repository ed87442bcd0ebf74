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
