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
