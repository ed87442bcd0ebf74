"""The dashboard's domain logic, without Flask: roles, passwords, staff accounts, login throttling,
the audit log, transcripts, the employee directory's edits, the guest book's desk, the survey
report's chart and XLSX. Functions take a session or the runtime and plain values, so they are
tested without HTTP. The web layer (blueprints, views, forms, templates) is handlers/dashboard/;
the one exception here is `cli` (the `create-admin` command, registered on the Flask app).
Masking lives in bot/masking.py, the IKM report in bot/survey/report.py."""
