"""The training loop under torchrun + DDP: 2 CPU processes (gloo) must end with identical weights."""
import os, signal, subprocess, sys
from pathlib import Path
import torch

def test_two_ranks_agree(tmp_path):
    worker = Path(__file__).with_name('ddp_worker.py')
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(worker), str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try: out, _ = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)   # the launcher and both workers: leave no orphans behind
        out, _ = proc.communicate()
        raise AssertionError("DDP run timed out after 240 s:\n" + out[-3000:])
    assert proc.returncode == 0, out[-3000:]
    r0, r1 = (torch.load(tmp_path / f'rank{i}.pt', weights_only=False) for i in (0, 1))
    assert r0['world'] == r1['world'] == 2
    for k in r0['state']: assert torch.equal(r0['state'][k], r1['state'][k]), k
    assert [h['train_loss'] for h in r0['hist']] == [h['train_loss'] for h in r1['hist']]
    assert r0['hist'][0]['train_loss'] < 2.31
