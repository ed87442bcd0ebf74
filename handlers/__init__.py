"""The web layer: Loket's Flask blueprints (the top-level names are fixed by the product card, hence
"handlers" and not "web").

- `twilio_webhooks`: POST /twilio/whatsapp and /twilio/status (signature checked, handed to bot/);
- `health`: GET /healthz;
- `media`: visit QR images at signed URLs;
- `dashboard`: the staff dashboard at /dashboard (views, forms, templates, static files);
- `signature`: the Twilio request-signature check the webhooks use.

A view parses the request, calls the domain (bot/…) and renders or redirects; the rules live in
bot/ (the dashboard's in bot/dashboard/, which imports no Flask) so they can be tested without HTTP.
"""
