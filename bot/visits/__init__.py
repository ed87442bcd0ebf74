"""The guest book on WhatsApp: visit pre-registration, the host's reply, reminders and escalation.

- `employees`: the office's employees file (config/employees/<office>.yaml) and fuzzy matching.
- `parsing`: names, identity numbers (NIK plausibility), dates and times in free Indonesian, replies.
- `security`: NIK masking and keyed hashing, visit codes, signed QR URLs.
- `effects`: the effect kinds flows ask for ("visit.create", "visit.host_answer", ...).
- `jobs`: RQ jobs (photo download, host reminder and escalation, retention purge).
"""
