"""The registration pages over HTTP with CKAN's test app: the public notice, register,
certificate (HTML and PDF, its text extracted with pypdf) and verification pages without an
account; what a certificate tells about a hidden entry; the application form and its Chinese
messages; a record taken through its steps with the page's forms."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import helpers
from pypdf import PdfReader

from tests.registration.conftest import HIDDEN_TITLE, World, end_notice, fields, issued, to_notice

PUBLIC = ["/registration/", "/registration/register", "/registration/verify"]
SIGNED_IN = ["/registration/mine", "/registration/queue", "/registration/new"]


@pytest.fixture(scope="module")
def client(world: World) -> Any:
    return helpers._get_test_app().test_client()


def get(client: Any, world: World, role: str, path: str, status: int = 200, **params: Any
        ) -> BeautifulSoup:
    response = client.get(path, headers=world.headers(role), query_string=params,
                          follow_redirects=False)
    assert response.status_code == status, (path, response.status_code)
    return BeautifulSoup(response.body, "html.parser")


def post(client: Any, world: World, role: str, path: str, data: Any, status: int = 302) -> Any:
    response = client.post(path, headers=world.headers(role), data=data, follow_redirects=False)
    assert response.status_code == status, (path, response.status_code)
    return response


def text(soup: BeautifulSoup) -> str:
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_need_no_account(client, world, path):
    page = get(client, world, "anonymous", path)
    assert page.select_one(".datong-registration-tabs")


@pytest.mark.parametrize("path", SIGNED_IN)
def test_visitors_are_sent_to_sign_in(client, world, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_only_government_staff_apply_and_only_the_authority_has_the_queue(client, world):
    get(client, world, "citizen", "/registration/new", status=403)
    get(client, world, "owner", "/registration/queue", status=403)
    assert get(client, world, "authority", "/registration/queue").select_one("h1")
    tabs = [a.get_text() for a in get(client, world, "owner", "/registration/").select(
        ".datong-registration-tabs a")]
    assert tabs == ["登记公示", "登记簿", "证书校验", "我的登记"]


def test_the_header_links_the_registration_pages(client, world):
    page = get(client, world, "anonymous", "/")
    assert any(a.get_text() == "数据资产登记" and a["href"] == "/registration/"
               for a in page.select("a[href]"))


def _form(world: World, **overrides: Any) -> dict[str, str]:
    return {key: str(value) for key, value in fields(world.entries["bus"]["id"],
                                                     **overrides).items()}


def test_the_form_says_the_registration_is_public_and_shows_errors_in_chinese(client, fresh):
    page = get(client, fresh, "owner", "/registration/new")
    assert "数据资产登记是公开信息" in page.select_one(".datong-public-notice").get_text()
    options = [o.get_text() for o in page.select("#field-package_id option")]
    assert "大同市交通运输局：公交刷卡客流" in options
    assert not page.select("script[src*='registration']")
    failed = BeautifulSoup(post(client, fresh, "owner", "/registration/new",
                                _form(fresh, name="", valid_until="2020-13-01"), 200).body,
                           "html.parser")
    errors = failed.select_one(".error-explanation").get_text()
    assert "请填写登记名称" in errors and "有效期截止日期应为日期" in errors
    assert failed.select_one("#field-summary").get_text() == fields("x")["summary"]


def test_a_record_goes_through_its_steps_on_its_page(client, fresh):
    response = post(client, fresh, "owner", "/registration/new", _form(fresh))
    record_id = response.headers["Location"].rsplit("/", 1)[1]
    page = get(client, fresh, "authority", f"/registration/{record_id}")
    assert [f["data-step"] for f in page.select(".datong-step")] == ["accept", "not_accept"]
    refused = BeautifulSoup(post(client, fresh, "authority", f"/registration/{record_id}/act",
                                 {"transition": "not_accept", "reason": ""}, 200).body,
                            "html.parser")
    assert "不予受理必须填写理由" in refused.select_one(".error-explanation").get_text()
    post(client, fresh, "authority", f"/registration/{record_id}/act", {"transition": "accept"})
    post(client, fresh, "authority", f"/registration/{record_id}/act",
         {"transition": "review_pass"})
    notice = get(client, fresh, "anonymous", "/registration/")
    row = notice.select_one("table.datong-registrations tbody tr")
    assert "大同市公交刷卡客流数据资源" in row.get_text() and "年" in row.select("td")[-1].get_text()
    post(client, fresh, "citizen", f"/registration/{record_id}/act",
         {"transition": "object", "reason": "权属不清"})
    page = get(client, fresh, "authority", f"/registration/{record_id}")
    assert [f["data-step"] for f in page.select(".datong-objections .datong-step")] == [
        "uphold", "dismiss"]
    objection = page.select_one(".datong-objections input[name=objection_id]")["value"]
    post(client, fresh, "authority", f"/registration/{record_id}/act",
         {"transition": "dismiss", "objection_id": objection, "reason": "权属清晰"})
    end_notice(record_id)
    post(client, fresh, "authority", f"/registration/{record_id}/act", {"transition": "issue"})
    page = get(client, fresh, "owner", f"/registration/{record_id}")
    assert page.select_one(".datong-state").get_text() == "已赋码"
    events = [td.get_text() for td in page.select(".datong-registration-history tbody td:nth-of-type(3)")]
    assert events == ["提交登记申请", "受理", "形式审核通过，进入公示", "提出异议", "异议不成立", "赋码"]


def test_the_certificate_page_pdf_and_verification(client, fresh):
    record = issued(fresh, fresh.entries["bus"]["id"])
    code = record["code"]
    page = get(client, fresh, "anonymous", f"/registration/certificate/{code}")
    shown = text(page)
    assert code in shown and "大同市公交刷卡客流数据资源" in shown and "公交刷卡客流" in shown
    head = page.select_one(".datong-certificate td.datong-hash").get_text()
    assert re.fullmatch(r"[0-9a-f]{64}", head)
    response = client.get(f"/registration/certificate/{code}/pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    flat = re.sub(r"\s+", "", pdf)
    for expected in ("数据资产登记证书", "登记编号", code, "登记名称", "大同市公交刷卡客流数据资源",
                     "数据资源持有权人", "当前版本哈希", head, "赋码"):
        assert expected in flat, expected
    verify = get(client, fresh, "anonymous", "/registration/verify", code=code)
    assert verify.select_one("[data-ok]")["data-ok"] == "true"
    assert "未被篡改" in verify.select_one(".datong-verify-record").get_text()
    model.Session.execute(sa.text(
        "UPDATE datong_registration_version SET reason = '改' WHERE registration_id = :id "
        "AND record_seq = 1"), {"id": record["id"]})
    model.Session.commit()
    verify = get(client, fresh, "anonymous", "/registration/verify", code=code)
    assert verify.select_one("[data-ok]")["data-ok"] == "false"
    assert f"登记{code}第1版" in verify.select_one(".datong-verify-record").get_text()
    get(client, fresh, "anonymous", "/registration/certificate/DTZC-1999-000001", status=404)


def test_a_certificate_names_a_hidden_entry_only_to_those_who_may_see_it(client, fresh):
    hidden = fresh.entries["hidden"]
    record = issued(fresh, hidden["id"], name="企业用电数据资源")
    code = record["code"]
    for role in ("anonymous", "citizen", "county", "other_dept"):
        page = get(client, fresh, role, f"/registration/certificate/{code}")
        body = page.decode()
        assert HIDDEN_TITLE not in body and hidden["resource_code"] not in body, role
        assert hidden["id"] not in body and hidden["name"] not in body, role
        assert "关联的数据目录不对公众公开" in text(page) and "企业用电数据资源" in text(page)
        pdf = client.get(f"/registration/certificate/{code}/pdf", headers=fresh.headers(role)).data
        extracted = re.sub(r"\s+", "", "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
        assert HIDDEN_TITLE not in extracted and hidden["resource_code"] not in extracted
        shown = fresh.call(role, "datong_registration_show", id=code)
        assert "package_id" not in shown["content"] and shown["entry"] is None
        assert HIDDEN_TITLE not in str(shown) and hidden["resource_code"] not in str(shown)
    owner = text(get(client, fresh, "owner", f"/registration/certificate/{code}"))
    assert HIDDEN_TITLE in owner and hidden["resource_code"] in owner


def test_a_record_not_yet_public_is_not_found(client, fresh):
    record = fresh.call("owner", "datong_registration_create", **fields(fresh.entries["bus"]["id"]))
    for role in ("anonymous", "citizen", "county"):
        get(client, fresh, role, f"/registration/{record['id']}", status=404)
    get(client, fresh, "owner", f"/registration/{record['id']}")
    notice = to_notice(fresh, fresh.entries["taxi"]["id"])
    get(client, fresh, "anonymous", f"/registration/{notice['id']}")


def test_the_forms_of_later_steps_open_only_in_their_state(client, fresh):
    record = issued(fresh, fresh.entries["bus"]["id"])
    page = get(client, fresh, "owner", f"/registration/{record['id']}/edit", status=403)
    assert "该登记当前为“已赋码”，不能补正后重新提交" in text(page)
    form = get(client, fresh, "owner", f"/registration/{record['id']}/change")
    assert form.select_one("#field-name")["value"] == "大同市公交刷卡客流数据资源"
    get(client, fresh, "other_editor", f"/registration/{record['id']}/change", status=403)
    response = post(client, fresh, "owner", f"/registration/{record['id']}/change",
                    {**_form(fresh, scale="约1300万条记录"), "reg_type": "correction",
                     "reason": "规模有误"})
    page = get(client, fresh, "owner", response.headers["Location"])
    assert page.select_one(".datong-state").get_text() == "变更审核中"
    assert "约1300万条记录" in page.select_one(".datong-registration-pending").get_text()
