"""The model file, saved so that the same weights give the same bytes (and DVC sees no change)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras

from honest_forecast.io import atomic_path


def renumber_shared_objects(config: object, numbers: dict[int, int]) -> object:
    """Replace Keras's shared_object_id (a memory address) by 1, 2, ... in order of appearance."""
    if isinstance(config, dict):
        return {
            key: numbers.setdefault(value, len(numbers) + 1)
            if key == "shared_object_id"
            else renumber_shared_objects(value, numbers)
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [renumber_shared_objects(item, numbers) for item in config]
    return config


def save_model(model: keras.Model, path: Path) -> None:
    """Save atomically and byte-reproducibly: the same weights give the same file, so DVC sees no change.

    Keras stamps the save time into metadata.json and the zip entries, and memory addresses
    into config.json; all are pinned here.
    """
    with atomic_path(path) as pinned:
        saved = pinned.with_name(f"{pinned.stem}.unpinned.keras")
        try:
            model.save(saved)
            with zipfile.ZipFile(saved) as source, zipfile.ZipFile(pinned, "w", zipfile.ZIP_DEFLATED) as target:
                for name in sorted(source.namelist()):
                    data = source.read(name)
                    if name == "metadata.json":
                        metadata = json.loads(data)
                        metadata.pop("date_saved", None)
                        data = json.dumps(metadata, sort_keys=True).encode()
                    elif name == "config.json":
                        data = json.dumps(renumber_shared_objects(json.loads(data), {})).encode()
                    target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        finally:
            saved.unlink(missing_ok=True)
