"""Error pages CKAN leaves in English or as a 500: a refused CSRF check (a forged or expired
form), and a page whose view lets an action's refusal or a crash on its input escape (e.g.
/dataset/changes_multiple without its parameters, /catalog.ttl?q= with an unpaired quote):
404, 403 or 400 with a Chinese message, a crash logged with its traceback and the
transaction rolled back."""
from __future__ import annotations

import logging
from typing import Union

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify, request
from flask_wtf.csrf import CSRFError

import ckan.model as model

from ckan.lib.search import SearchError, SearchQueryError

from ckanext.datong import access
from ckanext.datong.logic.guard import BAD_INPUT, BAD_INPUT_MESSAGE

log = logging.getLogger(__name__)

datong_errors = Blueprint("datong_errors", __name__)

CSRF_MESSAGE = "请求未通过安全校验（表单已过期，或并非从本站页面提交）。请刷新页面后重新提交；未做任何修改。"


@datong_errors.app_errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> Union[tuple[str, int], Response]:
    """400 with a Chinese explanation; JSON for clients that ask for it."""
    if request.accept_mimetypes.best == "application/json":
        response = jsonify({"success": False, "error": {"__type": "CSRF Error", "message": CSRF_MESSAGE}})
        response.status_code = 400
        return response
    return _error_page(400, "请求被拒绝", CSRF_MESSAGE)


def _error_page(code: int, name: str, message: str) -> tuple[str, int]:
    return tk.render("error_document_template.html", extra_vars={
        "code": code, "name": name, "content": message, "show_login_redirect_link": False,
    }), code


@datong_errors.app_errorhandler(tk.ObjectNotFound)
def not_found(error: Exception) -> tuple[str, int]:
    return _error_page(404, "未找到", access.NOT_FOUND_MESSAGE)


@datong_errors.app_errorhandler(tk.NotAuthorized)
def not_authorized(error: Exception) -> tuple[str, int]:
    return _error_page(403, "无权访问", str(getattr(error, "message", "") or "") or "您无权访问该页面")


@datong_errors.app_errorhandler(tk.ValidationError)
def invalid(error: Exception) -> tuple[str, int]:
    return _error_page(400, "请求有误", BAD_INPUT_MESSAGE)


QUERY_MESSAGE = "检索条件无效（例如引号或括号未配对）：请修改检索词后重试"


@datong_errors.app_errorhandler(SearchQueryError)
@datong_errors.app_errorhandler(SearchError)
def bad_query(error: Exception) -> tuple[str, int]:
    """A search query the engine cannot parse, escaped from a page (e.g. /catalog.ttl?q=)."""
    return _error_page(400, "检索条件无效", QUERY_MESSAGE)


def bad_input(error: Exception) -> tuple[str, int]:
    log.exception("page %s crashed on its input", request.path)
    model.Session.rollback()
    return _error_page(400, "请求有误", BAD_INPUT_MESSAGE)


for _kind in BAD_INPUT:
    datong_errors.app_errorhandler(_kind)(bad_input)
