"""Shared test helpers."""
import papermill as pm
from workbench.core import read_results

def run_experiment(notebook, tmp_path, name:str, results:str, defaults:dict, **params)->list[dict]:
    "Execute `notebook` with papermill (`defaults` updated by `params`, results into tmp_path/results); return all records."
    out = tmp_path / results
    pm.execute_notebook(str(notebook), str(tmp_path / f'{name}.ipynb'), parameters=dict(defaults, out=str(out), **params),
                        kernel_name='python3', progress_bar=False, cwd=str(notebook.parent))
    return read_results(out)
