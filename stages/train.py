"""Stage train (one per fold): fit the network on the training windows, stop early on valid, save it reproducibly."""

from __future__ import annotations

from honest_forecast.cli import quiet_tensorflow, run_stage, stage_fold
from honest_forecast.io import load_arrays, read_json, write_json
from honest_forecast.params import as_dict, load_params
from honest_forecast.paths import fold_paths
from honest_forecast.windows.scaling import Scaler
from honest_forecast.windows.store import WindowStore

quiet_tensorflow(entry_point=__name__ == "__main__")  # before anything imports keras
import keras  # noqa: E402
from dvclive import Live  # noqa: E402

from honest_forecast.models.inputs import network_store, statistical_input_names  # noqa: E402
from honest_forecast.models.saving import save_model  # noqa: E402
from honest_forecast.models.training import train_model  # noqa: E402


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    fitted = load_arrays(paths.statistical) if params.statistical_inputs else {}  # every origin of a long series: only if read
    names = statistical_input_names(params.statistical_inputs, fitted)
    scaler = Scaler.from_dict(read_json(paths.scaler)) if names else None  # what scales the forecasts read
    store = network_store(WindowStore.load(paths.arrays), fitted, names, scaler)
    del fitted
    with Live(str(paths.live_dir), dvcyaml=False, save_dvc_exp=False, report=None) as live:
        model, summary, seconds = train_model(store, params, live, label=f"train (fold {paths.fold})")
    save_model(model, paths.model)
    write_json(
        paths.effective_params,
        {"fold": paths.fold, "params": as_dict(params), "training": summary, "backend": keras.backend.backend()},
    )
    print(
        f"train (fold {paths.fold}): {summary['epochs_run']} epochs in {seconds:.1f} s, "
        f"best valid mse {summary['best_valid_mse']:.5f} at epoch {summary['best_epoch']}"
    )


if __name__ == "__main__":
    run_stage(main)
