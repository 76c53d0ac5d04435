"""Shared test helpers."""
import papermill as pm
from workbench.core import read_results

def run_experiment(notebook, tmp_path, name:str, results:str, defaults:dict, **params)->list[dict]:
    "Execute `notebook` with papermill (`defaults` updated by `params`, results into tmp_path/results); return all records."
    out = tmp_path / results
    pm.execute_notebook(str(notebook), str(tmp_path / f'{name}.ipynb'), parameters=dict(defaults, out=str(out), **params),
                        kernel_name='python3', progress_bar=False, cwd=str(notebook.parent))
    return read_results(out)

def image_folder(root, classes=('ant', 'bee', 'cat'), n_train:int=8, n_val:int=4, size:int=40, seed:int=0):
    "Write an ImageNet-style folder of generated PNGs (`root/train/<class>/*.png`, `root/val/<class>/*.png`): each class its own colour, plus noise."
    import numpy as np
    from pathlib import Path
    from PIL import Image
    rng, root = np.random.default_rng(seed), Path(root)
    for split, n in (('train', n_train), ('val', n_val)):
        for k, name in enumerate(classes):
            (root / split / name).mkdir(parents=True, exist_ok=True)
            base = np.zeros(3); base[k % 3] = 200
            for i in range(n):
                img = np.clip(base + rng.normal(0, 40, (size, size, 3)), 0, 255).astype('uint8')
                Image.fromarray(img).save(root / split / name / f'{i}.png')
    return root

def random_timm_weights(path, name:str='deit_tiny_patch16_224', seed:int=0, **kwargs):
    "A random-init timm model's weights saved to `path` (safetensors); returns the model."
    import torch, timm
    from safetensors.torch import save_file
    torch.manual_seed(seed)
    model = timm.create_model(name, pretrained=False, **kwargs).eval()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return model
