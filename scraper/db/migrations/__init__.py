"""Schema migrations, one module each (mNNNN_<what>.py with NAME and apply(db)), applied in name order.

Each source or feature adds its own module instead of editing a shared one; the applied names are
recorded in the `_migrations` table and `schema_version` is their count.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType


def discover() -> list[tuple[str, Callable]]:
    found: list[ModuleType] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append(importlib.import_module(f"{__name__}.{info.name}"))
    found.sort(key=lambda m: m.__name__)
    return [(m.__name__.rsplit(".", 1)[1], m.apply) for m in found]
