"""Each flow's Mermaid diagram names exactly the steps of its Enum (flows/<flow>.mmd)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows import complaint, complaint_status, survey

FLOWS = Path(__file__).resolve().parents[1] / "flows"
OUTSIDE = {"menu", "any"}  # drawn as ((circles)): places outside the flow


def diagram_steps(path: Path) -> set[str]:
    nodes = set()
    for line in path.read_text("utf-8").splitlines():
        if line.strip().startswith(("%%", "flowchart")):
            continue
        line = re.sub(r'\|"[^"]*"\||\|[^|]*\|', " ", line)  # edge labels
        nodes.update(re.findall(r"\b([a-z_]+)\b(?:\(\([a-z ]+\)\))?", line))
    return nodes - OUTSIDE


@pytest.mark.parametrize("module", [complaint, complaint_status, survey], ids=lambda m: m.__name__)
def test_diagram_matches_steps(module):
    path = FLOWS / f"{module.flow.name}.mmd"
    assert diagram_steps(path) == {step.value for step in module.Step}
