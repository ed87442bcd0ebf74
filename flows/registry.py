"""All flows, found by name; the step references stored in Redis are "<flow>:<step>"."""

from __future__ import annotations

import importlib
from enum import StrEnum

from bot.exceptions import ConfigError
from flows.base import Flow, Handler, MenuEntry, Prompt


class FlowRegistry:
    def __init__(self, flows: list[Flow]):
        self.flows = {f.name: f for f in flows}
        self._by_enum = {f.steps: f for f in flows}
        for flow in flows:
            flow.validate()

    def ref(self, step: StrEnum | str) -> str:
        if isinstance(step, str) and not isinstance(step, StrEnum):
            self.resolve(step)
            return step
        flow = self._by_enum.get(type(step))
        if flow is None:
            raise ConfigError(f"step {step!r} belongs to no registered flow")
        return flow.ref(step)

    def resolve(self, ref: str) -> tuple[Flow, StrEnum]:
        name, _, step = ref.partition(":")
        flow = self.flows.get(name)
        if flow is None:
            raise KeyError(ref)
        return flow, flow.steps(step)

    def expires(self, ref: str) -> bool:
        """Whether a conversation idle at `ref` starts again at the menu (unknown steps do)."""
        try:
            return self.resolve(ref)[0].expires
        except (KeyError, ValueError):
            return True

    def prompt_of(self, ref: str) -> Prompt:
        flow, step = self.resolve(ref)
        return flow.prompts[step]

    def handler_of(self, ref: str) -> Handler:
        flow, step = self.resolve(ref)
        return flow.handlers[step]

    def interceptors(self) -> list:
        return [func for flow in self.flows.values() for func in flow.interceptors]

    def fallbacks(self) -> list:
        return [func for flow in self.flows.values() for func in flow.fallbacks]

    def menu_entries(self) -> list[MenuEntry]:
        """What the main menu lists, in order."""
        return sorted((f.menu for f in self.flows.values() if f.menu), key=lambda entry: entry.order)


# The product's flows. Interceptors run in this order, so the catalog's free-text search comes last;
# the main menu orders itself by MenuEntry.order.
FLOW_MODULES = ["menu", "rights", "handoff", "host", "visit", "complaint_status", "intents", "office_info",
                "complaint", "survey", "services"]


def default_registry() -> FlowRegistry:
    return FlowRegistry([importlib.import_module(f"flows.{name}").flow for name in FLOW_MODULES])
