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

def pytest_collection_modifyitems(config, items):
    "Tests marked `slow` run only when WORKBENCH_SLOW=1 (as notebook cells flagged `slow` run only with --flags slow)."
    if os.environ.get('WORKBENCH_SLOW') == '1': return
    skip = pytest.mark.skip(reason='slow: set WORKBENCH_SLOW=1 to run it')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)
