"""Loket's own WhatsApp templates, which let a notice reach someone outside WhatsApp's 24-hour window.

- templates.py: the definitions in config/whatsapp_templates.yaml, checked against WhatsApp's rules
  at load, and a message's named values turned into Twilio's numbered ContentVariables;
- content_api.py: a small client for Twilio's Content API (create content, submit for approval, poll);
- sync.py: creates and submits each template once per body, and follows WhatsApp's decisions;
- resolver.py: which approved template (Content SID) a message of a kind may go out as, or why none;
- service.py, jobs.py, cli.py: the sync and the status table for the dashboard and
  `flask --app app templates sync|status`, and the worker's poll every 10 minutes.

The records live in bot/models/templates.py; the admin page in handlers/dashboard/views/templates.py.
"""
