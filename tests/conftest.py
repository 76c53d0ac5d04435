import os
os.environ.setdefault('TRITON_INTERPRET', '1')   # before anything defines a Triton kernel
import pytest, torch

@pytest.fixture(scope='module')
def one_thread():
    "Small models: one torch thread avoids OpenMP overhead on 2 busy cores; the thread count is restored afterwards."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
