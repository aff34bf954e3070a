"""``biomech sweep``: parameter sweeps from a YAML config, streamed to HDF5."""
from __future__ import annotations

from ..sweep import sweep
from . import argument, command


@command("sweep", help="Run a parameter sweep from a YAML config and stream it to HDF5.",
         description="Run a parameter sweep described by a YAML config (target, grid, population, samples, "
                     "fixed, seed, n_jobs, ...; see docs/results_file.md) and stream the rows to an HDF5 "
                     "results file. The config is checked completely before any work starts.")
@argument("config", help="sweep config (YAML)")
@argument("--out", required=True, help="HDF5 results file to write (replaced atomically)")
@argument("--n-jobs", type=int, default=None, help="threads evaluating the sweep, 0 = all cores (overrides the config)")
@argument("--quiet", action="store_true", help="no progress bar")
def _sweep_cmd(args):
    path = sweep(args.config, out=args.out, n_jobs=args.n_jobs, quiet=args.quiet)
    import h5py

    with h5py.File(path, "r") as f:
        n = int(f["sweep"].attrs["n_rows"])
        target = f["sweep"].attrs["target"]
    return {"out": str(path), "rows": n, "target": target if isinstance(target, str) else target.decode()}
