"""Calling actions as the signed-in user, for the views: one context, one call, one check."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def context() -> dict[str, Any]:
    """An action context for the current user (anonymous: the empty name)."""
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def call(action: str, /, **data: Any) -> Any:
    """Run `action` as the current user."""
    return tk.get_action(action)(context(), data)


def may(action: str, /, **data: Any) -> bool:
    """Whether the current user passes `action`'s auth function."""
    try:
        tk.check_access(action, context(), data)
    except tk.NotAuthorized:
        return False
    return True
