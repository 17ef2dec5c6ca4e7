"""Template helpers of the harvest plugin."""
from __future__ import annotations

from typing import Any

from ckanext.datong.harvesters.base import origin

__all__ = ["datong_harvest_origin"]


def datong_harvest_origin(pkg_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The harvest origin of the dataset shown (base.origin), None when it was not harvested."""
    return origin(pkg_dict["id"]) if pkg_dict.get("id") else None
