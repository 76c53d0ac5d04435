"""Project wiring: the README's commands, CI entry point, settings nbdev relies on, data budget."""
from pathlib import Path
import configparser, re
ROOT = Path(__file__).resolve().parent.parent

def test_ci_runs_the_readme_test_command():
    readme = (ROOT / 'README.md').read_text()
    assert 'bash scripts/test.sh' in readme and 'bash scripts/main.sh' in readme
    ci = [l for l in (ROOT / '.ci/run').read_text().splitlines() if l.strip() and not l.startswith('#')]
    assert ci[-1].strip() == 'bash scripts/test.sh'

def test_settings_pin_what_the_guide_requires():
    cfg = configparser.ConfigParser(); cfg.read(ROOT / 'settings.ini'); s = cfg['DEFAULT']
    assert s['allowed_cell_metadata_keys'] == 'tags'
    assert {'slow', 'gpu'} <= set(s['tst_flags'].split())
    assert 'torch==2.14.1' in s['requirements'] and 'torchvision==0.29.1' in s['requirements']
    for pin in ('nbdev==2.4.14', 'execnb<0.2', 'fastcore<2', 'ghapi<2'): assert pin in s['dev_requirements']

def test_data_folder_stays_small():
    size = sum(p.stat().st_size for p in (ROOT / 'data').rglob('*') if p.is_file() and not p.name.endswith('.train.pt'))
    assert size < 30 * 2**20, f"data/ is {size/2**20:.1f} MB; the budget is 30 MB"

def test_parameters_cell_survives_nbdev_clean():
    import json
    nb = json.loads((ROOT / 'nbs/experiments/ptq.ipynb').read_text())
    assert any('parameters' in c.get('metadata', {}).get('tags', []) for c in nb['cells'])

def test_import_workbench_fills_every_registry():
    "One import, in a fresh interpreter, registers every format, estimator, method and reference model."
    import subprocess, sys, json
    code = ("import json, workbench; from workbench.core import QUANTIZERS, CALIBRATORS, METHODS, FORMATS; "
            "from workbench.models import REFERENCE_MODELS; "
            "print(json.dumps([sorted(QUANTIZERS), sorted(FORMATS), sorted(CALIBRATORS), sorted(METHODS), sorted(REFERENCE_MODELS)]))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    quantizers, formats, estimators, methods, models = json.loads(out.splitlines()[-1])
    assert set(formats) <= set(quantizers), f"formats without a quantizer: {set(formats) - set(quantizers)}"
    assert {'mxfp4', 'nvfp4', 'tanq', 'e4m3', 'log2'} <= set(quantizers)
    assert {'minmax', 'percentile', 'omse', 'percentile-search', 'clip-search'} <= set(estimators)
    assert {'ptq', 'repq-vit', 'dopq-vit', 'qwt', 'gplq', 'qat'} | {'ptq-tg', 'balance', 'balance-tg', 'hadamard', 'lrq'} <= set(methods)   # ViT and DiT
    assert {'fm-vit', 'fm-swin', 'fm-dit'} <= set(models)

def test_no_import_circles():
    "The modules import each other in one direction only (imports inside functions included)."
    import ast, graphlib
    mods = {p.stem: p for p in (ROOT / 'workbench').glob('*.py') if p.stem not in ('__init__', '_modidx')}
    deps = {m: set() for m in mods}
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = node.module if node.level == 1 else node.module.removeprefix('workbench.') if node.module.startswith('workbench.') else None
                if name and name.split('.')[0] in mods and name.split('.')[0] != m: deps[m].add(name.split('.')[0])
    try: order = list(graphlib.TopologicalSorter(deps).static_order())
    except graphlib.CycleError as e: raise AssertionError(f"import circle: {e.args[1]}") from None
    assert order.index('core') < order.index('quantizers') < order.index('quantize') < order.index('methods')

def test_a_plain_install_finds_its_data(tmp_path):
    "`pip install .` (not editable): the package carries the reference weights and the experiment notebooks, and quantizes."
    import subprocess, sys, shutil
    src = tmp_path / 'src'
    files = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, capture_output=True, check=True).stdout.decode().split('\0')
    for f in filter(None, files):   # a copy of the tracked tree, so the build leaves no files in the checkout
        if (ROOT / f).is_file(): (src / f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT / f, src / f)
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation', '--target', str(tmp_path / 'site'), str(src)],
                   check=True, capture_output=True)
    code = ("import workbench; from workbench.data import package_folder, calibration_set; from workbench.sweeps import NOTEBOOKS; "
            "from workbench.models import load_model; from workbench.core import QuantConfig; from workbench.quantize import quantize, is_quantized; "
            "m = load_model('fm-vit'); quantize(m, QuantConfig.wa(8, 8), calibration_set(16, 0)[0]); "
            "print(workbench.__file__, package_folder('data'), (NOTEBOOKS / 'experiments' / 'ptq.ipynb').exists(), is_quantized(m))")
    env = dict(__import__('os').environ, PYTHONPATH=str(tmp_path / 'site'))   # the dependencies come from this environment
    out = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith(str(tmp_path / 'site')) and out[1] == str(tmp_path / 'site' / 'workbench' / '_data') and out[2:] == ['True', 'True'], out
