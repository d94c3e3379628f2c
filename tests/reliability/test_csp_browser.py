"""Every kind of page keeps to the Content-Security-Policy in a real browser.

The city admin (who sees every page, the admin site included) opens each kind of page and takes
the actions that run our scripts and the vendored ones: a chart's tooltip, the project search
(htmx), the Print button, a problem move (htmx, then the focus on its message), the admin's
calendar and the periodic task's crontab help, an operation of the API docs. Chromium reports
what the policy refuses as a ``securitypolicyviolation`` event, caught by a listener that an init
script adds before any page script (init scripts are not subject to the policy), and as a console
error naming the Content Security Policy; both must stay at zero.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from playwright.sync_api import expect

from projects import services as project_services
from projects.choices import Role
from supervision.choices import PeriodKind
from supervision.milestones import milestone_save
from supervision.periods import period_containing
from supervision.ranking.bulletins import bulletin_generate
from tests.fixtures.browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DAY = datetime.timedelta(days=1)
# Added to every page before its own scripts: the violations it reports, and a window.print
# that counts calls instead of opening the print dialogue.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"} `
    + `(${event.sourceFile}:${event.lineNumber}) ${event.sample}`);
});
window.__printCalls = 0;
window.print = () => { window.__printCalls += 1; };
"""


@pytest.fixture
def city_admin_user(browser_user):
    user = browser_user(Role.CITY_ADMIN, username="zhangwei", name="张伟")
    user.is_staff = user.is_superuser = True  # as the demo's city admin: the admin site too
    user.save()
    return user


@pytest.fixture
def site(project, raised, county_staff, city_admin_user, today):
    """A project with a month of investment and an overdue milestone, a raised problem, last
    month's bulletin and a periodic task: something on every page."""
    project_services.investment_report(
        project=project, month=today.replace(day=1), amount=Decimal("12500000"), by=county_staff
    )
    milestone_save(project=project, title="厂房主体封顶", due_on=today - 5 * DAY, by=county_staff)
    bulletin = bulletin_generate(
        period=period_containing(PeriodKind.MONTHLY, today.replace(day=1) - DAY), publish=True
    )
    crontab = CrontabSchedule.objects.create(minute="0", hour="8", day_of_week="1", timezone="Asia/Shanghai")
    task = PeriodicTask.objects.create(
        name="weekly bulletin (test)", task="celery.backend_cleanup", crontab=crontab
    )
    return {"project": project, "problem": raised, "bulletin": bulletin, "task": task, "crontab": crontab}


class Visits:
    """Opens pages and collects the policy's violations on each."""

    def __init__(self, page):
        self.page = page
        self.pages = 0
        self.violations: list[str] = []

    def open(self, path: str, ready: str):
        self.page.goto(path)
        expect(self.page.locator(ready).first).to_be_visible()
        self.pages += 1
        self.collect()

    def collect(self):
        found = self.page.evaluate("window.__cspViolations.splice(0)")
        self.violations += [f"{self.page.url}: {violation}" for violation in found]


def test_every_kind_of_page_keeps_to_the_content_security_policy(
    open_page, city_admin_user, site, unit, region, browser_errors, figure, today
):
    page = open_page()
    page.add_init_script(WATCH)
    visits = Visits(page)
    project, problem, bulletin = site["project"], site["problem"], site["bulletin"]

    # Signed out: the sign-in page; then the dashboard, and a chart's tooltip.
    visits.open("/accounts/login/", "section.sign-in form")
    sign_in(page, city_admin_user)
    visits.open("/", "table.ranking")
    chart = page.locator("main .chart[data-drawn]").first
    expect(chart).to_be_visible()
    texts_before = chart.locator("svg text").count()
    chart.hover()
    # The tooltip is drawn into the chart's SVG (ECharts' HTML tooltips carry style attributes).
    page.wait_for_function(
        "([chart, before]) => chart.querySelectorAll('svg text').length > before",
        arg=[chart.element_handle(), texts_before],
    )
    visits.collect()
    visits.open(f"/regions/{region.code}/", "main h1")

    # The project list searches through htmx as one types.
    visits.open("/projects/", "#results")
    page.locator("#id_search").fill(project.name[:4])
    expect(page).to_have_url(re.compile(r"[?&]search="))
    expect(page.locator(f"#results a[href='/projects/{project.pk}/']").first).to_be_visible()
    visits.collect()
    visits.open("/projects/new/", "main form.form")

    # The project page: its charts, and the Print button (a script file, not an onclick).
    visits.open(f"/projects/{project.pk}/", "main h1")
    page.locator("main button[data-print]").click()
    assert page.evaluate("window.__printCalls") == 1, "the Print button did not open the print dialogue"
    visits.collect()

    # A problem moves through htmx, and the focus follows to the message.
    visits.open("/problems/", "main h1")
    visits.open(f"/problems/{problem.pk}/", "#problem-title")
    details = page.locator("#problem-panel details.move").filter(has=page.locator("form[action$='/assign/']"))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    form.locator("#id_assign_unit").select_option(str(unit.pk))
    form.locator("#id_assign_due_on").fill((today + 14 * DAY).isoformat())
    form.locator("button[type=submit]").click()
    panel = page.locator("#problem-panel")
    expect(panel.locator(".form-errors"), "the move was refused").to_have_count(0)
    expect(panel.locator(".status-line .badge--assigned")).to_be_visible()
    expect(panel.locator(".message--success[data-focus]")).to_be_focused()
    visits.collect()
    visits.open("/visits/", "main h1")

    # Bulletins, and the printable page, whose rules come from its stylesheet file.
    visits.open("/bulletins/", "main h1")
    visits.open(f"/bulletins/{bulletin.pk}/", "table")
    visits.open(f"/api/v1/bulletins/{bulletin.pk}/html/", "table.ranking")
    heading = page.locator("table.ranking thead th").first
    expect(heading, "the printable page's stylesheet was not applied").to_have_css(
        "background-color", "rgb(238, 238, 238)"
    )

    # The admin: its index, a list, a change page with our badges, the history, our own
    # problem page, and django-celery-beat's periodic task with its calendar and crontab help.
    visits.open("/admin/", "#content-main")
    visits.open("/admin/projects/project/", "#result_list")
    visits.open(f"/admin/projects/project/{project.pk}/change/", "#project_form")
    badge = page.locator(".zq-badge[data-colour='red']").first
    expect(badge, "the admin stylesheet was not applied").to_have_css("background-color", "rgb(198, 40, 40)")
    visits.open(f"/admin/projects/project/{project.pk}/history/", "#change-history")
    visits.open("/admin/supervision/milestone/", "#result_list")
    visits.open(f"/admin/supervision/problem/{problem.pk}/change/", "#problem_form")
    visits.open(f"/admin/django_celery_beat/periodictask/{site['task'].pk}/change/", "#periodictask_form")
    page.locator(".datetimeshortcuts a[id^='calendarlink']").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.locator("#id_crontab").select_option(str(site["crontab"].pk))
    expect(page.locator(".field-crontab .help")).to_contain_text("Translation:")
    visits.collect()

    # The API docs: Swagger UI's page, its start-up script, an operation opened.
    visits.open("/api/docs/", "#swagger-ui .opblock")
    page.locator("#swagger-ui .opblock-summary").first.click()
    expect(page.locator("#swagger-ui .opblock.is-open").first).to_be_visible()
    visits.collect()

    console = [error for error in browser_errors if "Content Security Policy" in error]
    others = [error for error in browser_errors if error not in console]
    figure("Content-Security-Policy in Chromium", pages=visits.pages, violations=len(visits.violations))
    assert not visits.violations and not console, "the policy refused:\n" + "\n".join(
        visits.violations + console
    )
    assert not others, "the browser reported errors:\n" + "\n".join(others)
