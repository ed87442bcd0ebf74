"""A citizen's personal data at the desk (UU 27/2022), admins only: find it by WhatsApp number or
WhatsApp user ID, see what is held, hand over a copy (JSON or text file), or erase it.

The number travels in POST bodies only (never in a URL, so never in an access log), every search,
download and erasure is in the audit log with its office, and the rights service does the work.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, render_template, request

from bot.clock import now
from bot.dashboard import audit as audit_log
from bot.dashboard.roles import grant
from bot.keys import conversation as conversation_key
from bot.masking import mask_phone
from bot.offices import Office
from bot.rights import service, text
from handlers.dashboard import NAV, NavItem, access, bp

PERMISSION = "rights"
grant(PERMISSION)  # admins only
NAV.append(NavItem("dashboard.rights", "nav.rights", PERMISSION, order=85))


def te(key: str, **values: Any) -> str:
    """A rights page string in the current language (config/messages/rights/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"rights_page.{key}", **values)


def _office() -> Office | None:
    slug = request.form.get("office") or (access.selected_office().slug if access.selected_office() else "")
    office = access.runtime().offices.get(slug or "")
    if office is not None:
        access.check_office(office.slug)
    return office


def _render(status: int = 200, **context) -> tuple[str, int]:
    return render_template("dashboard/rights.html", te=te, offices=access.allowed_offices(),
                           chosen=context.pop("office", None) or access.selected_office(), **context), status


def _audit(session, action: str, office: Office, address: str, **detail) -> None:
    audit_log.record(session, actor=access.user(), action=action, subject_type="citizen_data",
                     subject_id=mask_phone(address), office=office.slug, ip=access.client_ip(), detail=detail)


def _lookup() -> tuple[Office | None, str | None, str | None]:
    """The office and address of the form, or the reason to refuse them (a catalog key)."""
    office = _office()
    if office is None:
        return None, None, "choose_office"
    address = service.parse_address(request.form.get("address", ""))
    if address is None:
        return office, None, "invalid"
    return office, address, None


@bp.route("/rights", methods=["GET", "POST"])
@access.require(PERMISSION)
def rights():
    if request.method == "GET":
        return _render()
    office, address, error = _lookup()
    if error:
        flash(te(error), "error")
        return _render(400, office=office, typed=request.form.get("address", ""))
    rt = access.runtime()
    with rt.db.session() as s:
        data = service.export(s, office, address, rt.config, now())
        _audit(s, audit_log.SEARCH, office, address)
        s.commit()
    held = bool(data["visits"] or data["complaints"] or data["consents"] or data["conversation"]["held"]
                or data["survey"]["invitations_open_or_unfinished"])
    return _render(office=office, address=address, data=data, held=held,
                   summary=text.render(data, office, _t(office), full=True))


def _t(office: Office):
    messages, lang = access.runtime().messages, access.lang()
    return lambda key, **values: messages.text(lang, key, **{"office": office.name, **values})


@bp.post("/rights/export")
@access.require(PERMISSION)
def rights_export():
    office, address, error = _lookup()
    if error:
        abort(400)
    kind = "json" if request.form.get("format") == "json" else "text"
    rt = access.runtime()
    reference = service.new_reference()
    with rt.db.session() as s:
        data = service.export(s, office, address, rt.config, now())
        service.record_request(s, office, reference=reference, kind=service.ACCESS, channel=service.DESK,
                               actor=f"desk:{access.user().username}", now=now())
        _audit(s, audit_log.EXPORT, office, address, format=kind, reference=reference)
        s.commit()
    data["reference"] = reference
    if kind == "json":
        body, mimetype = json.dumps(data, ensure_ascii=False, indent=2), "application/json"
    else:
        body, mimetype = text.render(data, office, _t(office), reference=reference, full=True), "text/plain"
    filename = f"data-pribadi-{office.slug}-{reference}.{'json' if kind == 'json' else 'txt'}"
    return Response(body, mimetype=f"{mimetype}; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.post("/rights/erase")
@access.require(PERMISSION)
def rights_erase():
    office, address, error = _lookup()
    if error:
        flash(te(error), "error")
        return _render(400, office=office)
    if service.parse_address(request.form.get("confirm", "")) != address:
        flash(te("erase_mismatch"), "error")
        return _render(400, office=office)
    rt = access.runtime()
    reference = service.new_reference()
    with rt.db.session() as s:
        addresses = service.addresses_of(s, office.slug, address)
        done = service.erase(s, office, address, rt.visits, reference=reference, channel=service.DESK,
                             actor=f"desk:{access.user().username}", now=now(), config=rt.config)
        _audit(s, audit_log.ERASE, office, address, reference=reference, counts=done.counts)
        s.commit()
    rt.outbox.enqueue(done.outbox_ids)  # the hosts of cancelled visits are told
    rt.outbox.schedule(done.jobs)
    for each in addresses:  # a conversation in progress starts afresh, without what it held
        rt.redis.delete(conversation_key(office.slug, each))
    flash(te("erased", reference=reference), "success")
    return _render(office=office)
