"""The rules have one owner each: the visit transitions table, typed effects checked at start-up, and
`Visit.status` written by the visit service alone."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

from bot.effects import EffectHandlers, Notify, default_handlers
from bot.engine import ENGINE_EFFECTS
from bot.exceptions import ConfigError
from bot.visits import model
from bot.visits.service import VisitService
from flows.base import Effect, Flow, Result, say
from flows.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("current", "to", "allowed"), [
    (model.AWAITING_HOST, model.ACCEPTED, True),
    (model.AWAITING_HOST, model.DECLINED, True),
    (model.AWAITING_HOST, model.PROPOSED, True),
    (model.AWAITING_HOST, model.AWAITING_HOST, True),   # handed to a colleague, or moved by the citizen
    (model.ACCEPTED, model.AWAITING_HOST, True),        # the citizen moved the time: the host is asked again
    (model.ACCEPTED, model.DECLINED, False),            # an answer is not taken back by a second answer
    (model.PROPOSED, model.ACCEPTED, True),             # the citizen took the proposed time
    (model.PROPOSED, model.DECLINED, False),
    (model.DECLINED, model.AWAITING_HOST, False),       # a declined visit is closed
    (model.CANCELLED, model.ACCEPTED, False),
    (model.CANCELLED, model.CANCELLED, False),
])
def test_visit_transitions(current, to, allowed):
    assert model.can_move(current, to) is allowed


def test_every_status_has_a_row_and_every_target_is_a_status():
    assert set(model.TRANSITIONS) == set(model.STATUSES)
    assert all(set(targets) <= set(model.STATUSES) for targets in model.TRANSITIONS.values())
    assert set(model.HOST_ANSWERS.values()) <= set(model.TRANSITIONS[model.AWAITING_HOST])


def test_the_service_refuses_a_move_the_table_does_not_allow():
    class Row:
        status, code = model.DECLINED, "ABC123"

    with pytest.raises(model.InvalidTransition):
        VisitService._move(Row(), model.ACCEPTED)  # type: ignore[arg-type]


def _status_writers() -> set[str]:
    """Modules that assign `<something>.status` on a visit, or build a Visit(status=...)."""
    found = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("flows/*.py"), *ROOT.glob("handlers/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Visit" and any(
                    k.arg == "status" for k in node.keywords):
                found.add(str(path.relative_to(ROOT)))
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for element in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(element, ast.Attribute) and element.attr == "status" and \
                            getattr(element.value, "id", "") == "visit":
                        found.add(str(path.relative_to(ROOT)))
    return found


def test_visit_status_is_written_by_the_visit_service_alone():
    assert _status_writers() == {"bot/visits/service.py"}


def test_no_import_is_made_for_its_side_effect():
    offenders = [str(p.relative_to(ROOT)) for p in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("flows/*.py")]
                 if "noqa: F401" in p.read_text(encoding="utf-8")]
    assert offenders == []


# -- typed effects, checked at start-up ----------------------------------------------------------------
@dataclass(frozen=True)
class Unhandled(Effect):
    note: str


class Step(StrEnum):
    ONLY = "only"


def _flow(emits) -> Flow:
    flow = Flow("probe", Step, emits=emits)
    flow.prompt(Step.ONLY)(lambda ctx: say("?"))
    flow.handler(Step.ONLY)(lambda ctx: Result(effects=[Unhandled("x")]))
    return flow


def test_start_up_fails_when_a_flow_may_emit_an_effect_without_handler():
    handlers = EffectHandlers({Notify: lambda effect, ctx: None})
    with pytest.raises(ConfigError, match="probe may emit Unhandled"):
        handlers.check([_flow((Notify, Unhandled))])
    handlers.check([_flow((Notify,))])  # declared and handled: fine


def test_two_handlers_for_one_kind_are_refused():
    with pytest.raises(ConfigError, match="two handlers"):
        EffectHandlers({Notify: lambda e, c: None}, {Notify: lambda e, c: None})


def test_the_product_flows_and_the_engine_emit_only_handled_effects(config):
    handlers = default_handlers(config, VisitService(config, directory=None, outbox=None))  # type: ignore[arg-type]
    registry = default_registry()
    handlers.check(registry.flows.values(), also=ENGINE_EFFECTS)
    declared = set().union(*(f.emits for f in registry.flows.values()))
    assert {"RegisterVisit", "AnswerAsHost", "FileComplaint", "OfferSurvey", "RequestHandoff"} <= {
        kind.__name__ for kind in declared}


def test_an_undeclared_effect_is_refused_by_the_engine(config):
    from datetime import UTC, datetime

    from bot.conversation import Conversation
    from bot.engine import Engine
    from bot.i18n import Commands, Messages
    from bot.offices import load_offices
    from flows import menu
    from flows.base import Deps
    from flows.registry import FlowRegistry

    flow = _flow(())
    engine = Engine(FlowRegistry([menu.flow, flow]), Messages(config.CONFIG_DIR), Commands(config.CONFIG_DIR), 1800,
                    Deps(config=config, catalogs=None, directory=None))  # type: ignore[arg-type]
    conv = Conversation("kejari-klungkung", "+6281200000001", step="probe:only", updated_at=10**10)
    office = load_offices(config.CONFIG_DIR).get("kejari-klungkung")
    with pytest.raises(ConfigError, match="Unhandled is not declared"):
        engine.handle(conv, "halo", False, office, datetime.fromtimestamp(10**10, UTC),
                      session=None)  # type: ignore[arg-type]
