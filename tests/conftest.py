import os
os.environ.setdefault('TRITON_INTERPRET', '1')   # before anything defines a Triton kernel
import pytest, torch

@pytest.fixture(scope='module')
def one_thread():
    "Small models: one torch thread avoids OpenMP overhead on 2 busy cores; the thread count is restored afterwards."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

def pytest_configure(config):
    config.addinivalue_line('markers', "slow: a long check with a fast equivalent in the default run; runs with WORKBENCH_SLOW=1")
    config.addinivalue_line('markers', "notebook: a notebook's examples, run as tests in a fresh process (tests/test_notebooks.py)")
    config.addinivalue_line('markers', "after_notebooks: uses what the notebook tests leave behind (_nbcache/); scheduled last")

DURATIONS = 'workbench/durations'   # seconds per test id, from the last run, in pytest's cache (.pytest_cache)

def _schedule(items, durations:dict)->list:
    """`items` in the order that keeps `pytest -n 2` busy to the end: longest first (as the last run measured them).
    Each notebook is its own unit; the tests of any other module stay together, so its module fixtures are built once
    per worker. Without a record (a fresh clone), the notebooks come first, then the modules in file order. Tests
    marked `after_notebooks` come last in any case (with `-n 2` nothing orders workers: the test command runs them apart)."""
    units = {}
    for it in items: units.setdefault(it.nodeid if it.get_closest_marker('notebook') else it.module.__name__, []).append(it)
    def cost(unit): return sum(durations.get(it.nodeid, 60.0 if it.get_closest_marker('notebook') else 1.0) for it in unit)
    order = [it for unit in sorted(units.values(), key=cost, reverse=True) for it in unit] if durations else \
            sorted(items, key=lambda it: not it.get_closest_marker('notebook'))   # stable: file order otherwise
    return sorted(order, key=lambda it: bool(it.get_closest_marker('after_notebooks')))

def pytest_collection_modifyitems(config, items):
    "Tests marked `slow` run only when WORKBENCH_SLOW=1 (as notebook cells flagged `slow` run only with --flags slow)."
    items[:] = _schedule(items, config.cache.get(DURATIONS, {}) if getattr(config, 'cache', None) else {})
    if os.environ.get('WORKBENCH_SLOW') == '1': return
    skip = pytest.mark.skip(reason='slow: set WORKBENCH_SLOW=1 to run it')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)

_measured = {}

def pytest_runtest_logreport(report):
    "Each test's seconds (set-up, call, tear-down), for the next run's order."
    _measured[report.nodeid] = _measured.get(report.nodeid, 0.0) + report.duration

def pytest_sessionfinish(session):
    "Keep what this run measured (on the controller only, under pytest-xdist), merged into the record."
    if hasattr(session.config, 'workerinput') or not _measured or not getattr(session.config, 'cache', None): return
    session.config.cache.set(DURATIONS, {**session.config.cache.get(DURATIONS, {}), **{k: round(v, 2) for k, v in _measured.items()}})
