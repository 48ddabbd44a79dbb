"""The bench's report: the table of p50/p95, the ratios against the floor and the guardian baseline, the machine."""

import os
import platform

from django.core.management.base import OutputWrapper
from django.db import connection

from tools.bench_access.dataset import Persona
from tools.bench_access.measure import NOT_CACHED, SIDE_BY_SIDE, Row, Timer


def report(out: OutputWrapper, rows: list[Row], personas: dict[str, Persona], timer: Timer) -> None:
    print_table(out, rows)
    print_ratios(out, rows, personas)
    print_floor_targets(out, rows, personas)
    print_environment(out, timer)


def print_table(out: OutputWrapper, rows: list[Row]) -> None:
    width = max(len(row.measurement) for row in rows)
    header = f"{'measurement':<{width}} | {'persona':<11} | {'visible entities':>16} | {'p50 ms':>8} | {'p95 ms':>8}"
    out.write("")
    out.write(header)
    out.write("-" * len(header))
    for row in rows:
        visible = f"{row.visible:,}" if row.visible is not None else "-"
        out.write(f"{row.measurement:<{width}} | {row.persona:<11} | {visible:>16} | {row.p50:>8.2f} | {row.p95:>8.2f}")


SHARE_TARGET = 1.2  # the share persona's list page within 1.2x of the show-all persona's (both see every entity)


def p95_of(rows: list[Row], prefix: str, persona: str) -> float:
    return next(row.p95 for row in rows if row.measurement.startswith(prefix) and row.persona == persona)


def print_ratios(out: OutputWrapper, rows: list[Row], personas: dict[str, Persona]) -> None:
    floor = p95_of(rows, "floor: logged-in", "heavy")
    out.write("")
    out.write("Ratios (p95; a ratio above 1 means the guardian baseline is slower):")
    for name, persona in personas.items():
        page = p95_of(rows, "list page", name)
        line = f"  {name:<12} list page ÷ floor (404) = {page / floor:5.2f}×"
        if persona.twin is not None and any(row.measurement.startswith("guardian") for row in rows):
            line += guardian_ratios(rows, name, page)
        elif persona.twin is not None:
            line += "   (baselines not measured: --without-baselines)"
        else:
            line += "   (no guardian twin: it would hold one object permission per entity)"
        out.write(line)
    if "share" in personas and "show-all" in personas:
        ratio = p95_of(rows, "list page", "share") / p95_of(rows, "list page", "show-all")
        verdict = "within" if ratio <= SHARE_TARGET else "ABOVE"
        out.write(
            f"  share list page ÷ show-all list page (p95) = {ratio:5.2f}×   ({verdict} the target {SHARE_TARGET:.2f}×)"
        )


FLOOR_TARGET = 1.5  # issue 27: the list page p50 within 1.5x of the floor's p50 plus its statement's
GUARDIAN_TARGET = 5.0  # issue 27: guardian's list page p95 at least 5x ours


def side_by_side(rows: list[Row], what: str, persona: str) -> Row | None:
    return next((row for row in rows if row.measurement == SIDE_BY_SIDE + what and row.persona == persona), None)


def print_floor_targets(out: OutputWrapper, rows: list[Row], personas: dict[str, Persona]) -> None:
    """Issue 27's in-process targets, from the measurements taken side by side."""
    out.write("")
    out.write(
        "Side by side (each iteration: the floor, the list page as served and not cached, its statement,"
        " guardian's list page); the targets are judged on the page not cached:"
    )
    for name in personas:
        floor, served, page, sql = (
            side_by_side(rows, what, name) for what in ("floor (404)", "list page 1", NOT_CACHED, "raw SQL")
        )
        if floor is None or served is None or page is None or sql is None:
            continue
        ratio = page.p50 / (floor.p50 + sql.p50)
        verdict = "PASS" if ratio <= FLOOR_TARGET else "ABOVE"
        line = (
            f"  {name:<12} list p50 {page.p50:6.2f} ÷ (floor {floor.p50:5.2f} + SQL {sql.p50:5.2f}) = {ratio:4.2f}×"
            f" {verdict} {FLOOR_TARGET}×   served from the cache: p50 {served.p50:6.2f} ="
            f" {served.p50 / floor.p50:4.2f}× the floor"
        )
        guardian = side_by_side(rows, "guardian list page", name)
        if guardian is not None:
            times = guardian.p95 / page.p95
            line += f"   guardian p95 ÷ ours = {times:5.1f}× {'PASS' if times >= GUARDIAN_TARGET else 'BELOW'}"
        out.write(line)


def guardian_ratios(rows: list[Row], name: str, page: float) -> str:
    ours = p95_of(rows, "ours:", name)
    guardian_query, guardian_page = (
        p95_of(rows, "guardian baseline: get_objects", name),
        p95_of(rows, "guardian baseline: list", name),
    )
    return (
        f"   guardian list page ÷ our list page = {guardian_page / page:5.2f}×"
        f"   guardian query ÷ our query = {guardian_query / ours:5.2f}×"
        f"   guardian query ÷ our whole list page = {guardian_query / page:5.2f}×"
    )


def print_environment(out: OutputWrapper, timer: Timer) -> None:
    with connection.cursor() as cursor:
        cursor.execute("select version()" if connection.vendor == "postgresql" else "select sqlite_version()")
        database = cursor.fetchone()[0]
    out.write("")
    out.write(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs")
    out.write(f"Database: {connection.vendor} {database}")
    out.write(f"Iterations: {timer.iterations} timed after {timer.warmup_runs} warm-up each")
