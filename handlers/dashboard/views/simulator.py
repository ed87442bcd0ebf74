"""The WhatsApp simulator (issue 20 §8): staff chat with their office as a made-up citizen or as one of
its employees, through the real inbox and engine (bot/simulator.py). Nothing goes to Twilio: the worker
delivers rows to simulated addresses into this page, which polls for them. Every message sent is audited."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from bot import simulator
from bot.dashboard.roles import Role, grant
from bot.inbound import MAX_BODY_CHARS, Location
from bot.offices import Office
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.views.common import refuse

PERMISSION = "simulator"
SESSION_KEY = "simulator_citizens"  # office slug -> the signed-in user's made-up citizen
CITIZEN = "citizen"
POLL_MS = 2000

grant(PERMISSION, Role.DESK)
NAV.append(NavItem("dashboard.simulator", "nav.simulator", PERMISSION, order=90))

# A small sample of photos a made-up citizen can send (a selfie for the guest book, a document).
PHOTOS = ("foto-tamu.jpg", "dokumen.jpg")
# Where a made-up citizen drops a pin: the offices' own towns are near enough for a trainer.
PIN = Location(latitude=-8.5389, longitude=115.4045, label="Simulasi", address="Semarapura, Klungkung")


def ts(key: str, **values: Any) -> str:
    """A simulator page string in the current language (config/messages/dashboard_simulator/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"simulator_page.{key}", **values)


@bp.app_context_processor
def _simulator_helpers() -> dict[str, Any]:
    def simulated_label(address: str | None) -> str:
        """The flag a transcript of a simulated conversation carries ("" for a real one); the template
        writes it in its badge, escaped like any text."""
        return ts("badge") if simulator.is_simulated(address) else ""

    return {"simulated_label": simulated_label, "kind_label": kind_label}


class SendForm(FlaskForm):
    who = HiddenField()
    text = StringField(validators=[Optional(), Length(max=MAX_BODY_CHARS)])
    kind = HiddenField()  # "text" (default), "photo", "location" or "tap"
    photo = HiddenField()
    tap = HiddenField(validators=[Optional(), Length(max=200)])
    replied = HiddenField(validators=[Optional(), Length(max=64)])


class NewCitizenForm(FlaskForm):
    pass


KINDS = ("host_notice", "host_reminder", "visit_cancelled", "host_proposal_answer", "desk_escalation",
         "visit_reminder", "visit_outcome", "officer_reply", "status", "survey_invite")


def kind_label(kind: str) -> str:
    """What sort of message the worker delivered, in words (a host notice, a reminder...)."""
    return ts(f"kinds.{kind}") if kind in KINDS else ts("kinds.other")


def _office() -> Office:
    office = access.selected_office()
    if office is None:
        flash(ts("choose_office"), "info")
        abort(redirect(url_for("dashboard.home")))
    return office


def _people(office: Office) -> list[tuple[str, str]]:
    """Whom one may be: the made-up citizen, then each active host and desk officer of the office."""
    staff = access.runtime().deps.directory.staff(office)
    people = [(CITIZEN, ts("as_citizen"))]
    for person in (*staff.employees, *staff.desk_officers):
        people.append((person.key, f"{person.name} · {person.title}" if person.title else person.name))
    return people


def _address(office: Office, who: str) -> str:
    """The simulated address of `who`: the user's made-up citizen (one per office, kept in the session),
    or an employee's simulated address. An unknown employee is a 404."""
    if who == CITIZEN:
        chosen = dict(session.get(SESSION_KEY) or {})
        address = chosen.get(office.slug)
        if not simulator.valid(address):
            address = chosen[office.slug] = simulator.new_citizen()
            session[SESSION_KEY] = chosen
        return address
    staff = access.runtime().deps.directory.staff(office)
    if staff.get(who) is None:
        abort(404)
    return simulator.employee_address(who)


def _who() -> str:
    return (request.values.get("who") or CITIZEN)[:80]


def _chat(office: Office, address: str) -> dict[str, Any]:
    with access.runtime().db.session() as s:
        return {"bubbles": simulator.feed(s, office.slug, address),
                "waiting": simulator.waiting(s, office.slug, address)}


@bp.get("/simulator")
@access.require(PERMISSION)
def simulator_page():
    office = _office()
    who = _who()
    address = _address(office, who)
    return render_template("dashboard/simulator.html", ts=ts, office=office, who=who, address=address,
                           people=_people(office), form=SendForm(who=who), new_form=NewCitizenForm(who=who),
                           photos=PHOTOS, poll_ms=POLL_MS, **_chat(office, address))


@bp.get("/simulator/chat")
@access.require(PERMISSION)
def simulator_chat():
    """The chat pane alone, for the page's polling."""
    office = _office()
    who = _who()
    address = _address(office, who)
    return render_template("dashboard/simulator_chat.html", ts=ts, who=who, office=office,
                           **_chat(office, address))


@bp.post("/simulator")
@access.require(PERMISSION)
def simulator_send():
    office = _office()
    form = SendForm()
    who = (form.who.data or CITIZEN)[:80]
    back = url_for("dashboard.simulator_page", who=who)
    if not form.validate_on_submit():
        refuse(ts("error.invalid"), back)
    address = _address(office, who)
    kind = form.kind.data or "text"
    text = (form.text.data or "").strip()
    media_url = location = tap = None
    if kind == "photo":
        if form.photo.data not in PHOTOS:
            refuse(ts("error.invalid"), back)
        media_url = url_for("dashboard.static", filename=f"simulator/{form.photo.data}", _external=True)
    elif kind == "location":
        location = PIN
    elif kind == "tap":
        tap, text = form.tap.data or None, text
        if not tap:
            refuse(ts("error.invalid"), back)
    elif not text:
        refuse(ts("error.empty"), back)
    message = simulator.inbound(office.whatsapp, address, text=text, media_url=media_url, location=location,
                                tap=tap, replied_sid=form.replied.data or None,
                                profile_name=ts("citizen_name") if who == CITIZEN else None)
    access.runtime().inbox.receive(message)
    access.audit("simulator_send", "simulated_chat", address, office=office.slug, detail={"kind": kind, "as": who})
    return redirect(back + "#simulator-chat")


@bp.post("/simulator/new")
@access.require(PERMISSION)
def simulator_new():
    """A new made-up citizen: the chat starts again from nothing."""
    office = _office()
    if not NewCitizenForm().validate_on_submit():
        refuse(ts("error.invalid"), url_for("dashboard.simulator_page"))
    chosen = dict(session.get(SESSION_KEY) or {})
    chosen[office.slug] = simulator.new_citizen()
    session[SESSION_KEY] = chosen
    access.audit("simulator_new", "simulated_chat", chosen[office.slug], office=office.slug)
    flash(ts("new_done"), "success")
    return redirect(url_for("dashboard.simulator_page", who=CITIZEN))


