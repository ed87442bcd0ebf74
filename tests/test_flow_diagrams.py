"""The services, handoff and rights flows' Mermaid diagrams show exactly their steps (the visit and
complaint flows test their own diagrams)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows import handoff, rights, services


def states(diagram: str) -> set[str]:
    found = set(re.findall(r"^\s*(\w+) -->", diagram, re.M)) | set(re.findall(r"--> (\w+)", diagram))
    return found - {"[*]"}


@pytest.mark.parametrize("flow", [services.flow, handoff.flow, rights.flow], ids=lambda f: f.name)
def test_the_diagram_shows_exactly_the_flows_steps(flow):
    diagram = Path(f"flows/{flow.name}.mmd").read_text(encoding="utf-8")
    assert states(diagram) == {step.value for step in flow.steps}
