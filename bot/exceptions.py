"""Small named exceptions, handled at the boundaries (webhook view, worker jobs)."""


class LoketError(Exception):
    """Base of Loket's own errors."""


class UnknownOffice(LoketError):
    """An inbound `To` number that no office is configured for."""


class ConfigError(LoketError):
    """A configuration file is missing or inconsistent; raised at start-up, never at run time."""


class ConversationBusy(LoketError):
    """Another message of the same conversation held the lock for too long."""


class TransientSendError(LoketError):
    """A send that may succeed later (Twilio 429/5xx, network error): RQ retries it."""


class PermanentSendError(LoketError):
    """A send that will never succeed as it is (e.g. 63016, 21617, invalid number)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
