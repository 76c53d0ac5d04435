"""The training loop under torchrun + DDP: 2 CPU processes (gloo) must end with identical weights."""
import subprocess, sys
from pathlib import Path
import torch

def test_two_ranks_agree(tmp_path):
    worker = Path(__file__).with_name('ddp_worker.py')
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
                        str(worker), str(tmp_path)], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f'rank{i}.pt', weights_only=False) for i in (0, 1))
    assert r0['world'] == r1['world'] == 2
    for k in r0['state']: assert torch.equal(r0['state'][k], r1['state'][k]), k
    assert r0['hist'] == r1['hist'] or [h['train_loss'] for h in r0['hist']] == [h['train_loss'] for h in r1['hist']]
    assert r0['hist'][0]['train_loss'] < 2.31
