"""Sharing notices reach people by e-mail through CKAN's mailer, to a real SMTP server (a local
aiosmtpd sink), only after the change is committed; the inbox keeps them either way."""
from __future__ import annotations

import email
import email.header
import email.policy
import socket
from typing import Any, Iterator

import pytest
import ckan.plugins.toolkit as tk
from aiosmtpd.controller import Controller

from tests.sharing.conftest import World, request_fields


class Sink:
    """Keeps every message delivered to it."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch) -> Iterator[Sink]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(tk.config, "smtp.server", f"127.0.0.1:{port}")
    try:
        yield sink
    finally:
        controller.stop()


def test_whoever_must_act_next_is_mailed(fresh: World, smtp: Sink) -> None:
    draft = fresh.call("county", "datong_request_create", **request_fields(fresh))
    fresh.call("county", "datong_request_submit", id=draft["id"])
    to_authority = list(smtp.messages)  # the authority's members (its creator, the sysadmin, too)
    assert fresh.users["authority"]["email"] in {m["To"].addresses[0].addr_spec for m in to_authority}
    assert all("待符合性审核" in m["Subject"] for m in to_authority)
    fresh.call("authority", "datong_request_check", id=draft["id"], outcome="pass")
    to_provider = smtp.messages[len(to_authority):]
    assert {fresh.users["owner"]["email"], "admin@mz.example"} <= {
        m["To"].addresses[0].addr_spec for m in to_provider}
    message = to_provider[0]
    assert "待审核" in message["Subject"] and draft["number"] in message["Subject"]
    body = message.get_body().get_content()
    assert "阳高县民政局" in body and f"/sharing/{draft['id']}" in body
    inbox = fresh.call("owner_admin", "datong_notice_list")
    assert inbox["unread"] == 1 and inbox["results"][0]["subject"] == message["Subject"]


def test_nothing_is_mailed_for_a_change_that_was_rolled_back(fresh: World, smtp: Sink) -> None:
    from ckan import model

    from ckanext.datong import access
    from ckanext.datong.sharing import workflow

    draft = fresh.call("county", "datong_request_create", **request_fields(fresh))
    fresh.call("county", "datong_request_submit", id=draft["id"])
    delivered = len(smtp.messages)
    reviewer = access.viewer(model.User.get(fresh.users["authority"]["id"]))
    workflow.apply(reviewer, draft["id"], "check_pass")  # notices queued, then the change undone
    model.Session.rollback()
    model.Session.commit()
    assert len(smtp.messages) == delivered
    assert fresh.call("owner_admin", "datong_notice_list")["unread"] == 0
