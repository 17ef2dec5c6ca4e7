"""Failed sign-ins are throttled per account and per network address (CKAN 2.11 has no
throttling of its own).

Failures are counted in Redis for the lockout period (ckanext.datong.login.*). Once an
account or an address reaches its limit, every further sign-in attempt on it is refused with
a Chinese message and HTTP 429 — whatever the password — until the period ends, so a
password cannot be guessed by trying many. A successful sign-in clears its account's count.
The address is the connection's, or behind a reverse proxy the header the proxy sets
(ckanext.datong.login.address_header)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.authenticator import default_authenticate
from ckan.lib.redis import connect_to_redis
from flask import Response, request

from ckanext.datong import config as datong_config

LOCKED_MESSAGE = "登录失败次数过多，为保护账号安全，请 {} 分钟后再试；如忘记密码，请使用“忘记密码”重设。"
KEY = "datong:signin:{}:{}"


def client_address() -> str:
    """The client's network address (behind a proxy, from the configured header)."""
    header = datong_config.login_address_header()
    address = request.headers.get(header) if header else request.remote_addr
    return (address or "unknown").strip()


def _keys(login: str) -> list[tuple[str, int]]:
    """Redis keys counting the failures of this attempt, with their limits."""
    return [(KEY.format("account", login.strip().lower()),
             datong_config.login_max_failures_per_account()),
            (KEY.format("address", client_address()),
             datong_config.login_max_failures_per_address())]


def locked(login: str) -> bool:
    """Whether the account or the address of this attempt has reached its limit."""
    redis = connect_to_redis()
    return any(int(redis.get(key) or 0) >= limit for key, limit in _keys(login))


def record_failure(login: str) -> None:
    redis = connect_to_redis()
    with redis.pipeline() as pipe:
        for key, _ in _keys(login):
            pipe.incr(key)
            pipe.expire(key, datong_config.login_lockout_seconds(), nx=True)
        pipe.execute()


def record_success(login: str) -> None:
    connect_to_redis().delete(_keys(login)[0][0])


def refusal() -> Optional[Response]:
    """IAuthenticator.login: the login page with the lockout message (429) when this sign-in
    attempt's account or address is locked; None lets CKAN go on."""
    if request.method != "POST":
        return None
    login = request.form.get("login") or ""
    if not locked(login):
        return None
    minutes = datong_config.login_lockout_seconds() // 60
    tk.h.flash_error(LOCKED_MESSAGE.format(minutes))
    return Response(tk.render("user/login.html", extra_vars={}), status=429)


def authenticate(identity: dict[str, Any]) -> Optional[model.User]:
    """IAuthenticator.authenticate: CKAN's own password check, counted (a locked attempt
    never gets here: `refusal` answers it first)."""
    login = str(identity.get("login") or "")
    user = default_authenticate(identity)
    if user is None:
        record_failure(login)
    else:
        record_success(login)
    return user if isinstance(user, model.User) else None
