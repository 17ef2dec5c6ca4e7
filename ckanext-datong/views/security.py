"""Security headers on every answer of the portal.

The Content-Security-Policy allows only the portal's own scripts, styles, fonts, images and
connections (the portal works on a closed network and loads nothing from elsewhere, so
images linked from other sites, such as avatars, are not shown), no framing by other sites
and forms posting to the portal only. Inline <script> blocks are refused; inline event
handler attributes and style attributes are allowed, because CKAN 2.11's own templates use
them (the resource form's upload/link buttons: package/snippets/resource_upload_field.html). HSTS is sent when the portal is served
over https (the request is, or ckan.site_url says so behind a reverse proxy); the session cookies' Secure flag is CKAN's own setting (SESSION_COOKIE_SECURE,
REMEMBER_COOKIE_SECURE: see docker/production.ini)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

datong_security = Blueprint("datong_security", __name__)

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "script-src-attr 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


@datong_security.after_app_request
def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure or tk.config.get("ckan.site_url", "").startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
