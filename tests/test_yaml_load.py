"""bot/yamlload.py: libyaml's parser reads every file under config/ exactly as PyYAML's own safe loader
does, refuses what the safe loader refuses, and is the one the product uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import yamlload

CONFIG = Path(__file__).resolve().parents[1] / "config"
FILES = sorted(CONFIG.rglob("*.yaml"))


def test_the_c_parser_is_used_where_pyyaml_has_it():
    assert yaml.__with_libyaml__ and yamlload.SafeLoader is yaml.CSafeLoader


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CONFIG)) for p in FILES])
def test_every_config_file_reads_the_same_as_with_the_python_loader(path):
    text = path.read_text(encoding="utf-8")
    assert yamlload.safe_load(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ["a: [1, 2", "!!python/object/apply:os.system ['true']", "a: b\n c: d"])
def test_what_the_safe_loader_refuses_is_refused(text):
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        yamlload.safe_load(text)


def test_no_product_module_reads_yaml_the_slow_way():
    root = CONFIG.parent
    slow = [str(p.relative_to(root)) for folder in ("bot", "flows", "handlers", "config")
            for p in (root / folder).rglob("*.py") if "yaml.safe_load(" in p.read_text(encoding="utf-8")
            and p.name != "yamlload.py"]
    assert slow == []


def test_a_web_process_warms_every_catalog_once_however_many_threads_ask(runtime, monkeypatch):
    """gunicorn.conf.py's post_worker_init: every office's catalog and search index before the first
    request; and a cold process's threads asking at once read each file once, not once each."""
    import threading

    from bot import catalog as catalog_module
    from bot import catalogs as catalogs_module

    reads = []
    real = catalog_module.read_catalog_file
    monkeypatch.setattr(catalog_module, "read_catalog_file", lambda path: reads.append(path.name) or real(path))
    cold = catalogs_module.Catalogs(runtime.config.CONFIG_DIR, runtime.db, runtime.revisions)
    setda = runtime.offices.get("setda-klungkung")
    start = threading.Barrier(4)

    def ask():
        start.wait()
        cold.search(setda)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads == ["setda-klungkung.yaml"]
    cold.warm(runtime.offices)
    assert sorted(reads) == sorted(f"{o.slug}.yaml" for o in runtime.offices)
    assert all(cold._entries[o.slug].search is not None for o in runtime.offices)
