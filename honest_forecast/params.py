"""The one place where params.yaml is read, typed and validated.

Every stage calls :func:`load_params` first, so a typo or a bad value stops the
pipeline before any work is done, with a message that names the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import YAMLError

from honest_forecast.errors import ParamError

PARAMS_FILE = Path("params.yaml")

CELLS = ("simple_rnn", "lstm", "gru", "mlp")
SCALERS = ("standard", "minmax", "robust", "none")
SCALER_FITS = ("train", "all")
SHUFFLES = ("train", "none", "before_split")
MISSING_POLICIES = ("skip", "error", "interpolate", "ffill")
TARGETS = ("level", "delta")
LOSSES = ("mse", "mae", "huber")
SKIP_PATHS = ("ridge", "best_statistical")
ENGINES = ("local", "dask")
ACTIVATIONS = ("tanh", "sigmoid", "relu", "elu", "selu", "gelu", "swish", "softsign", "linear")
UNBOUNDED_ACTIVATIONS = ("relu", "elu", "selu", "gelu", "swish", "linear")  # can blow up inside a recurrent cell
INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "orthogonal",
    "random_normal",
    "zeros",
)

# Names people type by habit, mapped to the key this project uses.
ALIASES = {
    "learning_rate": "lr",
    "learningrate": "lr",
    "n_epochs": "epochs",
    "num_epochs": "epochs",
    "batchsize": "batch_size",
    "window_size": "window",
    "lookback": "window",
    "n_layers": "layers",
    "num_layers": "layers",
    "hidden_units": "units",
    "random_state": "seed",
    "random_seed": "seed",
}


@dataclass(frozen=True)
class Params:
    """Every knob of the pipeline. Field order follows params.yaml."""

    # ingest
    data_path: str = "data/raw/elecdemand_vic_2014.csv"
    time_column: str = "timestamp"
    target_column: str = "demand_gw"
    id_column: str | None = None
    covariates: tuple[str, ...] = ()
    known_covariates: tuple[str, ...] = ()
    known_covariates_forecast: tuple[str, ...] = ()
    csv_sep: str = ","
    decimal: str = "."
    thousands: str = ""
    encoding: str = "utf-8"
    freq: str = "auto"
    missing: str = "skip"
    max_gap: int = 4
    max_fill_share: float = 0.05
    # windows
    train_frac: float = 0.7
    valid_frac: float = 0.15
    test_frac: float = 0.15
    valid_steps: int | None = None
    test_steps: int | None = None
    window: int | str = "auto"
    horizon: int = 1
    scaler: str = "standard"
    scaler_fit: str = "train"
    shuffle: str = "train"
    target: str = "level"
    calendar: bool = False
    target_calendar: bool = False
    level_norm: bool = False
    id_embedding: int = 0
    seed: int = 42
    folds: tuple[int, ...] = (1,)
    # train
    cell: str = "lstm"
    layers: int = 1
    units: int = 64
    activation: tuple[str, ...] = ("tanh",)
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    l2: float = 0.0
    l2_bias: float = 0.0
    l2_recurrent: float = 0.0
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    linear_skip: bool = False
    statistical_inputs: bool = False
    skip_path: str = "ridge"
    recurrent_steps: int = 0
    members: int = 1
    loss: str = "mse"
    lr: float = 1.0e-3
    clipnorm: float = 1.0
    reduce_lr_patience: int = 0
    epochs: int = 40
    steps_per_epoch: int = 0
    batch_size: int = 64
    patience: int = 8
    # evaluate
    season: int | str = "auto"
    ridge_alpha: float | str = "auto"
    interval_levels: tuple[float, ...] = (0.8, 0.95)
    engine: str = "local"
    dask_address: str | None = None
    # forecast
    forecast_refit: bool = False

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Every numeric column read: the target, the past-only covariates, then those known in advance."""
        return (self.target_column, *self.covariates, *self.known_covariates)

    def layer_activations(self) -> tuple[str, ...]:
        """One activation per recurrent layer: a single name applies to all."""
        if len(self.activation) == 1:
            return self.activation * self.layers
        return self.activation


@dataclass(frozen=True)
class _Rule:
    kind: type
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # lr must be > 0, not >= 0
    high_open: bool = False  # dropout must be < 1
    hint: str = ""
    sequence: bool = field(default=False)
    auto: bool = False  # the text 'auto' is accepted too: ingest resolves it from the data
    nonempty: bool = False  # '' is refused (a separator of nothing splits no line)
    nullable: bool = False  # null (or nothing) is accepted: the param is off


RULES: dict[str, _Rule] = {
    "data_path": _Rule(str),
    "time_column": _Rule(str),
    "target_column": _Rule(str),
    "id_column": _Rule(
        str,
        nullable=True,
        nonempty=True,
        hint="the column naming the series each row belongs to (long format: id, time, value), or null for one series",
    ),
    "covariates": _Rule(str, sequence=True, hint="a list of column names, e.g. [temperature_c, workday]"),
    "known_covariates": _Rule(
        str,
        sequence=True,
        hint="columns whose value at each target time is known when the forecast is made, e.g. [workday]; "
        "the file's rows after the last target value give them for the forecast",
    ),
    "known_covariates_forecast": _Rule(
        str,
        sequence=True,
        hint="those of 'known_covariates' that production only has as a forecast (a weather forecast), "
        "e.g. [temperature_c]; the backtest is also scored with their seasonal-naive forecast in their place",
    ),
    "csv_sep": _Rule(str, nonempty=True, hint="the character between fields, e.g. ',' or ';' (a tab: \"\\t\")"),
    "decimal": _Rule(str, choices=(".", ",")),
    "thousands": _Rule(str, choices=("", ",", ".", "'", " "), hint="the thousands separator in numbers, '' for none"),
    "encoding": _Rule(str),
    "freq": _Rule(
        str,
        hint="'auto' infers it from the data; or a pandas frequency such as 30min, 1h, D, B, W-FRI, MS, ME; "
        "'none' treats rows as steps",
    ),
    "missing": _Rule(
        str,
        choices=MISSING_POLICIES,
        hint="skip leaves missing values missing: no window that would need one is cut, and none is invented",
    ),
    "max_gap": _Rule(int, low=1),
    "max_fill_share": _Rule(
        float, low=0, high=1, hint="the largest share of a column that interpolate or ffill may make up, e.g. 0.05"
    ),
    "train_frac": _Rule(float, low=0, high=1, low_open=True, high_open=True),
    "valid_frac": _Rule(float, low=0, high=1, low_open=True, high_open=True),
    "test_frac": _Rule(float, low=0, high=1, low_open=True, high_open=True),
    "valid_steps": _Rule(
        int, low=1, nullable=True, hint="the valid block as the last steps before the test block, or null for 'valid_frac'"
    ),
    "test_steps": _Rule(
        int, low=1, nullable=True, hint="the test block as each series' last steps (M4: the horizon), or null for 'test_frac'"
    ),
    "window": _Rule(
        int,
        low=1,
        auto=True,
        hint="input steps per window, or 'auto': three seasons, shortened so the inputs stay a quarter of the training windows",
    ),
    "horizon": _Rule(int, low=1),
    "scaler": _Rule(str, choices=SCALERS),
    "scaler_fit": _Rule(str, choices=SCALER_FITS),
    "shuffle": _Rule(str, choices=SHUFFLES),
    "target": _Rule(str, choices=TARGETS),
    "calendar": _Rule(bool),
    "target_calendar": _Rule(bool, hint="true feeds the time-of-day slot of each target time as a second input"),
    "level_norm": _Rule(
        bool,
        hint="true reads each window's target channel relative to its last value (per-window level normalisation, "
        "for a global network on many series)",
    ),
    "id_embedding": _Rule(
        int,
        low=0,
        hint="dimensions of a learned embedding of each series' id, read by the network's head (many series); 0: none",
    ),
    "seed": _Rule(int, low=0),
    "folds": _Rule(
        int,
        low=1,
        sequence=True,
        hint="rolling-origin folds counted back from the end of the series: [1] is the single split, "
        "[1, 2, 3] three successive test blocks",
    ),
    "cell": _Rule(str, choices=CELLS),
    "layers": _Rule(int, low=1),
    "units": _Rule(int, low=1),
    "activation": _Rule(str, choices=ACTIVATIONS, sequence=True),
    "dropout": _Rule(float, low=0, high=1, high_open=True),
    "recurrent_dropout": _Rule(float, low=0, high=1, high_open=True),
    "l2": _Rule(float, low=0),
    "l2_bias": _Rule(float, low=0),
    "l2_recurrent": _Rule(float, low=0),
    "kernel_initializer": _Rule(str, choices=INITIALIZERS),
    "bias_initializer": _Rule(str, choices=INITIALIZERS),
    "linear_skip": _Rule(bool),
    "statistical_inputs": _Rule(
        bool, hint="true: the network also reads ETS, Theta, MSTL and ARIMA's forecasts of its targets from each window's origin"
    ),
    "skip_path": _Rule(
        str,
        choices=SKIP_PATHS,
        hint="ridge: a ridge on all the network's inputs; best_statistical: the statistical forecast best on the train windows",
    ),
    "recurrent_steps": _Rule(int, low=0, hint="how many of the window's last steps the recurrent or dense layers read; 0 = all"),
    "members": _Rule(int, low=1, hint="networks trained side by side from seeds seed, seed+1, ...; the forecast is their mean"),
    "loss": _Rule(str, choices=LOSSES),
    "lr": _Rule(float, low=0, low_open=True),
    "clipnorm": _Rule(float, low=0, hint="0 turns gradient clipping off"),
    "reduce_lr_patience": _Rule(int, low=0, hint="0 turns the schedule off"),
    "epochs": _Rule(int, low=1),
    "steps_per_epoch": _Rule(
        int, low=0, hint="batches per epoch, each epoch the next ones of its fresh orders; 0 = every training window once"
    ),
    "batch_size": _Rule(int, low=1),
    "patience": _Rule(int, low=1),
    "season": _Rule(
        int,
        low=1,
        auto=True,
        hint="steps per seasonal cycle, or 'auto' for the spacing's own: 48 half-hourly, 7 daily, 12 monthly",
    ),
    "ridge_alpha": _Rule(
        float,
        low=0,
        auto=True,
        hint="the ridge penalty, or 'auto' to choose it by cross-validation in time order on the train windows",
    ),
    "interval_levels": _Rule(
        float, low=0, high=1, low_open=True, high_open=True, sequence=True, hint="coverage levels as fractions, e.g. [0.8, 0.95]"
    ),
    "engine": _Rule(
        str,
        choices=ENGINES,
        hint="where the statistical baselines of many series are fit: local (here) or dask (a Dask cluster)",
    ),
    "dask_address": _Rule(
        str,
        nullable=True,
        nonempty=True,
        hint="the Dask scheduler for engine: dask, e.g. tcp://10.0.0.5:8786; null starts a LocalCluster on 127.0.0.1",
    ),
    "forecast_refit": _Rule(
        bool,
        hint="true refits every model on every row before the forecast (an error no backtest measured); "
        "false forecasts with the backtest's own models",
    ),
}


def _nearest(key: str) -> str:
    if key in ALIASES:
        return f"; did you mean '{ALIASES[key]}'?"
    close = difflib.get_close_matches(key, RULES, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(RULES)}"


def _coerce_scalar(key: str, value: Any, rule: _Rule) -> Any:
    where = f"param '{key}'"
    if rule.kind is bool:
        if isinstance(value, bool):
            return value
        raise ParamError(f"{where} must be true or false, got {value!r}")
    if rule.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            whole = f"a whole number{' or auto' if rule.auto else ''}"
            raise ParamError(f"{where} must be {whole}, got {value!r}{_text_hint(value)}")
        return value
    if rule.kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamError(f"{where} must be a number{' or auto' if rule.auto else ''}, got {value!r}{_text_hint(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise ParamError(f"{where} must be finite, got {value!r}")
        return value
    if not isinstance(value, str):
        raise ParamError(f"{where} must be text, got {value!r}")
    if rule.nonempty and not value:
        raise ParamError(f"{where} is empty")
    if rule.choices is not None and value not in rule.choices:
        close = difflib.get_close_matches(value, rule.choices, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ParamError(f"{where} is {value!r}; choose one of {', '.join(rule.choices)}{hint}")
    return value


def _text_hint(value: Any) -> str:
    """Why text was read where a number was meant: params.yaml is read as DVC reads it (YAML 1.2)."""
    if not isinstance(value, str):
        return ""
    if re.fullmatch(r"\d+(:\d+)+", value.strip()):
        return f" (DVC reads {value} as text, not as a count of minutes or seconds: write the number itself)"
    try:
        float(value)
    except ValueError:
        return ""
    return f" (a number in quotes is text: write {value} without quotes)"


def _check_range(key: str, value: float, rule: _Rule) -> None:
    if rule.low is not None and (value < rule.low or (rule.low_open and value == rule.low)):
        op = ">" if rule.low_open else ">="
        raise ParamError(f"param '{key}' is {value}; it must be {op} {rule.low}")
    if rule.high is not None and (value > rule.high or (rule.high_open and value == rule.high)):
        op = "<" if rule.high_open else "<="
        raise ParamError(f"param '{key}' is {value}; it must be {op} {rule.high}")


def _coerce(key: str, value: Any) -> Any:
    rule = RULES[key]
    try:
        return _coerce_with(key, value, rule)
    except ParamError as err:
        raise ParamError(f"{err} ({rule.hint})" if rule.hint else str(err)) from None


def _coerce_with(key: str, value: Any, rule: _Rule) -> Any:
    if rule.sequence:
        if value is None and key in ("covariates", "known_covariates", "known_covariates_forecast"):
            items = []
        else:
            items = value if isinstance(value, list) else [value]
        if key in ("activation", "interval_levels", "folds") and not items:
            raise ParamError(f"param '{key}' needs at least one value")
        values = tuple(_coerce_scalar(key, item, rule) for item in items)
        if rule.kind in (int, float):
            for value in values:
                _check_range(key, value, rule)
        if key == "interval_levels" and len(set(values)) != len(values):
            raise ParamError(f"param '{key}' lists a value twice: {list(values)}")
        return values
    if rule.auto and value == "auto":
        return value
    if rule.nullable and value is None:
        return None
    value = _coerce_scalar(key, value, rule)
    if rule.kind in (int, float):
        _check_range(key, value, rule)
    return value


SEED_LIMIT = 2**32 - 1  # numpy and TensorFlow take seeds up to this


def _check_together(params: Params) -> None:
    if params.thousands and params.thousands == params.decimal:
        raise ParamError(f"params 'thousands' and 'decimal' are both {params.decimal!r}; a number needs two different marks")
    if params.seed + params.members - 1 > SEED_LIMIT:
        raise ParamError(
            f"param 'seed' is {params.seed}; with {params.members} members the seeds run to "
            f"{params.seed + params.members - 1}, above {SEED_LIMIT}: use a smaller seed"
        )
    total = params.train_frac + params.valid_frac + params.test_frac
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ParamError(f"params 'train_frac' + 'valid_frac' + 'test_frac' sum to {total:g}; they must sum to 1")
    if params.level_norm and not params.id_column:
        raise ParamError(
            "param 'level_norm' is true, which is read for many series (param 'id_column') only so far: the forecast past "
            "the last row of one series does not read it yet; set it to false"
        )
    if params.id_embedding and not params.id_column:
        raise ParamError(
            f"param 'id_embedding' is {params.id_embedding}: a series' id is learned only where a file holds many series "
            "(param 'id_column'); set it to 0"
        )
    if (params.valid_steps is None) != (params.test_steps is None):
        given, other = ("valid_steps", "test_steps") if params.test_steps is None else ("test_steps", "valid_steps")
        raise ParamError(
            f"param '{given}' is set but '{other}' is null; set both (blocks by steps from each series' end) or neither "
            "(blocks by the '*_frac' params)"
        )
    if list(params.folds) != list(range(1, len(params.folds) + 1)):
        raise ParamError(
            f"param 'folds' is {list(params.folds)}; list the folds from the last test block back: "
            f"[1], [1, 2], [1, 2, 3], ... (dvc.yaml runs each fold's stages once per item)"
        )
    if len(params.activation) not in (1, params.layers):
        raise ParamError(
            f"param 'activation' lists {len(params.activation)} names for {params.layers} layers; "
            "give one name for all layers or one per layer"
        )
    if params.cell == "mlp" and (params.recurrent_dropout or params.l2_recurrent):
        name = "recurrent_dropout" if params.recurrent_dropout else "l2_recurrent"
        raise ParamError(
            f"param '{name}' is {getattr(params, name)}, but 'cell' is mlp, whose dense layers have no recurrent "
            f"kernel; set '{name}: 0', or use 'dropout' and 'l2'"
        )
    if params.window != "auto" and params.recurrent_steps > params.window:
        raise ParamError(
            f"param 'recurrent_steps' is {params.recurrent_steps}, more than 'window' ({params.window}); "
            "use at most the window, or 0 for all of it"
        )
    if params.skip_path == "best_statistical" and not (params.statistical_inputs and params.linear_skip):
        raise ParamError(
            "param 'skip_path' is best_statistical, which needs 'statistical_inputs: true' and 'linear_skip: true' "
            f"(now {str(params.statistical_inputs).lower()} and {str(params.linear_skip).lower()})"
        )
    if params.target_column in params.covariates:
        raise ParamError(
            f"param 'covariates' lists the target column '{params.target_column}'; its past values are always an input already"
        )
    for key in ("covariates", "known_covariates", "known_covariates_forecast"):
        listed = getattr(params, key)
        if len(set(listed)) != len(listed):
            raise ParamError(f"param '{key}' lists a column twice: {list(listed)}")
    _check_known(params)


def _check_known(params: Params) -> None:
    """A known covariate is read at the target times: never the target, never also a past-only input."""
    if params.target_column in params.known_covariates:
        raise ParamError(
            f"param 'known_covariates' lists the target column '{params.target_column}'; "
            "its value at a target time is what is forecast, not known"
        )
    both = [name for name in params.known_covariates if name in params.covariates]
    if both:
        raise ParamError(
            f"column '{both[0]}' is in both 'covariates' (past values only) and 'known_covariates' (values at the "
            "target times); list it in one of them"
        )
    stray = [name for name in params.known_covariates_forecast if name not in params.known_covariates]
    if stray:
        raise ParamError(
            f"param 'known_covariates_forecast' lists '{stray[0]}', which is not in 'known_covariates' "
            f"({list(params.known_covariates)}); it names which known covariates are only forecast in production"
        )


def parse_params(raw: Any, source: str = str(PARAMS_FILE)) -> Params:
    """Turn the mapping read from params.yaml into validated, typed :class:`Params`."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamError(f"{source} must be a mapping of keys to values, got {type(raw).__name__}")
    unknown = [key for key in raw if key not in RULES]
    if unknown:
        key = unknown[0]
        raise ParamError(f"{source}: unknown param '{key}'{_nearest(str(key))}")
    values = {key: _coerce(key, value) for key, value in raw.items()}
    params = Params(**values)
    _check_together(params)
    return params


def read_yaml(text: str, source: str) -> Any:
    """The data in YAML text, read by the loader DVC reads params.yaml with (dvc.utils.serialize.parse_yaml)."""
    try:
        return YAML(typ="safe", pure=True).load(text)  # plain data only
    except DuplicateKeyError as err:
        key = re.search(r'duplicate key "(.*?)"', err.problem or "")
        name = key.group(1) if key else "?"
        raise ParamError(f"{source}: param '{name}' is given twice (line {err.problem_mark.line + 1}); keep one") from None
    except YAMLError as err:
        raise ParamError(f"{source} is not valid YAML: {' '.join(str(err).split())}") from err


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read params.yaml as DVC does (ruamel.yaml's safe loader, YAML 1.2; UTF-8, no duplicate keys) and validate it.

    The pipeline's view of the params must never differ from DVC's: a value reads as DVC reads it
    (1e-4 is a number; 2:00, yes and on are text), and a file DVC refuses is refused here.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as err:
        raise ParamError(f"{path} not found: run from the project root") from err
    except UnicodeDecodeError as err:
        raise ParamError(f"{path} is not UTF-8 (byte {err.start}); save it as UTF-8") from err
    raw = read_yaml(text, str(path))
    if raw is None:
        raise ParamError(f"{path} is empty; it must set the params (see the committed params.yaml)")
    return parse_params(raw, source=str(path))


def as_dict(params: Params) -> dict[str, Any]:
    """Plain JSON-ready mapping, for writing the effective params next to a model."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in dataclasses.asdict(params).items()}
