#!/usr/bin/env python
"""A county ledger of 10,000 rows through the import: preview, confirm, re-import, and memory.

    .venv/bin/python bench/imports.py                    # 10,000 rows on PostgreSQL
    .venv/bin/python bench/imports.py --rows 2000 --url postgres://postgres@127.0.0.1:5432/zq_imp

It recreates its own database (default ``zhaoqing_bench_imports``), migrates it, and creates a
county staff user of 端州区 (441202). The ledger is written as a bureau keeps one: a title, a unit
line, a header over two merged rows, text and Excel dates, money in 万元, a 合计 row. Each project
has a credit code and reaches a stage between 签约 and 竣工, so the confirmation makes about three
lifecycle moves per row, each audited, as entering the history by hand would.

Printed: the preview's and the confirmation's wall time against their targets (≤ 10 s and
≤ 60 s for 10,000 rows), the re-import of the same file (every row unchanged), the floor (reading
the file's rows with openpyxl and nothing else) and the preview's ratio to it, and the preview's
peak Python memory (tracemalloc) for --rows and for a fifth of them: flat means the two are
close, not five times apart. It is a benchmark, not a test: the exit status is 0 whatever the figures.
"""

import argparse
import datetime
import io
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ranking_build import log, recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhaoqing_bench_imports"
PREVIEW_TARGET_S, COMMIT_TARGET_S, TARGET_ROWS = 10.0, 60.0, 10_000
STAGE_WORDS = ["签约", "供地", "开工", "竣工"]


def credit_code(number: int) -> str:
    """A valid 18-character unified social credit code (GB 32100-2015 check digits)."""
    from projects.validators import credit_code_check_char

    body = f"91441202MA{number:07d}"
    return body + credit_code_check_char(body)


def ledger(rows: int, seed: int = 7) -> bytes:
    from openpyxl import Workbook

    generator = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("项目台账")
    sheet.append(["端州区制造业招商项目台账（基准）"])
    sheet.append(["", "", "", "", "", "", "", "", "", "", "单位：万元"])
    sheet.append(
        [
            "序号",
            "项目名称",
            "投资主体",
            "统一社会信用代码",
            "所属地区",
            "所属行业",
            "计划总投资",
            "阶段时间",
            "",
            "",
            "",
            "当前阶段",
        ]
    )
    sheet.append(["", "", "", "", "", "", "", "签约", "供地", "开工", "竣工", ""])
    start = datetime.date(2020, 1, 1)
    for number in range(1, rows + 1):
        signed = start + datetime.timedelta(days=generator.randrange(1500))
        reached = generator.randrange(4)
        dates = [signed]
        for _ in range(reached):
            dates.append(dates[-1] + datetime.timedelta(days=generator.randrange(20, 200)))
        cells = [d.strftime("%Y年%m月%d日") if i % 2 else d for i, d in enumerate(dates)]
        cells += [None] * (4 - len(cells))
        sheet.append(
            [
                number,
                f"基准项目{number:05d}",
                f"基准企业{number:05d}有限公司",
                credit_code(number),
                "端州区",
                "新材料",
                generator.randrange(500, 200_000) / 10,
                *cells,
                STAGE_WORDS[reached],
            ]
        )
    sheet.append(["合计"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def read_floor(content: bytes) -> float:
    from openpyxl import load_workbook

    began = time.perf_counter()
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    for _row in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    args = parser.parse_args()

    recreate_database(args.url)
    setup_django(args.url)
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    settings.MEDIA_ROOT = Path("/tmp") / "zhaoqing-bench-media"
    # Timed in this process: both steps run here, as the embedded default and small files do.
    settings.IMPORT_INLINE_MAX_BYTES = settings.IMPORT_INLINE_MAX_ROWS = 10**12

    from projects.choices import Role
    from projects.imports.services import import_confirm, import_create
    from projects.models import Industry, Project, Region, StageTransition, User

    Industry.objects.get_or_create(
        code="new-materials", defaults={"name": "新材料", "name_en": "New materials"}
    )
    user = User.objects.create_user("bench_import_staff", region=Region.objects.get(code="441202"))
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.COUNTY_STAFF))

    def upload(content):
        return SimpleUploadedFile("台账.xlsx", content)

    def timed_preview(content):
        began = time.perf_counter()
        ledger_import = import_create(by=user, file=upload(content), kind="projects")
        return ledger_import, time.perf_counter() - began

    log(f"writing a ledger of {args.rows:,} rows")
    content = ledger(args.rows)
    floor = read_floor(content)

    ledger_import, preview_s = timed_preview(content)
    assert ledger_import.status == "ready", (ledger_import.status, ledger_import.error, ledger_import.counts)
    statements = []  # every statement the confirmation sends, to count them per project
    began = time.perf_counter()
    with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(1) or execute(sql, *rest)):
        ledger_import = import_confirm(ledger_import=ledger_import, by=user)
    commit_s = time.perf_counter() - began
    assert ledger_import.status == "committed", ledger_import.counts
    projects = Project.objects.count()
    transitions = StageTransition.objects.count()
    again, again_s = timed_preview(content)

    small = ledger(args.rows // 5, seed=8)
    peaks = []
    for content_ in (small, content):
        tracemalloc.start()
        timed_preview(content_)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()

    scale = args.rows / TARGET_ROWS
    print()
    print(
        f"ledger: {args.rows:,} rows, {len(content) / 2**20:.1f} MB; {projects:,} projects written with"
        f" {transitions:,} audited stage transitions; {len(statements) / projects:.1f} statements a project"
    )
    print(f"read floor (openpyxl, rows only)  {floor:7.2f} s")
    print(
        f"preview                          {preview_s:7.2f} s  target ≤ {PREVIEW_TARGET_S * scale:.1f} s"
        f"  ratio to target {preview_s / (PREVIEW_TARGET_S * scale):.2f}"
        f"  ratio to floor {preview_s / floor:.1f}"
    )
    print(
        f"confirm (write every row)        {commit_s:7.2f} s  target ≤ {COMMIT_TARGET_S * scale:.1f} s"
        f"  ratio to target {commit_s / (COMMIT_TARGET_S * scale):.2f}"
    )
    print(
        f"re-import, same file             {again_s:7.2f} s  unchanged {again.counts.get('unchanged', 0):,}"
        f" of {args.rows:,}"
    )
    print(
        f"preview peak memory: {args.rows // 5:,} rows {peaks[0]:.1f} MiB,"
        f" {args.rows:,} rows {peaks[1]:.1f} MiB"
        f"  (ratio {peaks[1] / peaks[0]:.2f} for 5x the rows)"
    )


if __name__ == "__main__":
    main()
