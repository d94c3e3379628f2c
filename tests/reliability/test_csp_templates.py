"""No page of ours needs 'unsafe-inline': the Content-Security-Policy is on everywhere, and the
markup we write keeps to it.

The templates, and every HTML string in our Python (``format_html`` in the admin and the like),
are scanned for what the policy refuses: an inline <script> (one without ``src``; JSON data
blocks are fine), a <style> element, a ``style=`` attribute, an ``on…=`` event handler, a
``javascript:`` URL, and htmx's ``hx-on`` (it needs eval). A new one fails here with its file and
line; put the script or the rule in a file under static/ instead, with values passed through
``data-`` attributes or ``json_script``. tests/reliability/test_csp_browser.py checks what the
browser actually runs (vendored scripts, the admin, the API docs).
"""

import ast
import re
from pathlib import Path

from csp.constants import NONE, SELF
from django.conf import settings
from django.test import Client

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIR = ROOT / "templates"
PYTHON_PACKAGES = ("projects", "supervision", "zhaoqing_tracker")

# A start tag, attributes included; template code inside it ({{ … }}, {% … %}) may hold ">".
TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:\{\{.*?\}\}|\{%.*?%\}|\{(?![{%])|[^<>{])*)>", re.S)
# Comments never reach the browser (and ours may well name what they avoid).
COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|<!--.*?-->", re.S)
SRC = re.compile(r"(?:^|\s)src\s*=", re.I)
DATA_BLOCK = re.compile(r"""(?:^|\s)type\s*=\s*["']?application/(?:ld\+)?json""", re.I)
ATTRIBUTE_RULES = [
    (re.compile(r"(?:^|[\s}])style\s*=", re.I), "style attribute"),
    (re.compile(r"(?:^|[\s}])on[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"(?:^|[\s}])(?:data-)?hx-on", re.I), "htmx hx-on handler (needs eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def inline_code(markup: str) -> list[tuple[int, str]]:
    """(offset, what) for each thing in ``markup`` that the policy would refuse."""
    markup = COMMENT.sub(lambda match: " " * len(match.group()), markup)
    found = []
    for tag in TAG.finditer(markup):
        name, attributes = tag.group(1).lower(), tag.group(2)
        if name == "script" and not SRC.search(attributes) and not DATA_BLOCK.search(attributes):
            found.append((tag.start(), "inline <script>"))
        if name == "style":
            found.append((tag.start(), "<style> element"))
        found += [(tag.start(), what) for rule, what in ATTRIBUTE_RULES if rule.search(attributes)]
    return found


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def template_findings() -> list[str]:
    findings = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for offset, what in inline_code(text):
            findings.append(f"{path.relative_to(ROOT)}:{line_of(text, offset)}: {what}")
    return findings


def docstrings(tree) -> set[int]:
    nodes = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)),
    ]
    return {
        id(node.body[0].value)
        for node in nodes
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }


def python_findings() -> list[str]:
    findings = []
    for package in PYTHON_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            skip = docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                    for _offset, what in inline_code(node.value):
                        findings.append(f"{path.relative_to(ROOT)}:{node.lineno}: {what}")
    return findings


def test_templates_have_no_inline_script_style_or_handler():
    findings = template_findings()
    assert not findings, "the Content-Security-Policy refuses these (move them to static/):\n" + "\n".join(
        findings
    )


def test_html_in_our_python_has_no_inline_script_style_or_handler():
    findings = python_findings()
    assert not findings, (
        "the Content-Security-Policy refuses these (use a class of a static stylesheet):\n"
        + ("\n".join(findings))
    )


def test_the_scan_finds_each_kind_and_passes_what_the_policy_allows():
    refused = {
        "<script>alert(1)</script>": "inline <script>",
        '<script type="text/javascript">go()</script>': "inline <script>",
        "<style>p { color: red }</style>": "<style> element",
        '<span class="zq-badge" style="color:{}">{}</span>': "style attribute",
        '<button type="button"\n  onclick="window.print()">Print</button>': "event handler attribute",
        '<form hx-on::after-request="this.reset()">': "htmx hx-on handler (needs eval)",
        '<a href="javascript:void(0)">x</a>': "javascript: URL",
        '<div {% if wide %}style="width: 100%"{% endif %}>': "style attribute",
    }
    for markup, what in refused.items():
        assert [found for _offset, found in inline_code(markup)] == [what], markup
    allowed = [
        '<script src="/static/js/charts.js" defer></script>',
        '<script src="{% static \'js/panel.js\' %}" data-failed-message="{{ failed }}" defer></script>',
        '<script id="chart-data" type="application/json">{"a": 1}</script>',
        '<link rel="stylesheet" href="/static/css/app.css">',
        '<button type="button" data-print data-onload="x" class="button">Print</button>',
        "{# an inline <style> was here #}<p>",
        "{% comment %}no <script> here{% endcomment %}",
        '<p class="note" {% if a > b %}hidden{% endif %}>',
    ]
    for markup in allowed:
        assert inline_code(markup) == [], markup
    # Where a finding is reported: the line of its tag.
    text = "<p>\n<div>\n<b style='x'>"
    ((offset, _what),) = inline_code(text)
    assert line_of(text, offset) == 3


# --- the header itself ----------------------------------------------------------------------------

POLICY = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
    "base-uri": [SELF],
    "object-src": [NONE],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_every_kind_of_answer_carries_the_policy_without_unsafe_sources(db):
    client = Client()
    for url in ("/accounts/login/", "/admin/login/", "/api/docs/", "/no-such-page/"):
        response = client.get(url)
        header = response.get("Content-Security-Policy")
        assert header, f"{url} answered {response.status_code} without a Content-Security-Policy"
        assert "unsafe" not in header, f"{url}: {header}"
        assert parse_policy(header) == POLICY, url
