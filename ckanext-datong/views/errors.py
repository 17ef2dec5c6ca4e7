"""Error pages CKAN leaves in English: a refused CSRF check (a forged or expired form)."""
from __future__ import annotations

from typing import Union

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify, request
from flask_wtf.csrf import CSRFError

datong_errors = Blueprint("datong_errors", __name__)

CSRF_MESSAGE = "请求未通过安全校验（表单已过期，或并非从本站页面提交）。请刷新页面后重新提交；未做任何修改。"


@datong_errors.app_errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> Union[tuple[str, int], Response]:
    """400 with a Chinese explanation; JSON for clients that ask for it."""
    if request.accept_mimetypes.best == "application/json":
        response = jsonify({"success": False, "error": {"__type": "CSRF Error", "message": CSRF_MESSAGE}})
        response.status_code = 400
        return response
    return tk.render("error_document_template.html", extra_vars={
        "code": 400, "name": "请求被拒绝", "content": CSRF_MESSAGE,
        "show_login_redirect_link": False,
    }), 400
