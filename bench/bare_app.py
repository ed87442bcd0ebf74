"""The baselines of the benches: bare Flask endpoints, no database, no session. bench/webhook.py posts a fixed
TwiML reply; bench/dashboard_live.py polls a fixed JSON the size of the dashboard's live answer."""

from flask import Flask, Response, jsonify

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Selamat datang di layanan WhatsApp</Message></Response>'
)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/twilio/whatsapp")
    def whatsapp() -> Response:
        return Response(TWIML, mimetype="application/xml")

    @app.get("/dashboard/live")
    def live() -> Response:
        return jsonify({"version": "0" * 20, "now": 0, "interval": 5000, "waiting": 0, "newest": 0})

    return app
