"""Run every notebook's tests the way `nbdev_test` does, but each notebook in a fresh Python process, and keep
each passing notebook's outputs for the documentation site.

`nbdev_test --n_workers N` reuses its worker processes, so a notebook runs after other notebooks in the same
interpreter. Notebooks that define the library's classes (01_quantizers, 04_quantize, ...) re-register them
in the library's registries when their export cells run, so a later notebook in the same worker would build
quantizers from the earlier notebook's classes, which are not the library's (`isinstance` checks then fail,
depending on which notebooks shared a worker). A notebook in JupyterLab has its own kernel; so does each
notebook here. Same file selection, flags, cell skipping and error report as `nbdev_test`'s `test_nb`.

nbdev's `test_nb` returns only (passed, seconds), so `run_notebook` below is `test_nb`'s body with two additions:
after each cell, widget outputs (the explorer) are turned into static HTML while the widgets are alive
(`docs.static_outputs`), and `show_doc` renders nbdev's parameter table (`docs.TableRenderer`); a notebook that
passes is saved with its outputs to `_nbcache/` (git-ignored), keyed by the notebook's content and the flags, where
`scripts/docs.py` takes it instead of running the notebook again.

    python scripts/test_notebooks.py [--n_workers 2] [--flags "slow"] [--no-cache] [--slowest N] [notebook ...]

`--slowest N` prints each notebook's N slowest cells (seconds, cell number, first line): where a notebook's time goes.
"""
import argparse, hashlib, json, multiprocessing as mp, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / '_nbcache'
CACHE_VERSION = '2'   # bump when what is saved changes (the renderer, the static outputs)


def load_docs():
    "scripts/docs.py as a module (by its path: a package named `docs` elsewhere on sys.path must not shadow it)."
    import importlib.util
    if 'workbench_docs' not in sys.modules:
        spec = importlib.util.spec_from_file_location('workbench_docs', Path(__file__).with_name('docs.py'))
        sys.modules['workbench_docs'] = mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return sys.modules['workbench_docs']


def cache_key(fn: Path, flags) -> str:
    "The executed copy's key: the notebook's bytes, the flags of the skipped cells, and `CACHE_VERSION`."
    h = hashlib.sha256(Path(fn).read_bytes())
    h.update(f"\0{' '.join(sorted(set(flags)))}\0{CACHE_VERSION}".encode())
    return h.hexdigest()[:20]


def cache_path(fn: Path, flags) -> Path:
    "Where the executed copy of notebook `fn` (run skipping the cells marked with `flags`) is kept."
    rel = Path(fn).resolve().relative_to(ROOT / 'nbs')
    return CACHE / f"{'__'.join(rel.with_suffix('').parts)}.{cache_key(fn, flags)}.ipynb"


def _save(fn: Path, flags, cells_by_id: dict):
    "Write notebook `fn` with the outputs of the executed cells (matched by cell id) to the cache; drop older copies."
    nb = json.loads(Path(fn).read_text(encoding='utf-8'))
    for c in nb['cells']:
        if c['cell_type'] == 'code' and c.get('id') in cells_by_id:
            outs, count = cells_by_id[c['id']]
            c['outputs'], c['execution_count'] = outs, count
    dst = cache_path(fn, flags)
    CACHE.mkdir(exist_ok=True)
    for old in CACHE.glob(dst.name.rsplit('.', 2)[0] + '.*.ipynb'): old.unlink(missing_ok=True)
    tmp = dst.with_suffix('.tmp')
    tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    tmp.replace(dst)


def run_notebook(fn, skip_flags=None, force_flags=None, basepath=None, save=True, slowest=0):
    "nbdev's `test_nb` (same cells skipped, same error report), saving the executed notebook if it passes."
    from fastcore.basics import str2bool
    from fastcore.foundation import L, working_directory
    from fastcore.imports import IN_NOTEBOOK
    from execnb.nbio import nb2dict
    from execnb.shell import CaptureShell
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor, nb_lang
    docs = load_docs()
    fn = Path(fn)
    if basepath: sys.path.insert(0, str(basepath))
    if not IN_NOTEBOOK: os.environ["IN_TEST"] = '1'
    flags = set(L(skip_flags)) - set(L(force_flags))
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb
    fm = getattr(nb, 'frontmatter_', {})
    if str2bool(fm.get('skip_exec', False)) or nb_lang(nb) != 'python':
        if save: _save(fn, flags, {})
        return True, 0

    def _no_eval(cell):
        if cell.cell_type != 'code': return True
        if 'nbdev_export' + '(' in cell.source: return True
        direc = getattr(cell, 'directives_', {}) or {}
        if direc.get('eval:', [''])[0].lower() == 'false': return True
        return flags & direc.keys()

    docs.use_table_renderer()
    times, last = [], [time.time()]
    def _before(cell):   # nbdev's cell filter, and the cell's start time
        skip = _no_eval(cell)
        last[0] = time.time()
        return skip
    def _after(cell):
        docs.static_outputs(cell)
        times.append((time.time() - last[0], cell.idx_, cell.source.splitlines()[0] if cell.source else ''))

    start = time.time()
    k = CaptureShell(fn)
    try:
        with working_directory(fn.parent):
            k.run_all(nb, exc_stop=True, preproc=_before, postproc=_after)
            res = True
    except:
        sys.stderr.write(k.prettytb(fname=fn) + '\n')
        res = False
    secs = time.time() - start
    for t, i, line in sorted(times, reverse=True)[:slowest]: print(f"  {fn.name} cell {i}: {t:6.1f} s  {line[:70]}", flush=True)
    if res and save:
        _save(fn, flags, {c.get('id'): (nb2dict(c.get('outputs', [])), c.get('execution_count'))
                          for c in nb.cells if c.cell_type == 'code' and c.get('id') and 'outputs' in c})
    return res, secs


def run_notebooks(files, skip, force=(), n_workers=2, basepath=None, save=True, slowest=0) -> dict:
    "Run each notebook of `files` in its own fresh process; print one line per notebook; {path: (ok, seconds)}."
    results = {}
    if n_workers == 0:   # in this process: the caller is a fresh interpreter for one notebook (tests/test_notebooks.py)
        for f in files:
            results[f] = ok, secs = run_notebook(f, skip, force, basepath, save, slowest)
            print(f"{'ok  ' if ok else 'FAIL'} {f.name}: {int(secs)} s", flush=True)
        return results
    ctx = mp.get_context('spawn')   # a fresh interpreter per notebook, as a kernel would be
    with ProcessPoolExecutor(max(1, n_workers), mp_context=ctx, max_tasks_per_child=1) as ex:
        futures = {f: ex.submit(run_notebook, f, skip, force, basepath, save, slowest) for f in files}
        for f, fut in futures.items():
            try: ok, secs = fut.result()
            except Exception as e:   # the worker died (out of memory, a crash): name the notebook
                print(f"{f.name}: its test process failed: {type(e).__name__}: {e}", file=sys.stderr); ok, secs = False, 0.0
            results[f] = (ok, secs)
            print(f"{'ok  ' if ok else 'FAIL'} {f.name}: {int(secs)} s", flush=True)
    return results


def test_files(paths=()) -> list:
    "The notebooks given, or every notebook `nbdev_test` would test (from any working directory)."
    from fastcore.foundation import working_directory
    from nbdev.doclinks import nbglob
    from nbdev.test import _keep_file
    if paths: return [Path(f).absolute() for f in paths]
    with working_directory(ROOT):   # nbdev finds settings.ini from the working directory
        return [f.absolute() for f in sorted(nbglob(None, as_path=True, symlinks=False)) if _keep_file(f, '.notest')]


def main():
    from nbdev.config import get_config
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('paths', nargs='*', help='notebooks to test (default: every notebook nbdev_test would test)')
    p.add_argument('--n_workers', type=int, default=2, help='notebooks run at once, each in a fresh process; 0: one notebook, in this process')
    p.add_argument('--flags', default='', help='space separated flags of cells to run that are normally skipped')
    p.add_argument('--no-cache', action='store_true', help='do not save the executed notebooks for the docs')
    p.add_argument('--slowest', type=int, default=0, help="print each notebook's N slowest cells")
    a = p.parse_args()
    cfg = get_config()
    files = test_files(a.paths)
    if not files: return print('No files were eligible for testing')
    if a.n_workers == 0 and len(files) > 1:
        p.error(f"--n_workers 0 runs one notebook in this process (a notebook re-registers the library's classes); "
                f"got {len(files)}: name one, or use --n_workers 1")
    start = time.time()
    results = run_notebooks(files, cfg.tst_flags.split(), a.flags.split(), a.n_workers, cfg.config_path, not a.no_cache, a.slowest)
    failed = [f.name for f, (ok, _) in results.items() if not ok]
    print(f"{len(files)} notebooks in {int(time.time() - start)} s")
    if failed:
        sys.stderr.write("\nnbdev tests failed on these notebooks:\n\t" + '\n\t'.join(failed) + '\n')
        sys.exit(1)
    print("Success.")


if __name__ == '__main__':
    main()
