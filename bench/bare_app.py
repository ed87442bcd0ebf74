"""The baseline for bench/webhook.py: a bare Flask endpoint answering a fixed TwiML reply."""

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Selamat datang di layanan WhatsApp</Message></Response>'
)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/twilio/whatsapp")
    def whatsapp() -> Response:
        return Response(TWIML, mimetype="application/xml")

    return app
