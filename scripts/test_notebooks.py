"""Run every notebook's tests the way `nbdev_test` does, but each notebook in a fresh Python process.

`nbdev_test --n_workers N` reuses its worker processes, so a notebook runs after other notebooks in the same
interpreter. Notebooks that define the library's classes (01_quantizers, 04_quantize, ...) re-register them
in the library's registries when their export cells run, so a later notebook in the same worker would build
quantizers from the earlier notebook's classes, which are not the library's (`isinstance` checks then fail,
depending on which notebooks shared a worker). A notebook in JupyterLab has its own kernel; so does each
notebook here. Same file selection, flags and per-notebook test function as `nbdev_test`.

    python scripts/test_notebooks.py [--n_workers 2] [--flags "slow"] [notebook ...]
"""
import argparse, multiprocessing as mp, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import _keep_file, test_nb


def _run(fn: Path, skip_flags, force_flags, basepath):
    return test_nb(fn, skip_flags=skip_flags, force_flags=force_flags, basepath=basepath)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('paths', nargs='*', help='notebooks to test (default: every notebook nbdev_test would test)')
    p.add_argument('--n_workers', type=int, default=2)
    p.add_argument('--flags', default='', help='space separated flags of cells to run that are normally skipped')
    a = p.parse_args()
    cfg = get_config()
    files = [Path(f).absolute() for f in a.paths] if a.paths else \
        [f.absolute() for f in sorted(nbglob(None, as_path=True, symlinks=False)) if _keep_file(f, '.notest')]
    if not files: return print('No files were eligible for testing')
    skip, force = cfg.tst_flags.split(), a.flags.split()
    start, results = time.time(), {}
    ctx = mp.get_context('spawn')   # a fresh interpreter per notebook, as a kernel would be
    with ProcessPoolExecutor(max(1, a.n_workers), mp_context=ctx, max_tasks_per_child=1) as ex:
        futures = {f: ex.submit(_run, f, skip, force, cfg.config_path) for f in files}
        for f, fut in futures.items():
            try: ok, secs = fut.result()
            except Exception as e:   # the worker died (out of memory, a crash): name the notebook
                print(f"{f.name}: its test process failed: {type(e).__name__}: {e}", file=sys.stderr); ok, secs = False, 0.0
            results[f] = (ok, secs)
            print(f"{'ok  ' if ok else 'FAIL'} {f.name}: {int(secs)} s", flush=True)
    failed = [f.name for f, (ok, _) in results.items() if not ok]
    print(f"{len(files)} notebooks in {int(time.time() - start)} s")
    if failed:
        sys.stderr.write("\nnbdev tests failed on these notebooks:\n\t" + '\n\t'.join(failed) + '\n')
        sys.exit(1)
    print("Success.")


if __name__ == '__main__':
    main()
