"""``biomech validate``: the model against published measurements (datasets/validation)."""
from __future__ import annotations

from .. import _core
from ..fields import field_values
from ..validate import validate
from . import argument, command, model_arguments, model_from_args
from .exercise import _SIMULATE_CLI_SKIP, simulate_arguments


@command("validate", help="Compare the model with published measurements: EMG ranks, strength, hip contact force.",
         description="Run the model through every comparison the shipped validation data allow "
                     "(datasets/validation: gluteus medius EMG of catalogue exercises, hip strength, in vivo hip "
                     "contact forces, abduction moments) and print the scorecard: Spearman's rho per study with n, "
                     "leave one study out, errors in BW, which values fall within mean +- SD. With --model, another model "
                     "as its file states it (its own forces, not scaled to a subject). docs/validation.md "
                     "explains every figure.", text=lambda v: v.scorecard())
@argument("--plot", metavar="DIR", help="also draw model vs measured into DIR: emg_<study>.png per EMG study, "
                                             "hip_contact_force.png, strength.png")
@simulate_arguments
@model_arguments
def _validate_cmd(args):
    v = validate(model_from_args(args), field_values(args, _core.SimulateOptions, skip=_SIMULATE_CLI_SKIP))
    if args.plot:
        v.plot(args.plot)
    if getattr(args, "json", False):
        return v.to_dict()
    return v
