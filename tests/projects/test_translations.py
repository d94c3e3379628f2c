"""The translation catalogues: complete, compiled from the current .po, and actually used.

Source strings are English; Simplified Chinese (zh-hans) is the default interface language,
so every message of locale/zh_Hans must be translated. The English catalogue exists but
keeps empty msgstr entries (gettext then falls back to the English msgid).

After adding or changing a translatable string: ``make messages`` (makemessages +
compilemessages), translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po,
and compile again.
"""

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from projects.choices import Stage, Status
from supervision.choices import ProblemStatus

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
ZH = "zh-hans"
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = ZH_PO.with_suffix(".mo")

# What makemessages skips (see the Makefile's `messages` target), plus tool directories.
IGNORED_DIRS = {"venv", "tests", "staticfiles", "node_modules", "locale", "__pycache__"}

# The Python keywords xgettext extracts when makemessages runs: xgettext's own defaults for
# Python plus the ones Django adds.
SINGULAR_KEYWORDS = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL_KEYWORDS = {"ngettext", "ngettext_lazy"}
CONTEXT_KEYWORDS = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL_KEYWORDS = {"npgettext", "npgettext_lazy"}
EXTRACTED_NAMES = SINGULAR_KEYWORDS | PLURAL_KEYWORDS | CONTEXT_KEYWORDS | CONTEXT_PLURAL_KEYWORDS

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


# --- a small .po reader ------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index -> text; index 0 for singular
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the message entries of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None
    pending_flags: set[str] = set()

    def finish():
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue  # other comments, including obsolete #~ entries
        if line.startswith('"'):
            assert entry is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        keyword, _space, rest = line.partition(" ")
        # An entry starts at its msgctxt, or at its msgid when it has no context.
        if keyword == "msgctxt" or (keyword == "msgid" and target != ("msgctxt", None)):
            finish()
            entry = Entry(flags=pending_flags, line=number)
            pending_flags = set()
        assert entry is not None, f"{path}:{number}: {line!r} outside an entry"
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        elif keyword == "msgstr" or match:
            index = int(match.group(1)) if match else 0
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {line!r}")
    finish()
    assert entries and entries[0].msgid == "" and entries[0].msgctxt is None, f"{path}: no header entry"
    return entries[0], entries[1:]


def header_fields(header: Entry) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


@pytest.fixture(scope="module")
def zh_catalogue() -> tuple[Entry, list[Entry]]:
    return parse_po(ZH_PO)


def where(entry: Entry) -> str:
    return f"{ZH_PO.relative_to(BASE_DIR)}:{entry.line}: {entry.msgid[:70]!r}"


# --- the catalogues exist and are well formed -------------------------------------------------


def test_simplified_chinese_is_the_default_language():
    assert settings.LANGUAGE_CODE == ZH
    assert [code for code, _name in settings.LANGUAGES] == [ZH, "en"]
    assert LOCALE_DIR in [Path(p) for p in settings.LOCALE_PATHS]


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_every_language_has_a_source_and_a_compiled_catalogue(code):
    messages = LOCALE_DIR / translation.to_locale(code) / "LC_MESSAGES"
    assert (messages / "django.po").is_file()
    assert (messages / "django.mo").is_file()


def test_the_chinese_header_declares_one_plural_form_and_utf8(zh_catalogue):
    header, _entries = zh_catalogue
    fields = header_fields(header)
    assert "fuzzy" not in header.flags
    assert fields["Language"] == "zh_Hans"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_every_chinese_message_is_translated_and_none_is_fuzzy(zh_catalogue):
    _header, entries = zh_catalogue
    assert len(entries) > 300  # the reader found the catalogue's messages
    fuzzy = [where(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [
        where(e) for e in entries if not e.msgstr or not all(s.strip() for s in e.msgstr.values())
    ]
    assert not fuzzy, "fuzzy entries (check, then remove the flag):\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)


def test_plural_messages_have_exactly_one_chinese_form(zh_catalogue):
    _header, entries = zh_catalogue
    plurals = [e for e in entries if e.msgid_plural is not None]
    assert plurals
    wrong = [where(e) for e in plurals if set(e.msgstr) != {0}]
    assert not wrong, "Chinese has one plural form: only msgstr[0]\n" + "\n".join(wrong)


def test_translations_keep_placeholders_and_html(zh_catalogue):
    _header, entries = zh_catalogue
    broken = []
    for entry in entries:
        for text in entry.msgstr.values():
            # The one Chinese plural form serves every count, so it follows the plural source.
            source = entry.msgid if entry.msgid_plural is None else entry.msgid_plural
            if "python-format" in entry.flags and Counter(PLACEHOLDER.findall(source)) != Counter(
                PLACEHOLDER.findall(text)
            ):
                broken.append(f"{where(entry)}: placeholders differ in {text!r}")
            if Counter(HTML_TAG.findall(source)) != Counter(HTML_TAG.findall(text)):
                broken.append(f"{where(entry)}: HTML differs in {text!r}")
    assert not broken, "\n".join(broken)


# --- the compiled catalogue is the current one ------------------------------------------------


def test_the_compiled_chinese_catalogue_matches_the_po(zh_catalogue):
    """Compare contents, not mtimes: a git checkout gives both files the same age."""
    header, entries = zh_catalogue
    with ZH_MO.open("rb") as mo_file:
        mo = gettext.GNUTranslations(mo_file)
    assert mo.info().get("plural-forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    stale = []
    for entry in entries:
        expected = entry.msgstr[0]
        if entry.msgid_plural is None:
            got = [
                mo.gettext(entry.msgid) if entry.msgctxt is None else mo.pgettext(entry.msgctxt, entry.msgid)
            ]
        elif entry.msgctxt is None:
            got = [mo.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2, 5)]
        else:
            got = [mo.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2, 5)]
        if any(text != expected for text in got):
            stale.append(f"{where(entry)}: .mo has {got[0]!r}, .po has {expected!r}")
    assert not stale, "django.mo is out of date; run `manage.py compilemessages`:\n" + "\n".join(stale)


def test_the_english_catalogue_compiles_and_loads():
    en_mo = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"
    with en_mo.open("rb") as mo_file:
        mo = gettext.GNUTranslations(mo_file)
    assert mo.gettext("Signed") == "Signed"  # empty msgstr: the English source is used


# --- the catalogue covers the code --------------------------------------------------------------


def _source_files(suffix: str):
    for path in sorted(BASE_DIR.rglob(f"*{suffix}")):
        relative = path.relative_to(BASE_DIR)
        folders = relative.parts[:-1]
        # makemessages also skips hidden directories (its default ignore pattern ".*").
        if not IGNORED_DIRS.intersection(folders) and not any(f.startswith(".") for f in folders):
            yield path, relative


def _python_messages():
    """(where, key) for every literal handed to a gettext keyword in the project's Python code."""
    for path, relative in _source_files(".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name not in EXTRACTED_NAMES:
                continue
            args = [
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                for a in node.args
            ]
            if name in CONTEXT_KEYWORDS | CONTEXT_PLURAL_KEYWORDS:
                context, msgid = (args + [None, None])[:2]
            else:
                context, msgid = None, (args + [None])[0]
            if msgid is not None and (
                context is not None or name not in CONTEXT_KEYWORDS | CONTEXT_PLURAL_KEYWORDS
            ):
                yield f"{relative}:{node.lineno}", (context, msgid)


TEMPLATE_TRANSLATE = re.compile(
    r"""\{%\s*trans(?:late)?\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)(?P<rest>[^%]*)%\}""", re.DOTALL
)
TEMPLATE_BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?(?P<args>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.DOTALL
)


def _template_messages():
    for path, relative in _source_files(".html"):
        text = path.read_text(encoding="utf-8")
        for match in TEMPLATE_TRANSLATE.finditer(text):
            rest = match.group("rest")
            if "noop" in rest.split():
                continue
            context = re.search(r"""context\s+(["'])(.*?)\1""", rest)
            line = text.count("\n", 0, match.start()) + 1
            yield f"{relative}:{line}", (context.group(2) if context else None, match.group("msgid"))
        for match in TEMPLATE_BLOCK.finditer(text):
            args, body = match.group("args"), match.group("body")
            if (
                "count" in args.split()
                or "{% plural" in body
                or "%" in body.replace("{%", "").replace("%}", "")
            ):
                continue  # plural and %-escaping rules: left to makemessages itself
            if "trimmed" in args.split():
                body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
            msgid = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", body)
            context = re.search(r"""context\s+(["'])(.*?)\1""", args)
            line = text.count("\n", 0, match.start()) + 1
            yield f"{relative}:{line}", (context.group(2) if context else None, msgid)


def test_the_catalogue_has_every_translatable_string_of_the_code(zh_catalogue):
    _header, entries = zh_catalogue
    known = {entry.key for entry in entries}
    missing = sorted(
        f"{place}: {msgid!r}"
        for place, (context, msgid) in [*_python_messages(), *_template_messages()]
        if (context, msgid) not in known
    )
    assert not missing, (
        "strings missing from the catalogue; run `make messages`, translate, compile:\n" + "\n".join(missing)
    )


def test_gettext_is_only_imported_under_names_makemessages_extracts():
    """``from django.utils.translation import gettext_lazy as _lazy`` hides every ``_lazy("…")``
    from xgettext: those strings never reach the catalogue and always show in English."""
    hidden = []
    for path, relative in _source_files(".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    bound = alias.asname or alias.name
                    if "gettext" in alias.name and bound not in EXTRACTED_NAMES:
                        hidden.append(f"{relative}:{node.lineno}: {alias.name} as {bound}")
    assert not hidden, "gettext bound to a name xgettext does not extract:\n" + "\n".join(hidden)


# --- the interface follows the active language ------------------------------------------------


def test_choice_labels_follow_the_active_language():
    with translation.override(ZH):
        assert [str(s.label) for s in Stage] == ["签约", "供地", "开工", "竣工", "投产", "上规"]
        assert [str(s.label) for s in Status] == ["正常", "停滞（半拉子）", "清退"]
        assert [str(s.label) for s in ProblemStatus] == ["已提出", "已交办", "已办结", "已销号"]
    with translation.override("en"):
        assert [str(s.label) for s in Stage] == [
            *("Signed", "Land supplied", "Construction started"),
            *("Completed", "In production", "Above designated size"),
        ]
        assert [str(s.label) for s in Status] == ["Active", "Stalled", "Cancelled"]
        assert [str(s.label) for s in ProblemStatus] == ["Raised", "Assigned", "Resolved", "Verified"]


# (app label, model name, Chinese verbose_name_plural, English verbose_name_plural)
KEY_MODELS = [
    ("projects", "project", "项目", "projects"),
    ("projects", "investmentreport", "投资月报", "investment reports"),
    ("projects", "annualtarget", "年度任务", "annual targets"),
    ("supervision", "problem", "问题台账", "problems"),
    ("supervision", "supervisionvisit", "督导日活动", "supervision visits"),
    ("supervision", "serviceteam", "“五个一”服务专班", "service teams"),
    ("supervision", "servicelog", "服务日志", "service logs"),
    ("supervision", "milestone", "倒排工期节点", "milestones"),
]


def test_model_and_app_names_follow_the_active_language():
    with translation.override(ZH):
        assert str(apps.get_app_config("projects").verbose_name) == "项目管理"
        assert str(apps.get_app_config("supervision").verbose_name) == "督导服务"
        for app_label, model_name, chinese, _english in KEY_MODELS:
            assert str(apps.get_model(app_label, model_name)._meta.verbose_name_plural) == chinese
    with translation.override("en"):
        assert str(apps.get_app_config("projects").verbose_name) == "Projects"
        assert str(apps.get_app_config("supervision").verbose_name) == "Supervision"
        for app_label, model_name, _chinese, english in KEY_MODELS:
            assert str(apps.get_model(app_label, model_name)._meta.verbose_name_plural) == english


def test_the_admin_index_is_in_chinese_by_default_and_in_english_on_request(admin_client):
    for accept_language in (ZH, None):  # None: no header, so the default language
        headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
        response = admin_client.get("/admin/", **headers)
        assert response.status_code == 200
        assert response.headers["Content-Language"] == ZH
        page = response.content.decode()
        assert "站点管理" in page  # Django's own admin strings
        for text in ["项目管理", "督导服务", "投资月报", "年度任务", "问题台账", "倒排工期节点"]:
            assert text in page, text
        assert "Investment reports" not in page

    response = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "en"
    page = response.content.decode()
    for text in ["Site administration", "Projects", "Supervision", "Investment reports", "Problems"]:
        assert text in page, text
    assert "投资月报" not in page


def test_a_service_error_is_worded_in_chinese():
    with translation.override(ZH):
        assert translation.gettext("The date cannot be in the future.") == "日期不能晚于今天。"
        assert (
            translation.ngettext("Cancelled %(count)d project.", "Cancelled %(count)d projects.", 3)
            % {"count": 3}
            == "已清退 3 个项目。"
        )
