"""The leaders' dashboard on a 360-px phone and on a desktop, and with the keyboard only.

A city with some months of work in it (entered through the services, as bureaus would) is
shown to a city leader. On both screens: the page never scrolls sideways (wide tables scroll
inside their own box), every chart is drawn, the browser reports no error, and a full-page
screenshot is kept as a CI artefact (tests/artifacts/dashboard-360.png, dashboard-desktop.png).
"""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from projects import lifecycle
from projects import services as project_services
from projects.choices import Role, Stage
from supervision import services as problem_services
from supervision.choices import ProblemCategory
from tests.fixtures.browser import assert_no_browser_errors, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DAY = datetime.timedelta(days=1)
NAV_LINKS = ("/", "/projects/", "/problems/", "/bulletins/")
LANGUAGES = ("zh-hans", "en")


def months_back(today: datetime.date, n: int) -> datetime.date:
    """The first day of the month ``n`` months before today's."""
    year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
    return datetime.date(year, month + 1, 1)


@pytest.fixture
def city(regions, industry, enterprise, make_user, responsible_unit, today):
    """Projects at every stage in four counties, targets, a year and more of monthly
    investment (this year's and last year's, for the trend chart) and an overdue problem."""
    staff = {}
    for code in ("441202", "441203", "441204", "441284"):
        staff[code] = make_user(Role.COUNTY_STAFF, region=regions[code], username=f"staff-{code}")
    # The city admin sets targets and assigns the problem (a city leader only sends back).
    admin = make_user(Role.CITY_ADMIN, username="city-admin")
    plan = [
        # region, name, planned yuan, stages reached after signing
        ("441202", "年产5万吨新型铝合金型材项目", "1500000000", 3),
        ("441202", "新能源汽车零部件智能制造基地", "800000000", 1),
        ("441203", "高端电子元器件生产线扩建项目", "2600000000", 4),
        ("441203", "生物医药产业园（一期）", "450000000", 0),
        ("441204", "精密五金制品生产项目", "300000000", 2),
        ("441284", "绿色建材产业化示范项目", "1200000000", 5),
    ]
    stages = [Stage.LAND_SUPPLIED, Stage.STARTED, Stage.COMPLETED, Stage.IN_PRODUCTION, Stage.ABOVE_SCALE]
    projects = []
    for i, (code, name, planned, reached) in enumerate(plan):
        by = staff[code]
        signed_on = today - (400 - 10 * i) * DAY
        project = project_services.project_create(
            by=by,
            name=name,
            enterprise=enterprise,
            region=regions[code],
            industry=industry,
            signed_on=signed_on,
            planned_investment=Decimal(planned),
        )
        for step, stage in enumerate(stages[:reached]):
            # Spread over the last months; the last step of each project falls in this year.
            on = max(signed_on, today - (60 * (reached - step) - 30) * DAY, today - 300 * DAY)
            on = min(on, today)
            project = lifecycle.advance(project=project, stage=stage, on=on, by=by)
        for n in range(14):
            month = months_back(today, n)
            if month >= signed_on.replace(day=1):
                project_services.investment_report(
                    project=project, month=month, amount=Decimal(3_000_000 + 750_000 * ((i + n) % 5)), by=by
                )
        projects.append(project)
    for code in ("441202", "441203", "441204", "441284", "441223"):
        project_services.target_set(
            region=regions[code],
            year=today.year,
            investment=Decimal("600000000"),
            investment_h1=Decimal("300000000"),
            by=admin,
        )
    problem = problem_services.problem_raise(
        project=projects[0],
        category=ProblemCategory.UTILITIES,
        description="厂区双回路供电线路迁改滞后",
        by=staff["441202"],
        raised_on=today - 30 * DAY,
    )
    problem_services.problem_assign(
        problem=problem, unit=responsible_unit, due_on=today - 10 * DAY, by=admin, on=today - 29 * DAY
    )
    return projects


@pytest.fixture
def leader(browser_user, city):
    return browser_user(Role.CITY_LEADER, username="huangming", name="黄明")


def offenders(page) -> list[str]:
    """Elements reaching past the right edge of the window: what makes the page scroll sideways."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("body *"))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => !e.closest(".table-wrap") || e.classList.contains("table-wrap"))
            .slice(0, 10)
            .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} `
                     + `right=${Math.round(e.getBoundingClientRect().right)}`)"""
    )


@pytest.mark.parametrize(
    "viewport, shot",
    [
        ({"width": 360, "height": 740}, "dashboard-360.png"),
        ({"width": 1366, "height": 900}, "dashboard-desktop.png"),
    ],
    ids=["phone-360", "desktop-1366"],
)
def test_dashboard_fits_the_screen_with_its_charts(
    open_page, leader, browser_errors, artifacts, viewport, shot
):
    page = open_page(viewport=viewport)
    sign_in(page, leader)
    expect(page.locator("table.ranking tbody tr")).not_to_have_count(0)

    charts = page.locator("main .chart[data-chart]")
    expect(charts).not_to_have_count(0)
    for i in range(charts.count()):
        chart = charts.nth(i)
        kind = chart.get_attribute("data-chart")
        # ECharts draws into a <canvas> or an <svg> it creates inside the container.
        expect(chart.locator("canvas, svg").first, f"chart {kind!r} was not drawn").to_be_attached()
        expect(chart, f"chart {kind!r} is not shown").to_be_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, f"chart {kind!r} is too small: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, (
            f"chart {kind!r} sticks out of the {viewport['width']}-px screen: {box}"
        )

    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"the page scrolls sideways at {viewport['width']} px (scrollWidth {widths[0]} > {widths[1]}); "
        f"reaching past the edge: {offenders(page)}"
    )

    page.screenshot(path=str(artifacts / shot), full_page=True)
    assert_no_browser_errors(browser_errors)


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            const style = getComputedStyle(e);
            const box = e.getBoundingClientRect();
            return {
                tag: e.tagName.toLowerCase(),
                text: (e.innerText || e.value || "").trim().slice(0, 40),
                href: e.getAttribute("href"),
                value: e.getAttribute("value"),
                inNav: !!e.closest(".main-nav"),
                inSwitch: !!e.closest("form.lang-switch"),
                isSkipLink: e.classList.contains("skip-link"),
                focusVisible: e.matches(":focus-visible"),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
                shadow: style.boxShadow !== "none",
                onScreen: box.width > 0 && box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight,
            };
        }"""
    )


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1366, "height": 900}, {"width": 360, "height": 740}],
    ids=["desktop-1366", "phone-360"],
)
def test_keyboard_reaches_language_switch_and_navigation(open_page, leader, browser_errors, viewport):
    page = open_page(viewport=viewport)
    sign_in(page, leader)
    expect(page.locator("table.ranking")).to_be_visible()
    # Start from the top of the page, as after a fresh load, with nothing focused.
    page.evaluate("document.activeElement && document.activeElement.blur()")

    steps = []
    previous = None
    for _ in range(15):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now != previous or now["tag"] == "body", f"Tab did not move the focus from {previous}"
        steps.append(now)
        previous = now
        reached_nav = {s["href"] for s in steps if s["inNav"]}
        if reached_nav >= set(NAV_LINKS):
            break

    trail = "\n".join(f"  {s}" for s in steps)
    assert steps[0]["isSkipLink"] and steps[0]["onScreen"], (
        f"the first Tab should show the skip link:\n{trail}"
    )
    switch = [s for s in steps if s["inSwitch"]]
    nav = [s for s in steps if s["inNav"]]
    assert [s["value"] for s in switch] == list(LANGUAGES), f"language switch not reached by Tab:\n{trail}"
    assert [s["href"] for s in nav] == list(NAV_LINKS), f"main navigation not reached by Tab:\n{trail}"
    assert steps.index(switch[0]) < steps.index(nav[0]), f"unexpected focus order:\n{trail}"
    for s in switch + nav:
        assert s["focusVisible"] and (s["outline"] or s["shadow"]), f"no visible focus on {s}"
        assert s["onScreen"], f"focused element is off screen: {s}"

    # Enter on the focused English button switches the language, keyboard only.
    for _ in range(len(steps)):
        page.keyboard.press("Shift+Tab")
        if focused(page)["value"] == "en":
            break
    assert focused(page)["value"] == "en", "Shift+Tab did not lead back to the English button"
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    assert_no_browser_errors(browser_errors)
