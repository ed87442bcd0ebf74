"""YAML read with libyaml's C parser when PyYAML has it (its wheels and Debian's package do), else the
pure-Python one. The same safe subset and the same result (tests/test_yaml_load.py compares both on
every file under config/), about 9 times faster: every web process, worker and test app reads the
offices, the message catalogs and the service catalogs at start, and a cold process read them while
citizens waited (the Setda's catalog alone took most of a second)."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """As `yaml.safe_load`; raises `yaml.YAMLError` on bad YAML, as it does."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader, C or Python
