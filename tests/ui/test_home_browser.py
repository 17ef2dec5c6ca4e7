"""The home page and a county's page in a real browser, on a desktop and on a phone: the
domain tiles count only what the visitor may see and lead to the filtered search, the newest
list, the keyboard reaches the skip link and the search box with a visible focus, and nothing
in the header overlaps at 360 and 390 px. Screenshots are kept as test artifacts
(tests.live.ARTIFACTS: $DATONG_TEST_ARTIFACTS, by default the git-ignored var/test-artifacts/)."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from ckan.tests import helpers

from tests.live import screenshot, serving_ckan

SUBTITLE = "大同市公共数据目录、开放与共享"  # long enough to reach the menu button on a phone
HEADER_PARTS = (".datong-site-title a", ".datong-site-description", ".navbar-toggler",
                ".account-masthead .account")


@pytest.fixture(scope="module")
def live_server(catalog) -> Iterator[str]:
    """The UI catalog served, with a site subtitle as an administrator sets it (CKAN's config
    page), the one that ran under the menu button on a phone."""
    admin = {"user": catalog.sysadmin["name"]}
    before = helpers.call_action("config_option_show", context=admin, key="ckan.site_description")
    helpers.call_action("config_option_update", context=admin,
                        **{"ckan.site_description": SUBTITLE})
    try:
        with serving_ckan() as url:
            yield url
    finally:
        helpers.call_action("config_option_update", context=admin,
                            **{"ckan.site_description": before or ""})


def shoot(page, name: str) -> None:
    print(f"screenshot: {screenshot(page, 'home-' + name)}")


# The contrast of every rendered text of the page's landmarks with the colour behind it
# (WCAG 2 relative luminance; backgrounds composed up to the first opaque ancestor).
LOW_CONTRAST = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const over = (top, below) => ({r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a), b: top.b * top.a + below.b * (1 - top.a), a: 1});
  const luminance = ({r, g, b}) => { const f = v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const behind = element => { const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; } }
    return layers.reverse().reduce((below, layer) => over(layer, below), {r: 255, g: 255, b: 255, a: 1}); };
  const failures = [];
  for (const element of document.querySelectorAll('.account-masthead *, header *, [role=main] *, footer *')) {
    const text = [...element.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
    const box = element.getBoundingClientRect();
    if (!text || box.width <= 1 || box.height <= 1) continue;  // not shown (visually hidden)
    const background = behind(element);
    const [light, dark] = [luminance(over(parse(getComputedStyle(element).color), background)),
                           luminance(background)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) failures.push(`${element.tagName}.${element.className} ${text.slice(0, 20)}: ${ratio.toFixed(2)}`);
  }
  return failures;
}"""


def anonymous_search(**params: Any) -> dict[str, Any]:
    return helpers.call_action("package_search", context={"user": "", "ignore_auth": False},
                               include_private=True, **params)


def test_desktop_tiles_counts_tile_click_and_newest(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/")
    facets = anonymous_search(rows=0, **{"facet.field": ["industry_domain"]})
    counted = {item["name"]: item["count"]
               for item in facets["search_facets"]["industry_domain"]["items"]}
    tiles = page.locator("a.datong-domain")
    assert tiles.count() == 11
    shown = {tile.get_attribute("data-domain"):
             int(re.search(r"\d+", tile.locator(".datong-domain-count").inner_text()).group())
             for tile in tiles.all()}
    assert shown == {domain: counted.get(domain, 0) for domain in shown}
    assert shown["政务"] == 0  # building-permits (不予开放) is not counted for the public
    newest = page.locator("[data-list=newest] .datong-entry-list li > a").all_inner_texts()
    assert newest == [entry["title"] for entry in
                      anonymous_search(rows=6, sort="metadata_created desc")["results"]]
    assert page.evaluate(LOW_CONTRAST) == []
    shoot(page, "desktop")

    page.locator("a.datong-domain[data-domain=交通]").click()
    page.wait_for_url("**/dataset/?industry_domain=*")
    assert "industry_domain=%E4%BA%A4%E9%80%9A" in page.url
    titles = page.locator(".dataset-list .dataset-heading").all_inner_texts()
    assert sorted(t.strip() for t in titles) == ["大同市公交站点", "大同市公交线路"]


def test_keyboard_reaches_the_skip_link_then_the_search_box(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "跳到主要内容"
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0  # shown once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("id") == "datong-home-search"
    assert page.locator("label[for=datong-home-search]").inner_text() == "搜索数据目录"
    outline = focused.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline == "solid 3px"  # a visible focus ring
    focused.fill("公交")
    focused.press("Enter")
    page.wait_for_url("**/dataset/?q=*")


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("width", [360, 390])
def test_phone_header_has_no_overlap_and_the_page_no_sideways_scroll(live_server, browser, width):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        boxes = {selector: page.locator(selector).first.bounding_box() for selector in HEADER_PARTS}
        assert all(boxes.values()), boxes
        assert page.locator(".datong-site-description").inner_text() == SUBTITLE
        parts = list(boxes.items())
        for i, (first, a) in enumerate(parts):
            assert a["x"] >= 0 and a["x"] + a["width"] <= width, first
            for second, b in parts[i + 1:]:
                assert not overlaps(a, b), f"{first} overlaps {second} at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        tiles = page.locator("a.datong-domain").all()
        assert len({round(tile.bounding_box()["y"]) for tile in tiles[:3]}) == 1  # 3 a row
        shoot(page, f"phone-{width}")

        page.locator("[data-list=counties] a[data-organization=dt-pcq]").click()
        page.wait_for_url("**/organization/dt-pcq")
        assert page.locator(".datong-org-header h1").inner_text() == "平城区人民政府"
        assert page.locator(".datong-org-kind").inner_text() == "县区"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, f"county-{width}")
    finally:
        context.close()
