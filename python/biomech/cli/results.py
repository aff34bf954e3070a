"""``biomech plot``: the plots of a results file."""
from __future__ import annotations

from . import argument, command


@command("plot", help="Draw the plots of a results file (ranking, repetitions, seesaw, sweep curves).")
@argument("results", help="HDF5 results file (biomech compare --out, biomech sweep --out, save_results)")
@argument("--out", required=True, help="directory for the PNG files (created when missing)")
def _plot_cmd(args):
    from ..plots import plot_results

    files = plot_results(args.results, args.out)
    if not files:
        raise ValueError(f"{args.results}: nothing to plot (no comparison, time series, stance result or sweep)")
    return {"written": [str(p) for p in files]}
