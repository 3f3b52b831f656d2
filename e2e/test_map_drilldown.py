"""The city's command room in real Chromium: the 衢州市 analyst opens the figures, clicks 江山市 on the county
map (a real click on the map's canvas), lands on Jiangshan's figures with its townships ranked, goes down
to a township from the ranked list and exports a table (the file is read back)."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Browser, expect

from suyuan.demo.services import DEMO_PASSWORD

LAPTOP = {"width": 1280, "height": 900}
JIANGSHAN = "330881"

# Where on the map's canvas a county lies: the mean of its outline's points (from the map's own geo file),
# turned into canvas pixels by the chart itself, checked to fall inside that county's shape.
COUNTY_PIXEL = """([el, code]) => {
  const chart = echarts.getInstanceByDom(el);
  if (!chart) return null;
  const option = chart.getOption();
  const mapName = option.series[0].map;
  const geo = echarts.getMap(mapName).geoJSON || echarts.getMap(mapName).geoJson;
  const feature = geo.features.find((f) => String(f.properties.code) === code);
  if (!feature) return null;
  const polygons = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  const ring = polygons.map((p) => p[0]).sort((a, b) => b.length - a.length)[0];
  const inside = (x, y) => {
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  };
  let x = ring.reduce((s, p) => s + p[0], 0) / ring.length;
  let y = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  if (!inside(x, y)) {
    // A concave outline: take the middle of the widest run inside it along the centre's latitude.
    const xs = ring.map((p) => p[0]);
    const lo = Math.min(...xs), hi = Math.max(...xs);
    let best = null, start = null;
    for (let k = 0; k <= 400; k++) {
      const px = lo + ((hi - lo) * k) / 400;
      if (inside(px, y)) { if (start === null) start = px; }
      else if (start !== null) { if (!best || px - start > best[1] - best[0]) best = [start, px]; start = null; }
    }
    if (best) x = (best[0] + best[1]) / 2;
  }
  const pixel = chart.convertToPixel({ seriesIndex: 0 }, [x, y]);
  const box = el.querySelector("canvas").getBoundingClientRect();
  return { x: box.left + pixel[0], y: box.top + pixel[1] };
}"""


def test_city_analyst_clicks_a_county_on_the_map_and_drills_down(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, viewport=LAPTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill("demo.city_analyst")
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()

    page.goto("/staff/figures/")
    expect(page.get_by_test_id("figures-crumbs")).to_contain_text("衢州市")
    county_map = page.get_by_test_id("figures-map")
    expect(county_map.locator("canvas")).to_be_visible()
    # The chart draws once its geo file is loaded: wait until it knows the counties.
    page.wait_for_function(
        "el => { const c = echarts.getInstanceByDom(el); return !!(c && c.getOption().series[0].map"
        " && echarts.getMap(c.getOption().series[0].map)); }",
        arg=county_map.element_handle(),
    )
    county_map.scroll_into_view_if_needed()
    point = page.evaluate(COUNTY_PIXEL, [county_map.element_handle(), JIANGSHAN])
    assert point is not None, "江山市 is not on the map"
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])

    expect(page).to_have_url(re.compile(rf"region={JIANGSHAN}\b"))
    expect(page.get_by_test_id("figures-crumbs")).to_contain_text("江山市")
    # Jiangshan's townships, ranked by matters received (most first), each a link down.
    places = page.get_by_test_id("table-places")
    expect(places.get_by_test_id("place-link").first).to_be_visible()
    rows = places.locator("tbody tr")
    received = [int(rows.nth(i).locator("td").nth(2).inner_text()) for i in range(rows.count())]
    assert len(received) >= 10 and received == sorted(received, reverse=True) and received[0] > 0
    second = places.get_by_test_id("place-link").nth(1)
    township = second.inner_text()
    second.click()
    expect(page).to_have_url(re.compile(rf"region={JIANGSHAN}\d{{3}}\b"))
    expect(page.get_by_test_id("figures-crumbs")).to_contain_text(township)
    expect(page.get_by_test_id("figures-crumbs")).to_contain_text("江山市")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-funnel-csv").click()
    download = download_info.value
    code = re.search(r"region=(\d{9})", page.url)
    assert code is not None and code.group(1) in download.suggested_filename
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - a temporary file
    rows_csv = list(csv.reader(io.StringIO(text)))
    assert rows_csv[1] == ["环节", "事项", "占比"]
    mediated = next(row for row in rows_csv if row and row[0] == "调解")
    assert int(mediated[1]) > 0
    context.close()
