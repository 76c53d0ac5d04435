"""Worker for test_ddp.py: a short FM-ViT training run under torchrun (gloo); each rank saves its final weights."""
import sys, torch
from workbench.models import init_distributed, fm_vit, train, TrainConfig
from workbench.losses import TWEOLoss, ColinearityDecay
from workbench.data import fashion_mnist

rank, world = init_distributed()
torch.set_num_threads(1)
torch.manual_seed(0)
model = fm_vit(depth=2)
hist = train(model, fashion_mnist('train'), TrainConfig(epochs=1, limit=512, batch_size=64),
             callbacks=[TWEOLoss(), ColinearityDecay()], progress=False)
torch.save(dict(state=model.state_dict(), hist=hist, world=world), f"{sys.argv[1]}/rank{rank}.pt")
torch.distributed.destroy_process_group()
