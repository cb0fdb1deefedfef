"""``repodigest``: argument parsing over the library; errors become one line and an exit code."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from .errors import PartialReportError, RepodigestError, UserError

EXIT_CODES = """exit codes: 0 report written | 2 bad input (date, repository, config...) |
3 a source failed (git, GitHub) | 4 report written but partial (some LLM analyses failed) |
130 interrupted (Ctrl-C) | 143 terminated (SIGTERM)"""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, systemd, a cancelled CI job): unwinds the run as Ctrl-C does."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors are user errors too: exit 2, one line
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="repodigest", description="A day of commits, scored and explained.", epilog=EXIT_CODES)
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="render the report of a day to outputs/<date>/")
    report.add_argument(
        "--date",
        help="YYYY-MM-DD, 'today' or 'yesterday' in the report's time zone (default: the latest day with commits)",
    )
    report.add_argument(
        "--repo",
        action="append",
        dest="repos",
        metavar="PATH|OWNER/NAME",
        help="a repository to follow; repeat for several (default: the config's, else this checkout)",
    )
    report.add_argument(
        "--tz", help="IANA time zone of the report's day (default: the config's, else the machine's, as git log shows)"
    )
    report.add_argument("--lang", help="zh or en (default: the config's, else zh for a Chinese locale, else en)")
    report.add_argument("--window-days", type=int, help="days of history for the trend charts (default 14)")
    report.add_argument("--days", type=int, default=1, help="days covered by the report (7 = weekly digest)")
    report.add_argument(
        "--period",
        default="day",
        choices=("day", "week", "month"),
        help="day (default), or the rollup of the week or the month that ends on --date (outputs/week-<date>/, "
        "outputs/month-<YYYY-MM>/)",
    )
    report.add_argument("--config", help="path to a repodigest.toml")
    report.add_argument("--out-dir", default="outputs", help="where report folders go (default ./outputs)")
    report.add_argument("--refresh", action="store_true", help="ignore the cache and fetch again")
    report.add_argument("--no-deliver", action="store_true", help="do not post to the configured channels")
    report.add_argument("--debug", action="store_true", help="show tracebacks")
    publish = sub.add_parser(
        "publish",
        help="write report.html, report.md, chart images and status.json from a daily notebook executed with papermill",
    )
    publish.add_argument("notebook", help="the executed notebook (papermill's output)")
    publish.add_argument("--out-dir", help="the report's folder (default: the notebook's folder)")
    publish.add_argument("--debug", action="store_true", help="show tracebacks")
    site = sub.add_parser("site", help="turn an outputs folder into a static site: index.html, search.html, feed.xml")
    site.add_argument("out_dir", metavar="OUT_DIR", help="the outputs folder (its report folders are only read)")
    site.add_argument("--lang", choices=("zh", "en"), help="the pages' language (default: the newest report's)")
    site.add_argument("--debug", action="store_true", help="show tracebacks")
    explore = sub.add_parser("explore", help="copy the explore notebook to a folder, to open in JupyterLab")
    explore.add_argument("--copy", required=True, metavar="DIR", help="the folder for the copy (made if missing)")
    explore.add_argument(
        "--repo",
        action="append",
        dest="repos",
        metavar="PATH|OWNER/NAME",
        help="a repository for the copy's parameters; repeat for several (default: this checkout)",
    )
    explore.add_argument("--start", help="the range's first day, YYYY-MM-DD (default: 14 days before --end)")
    explore.add_argument("--end", help="the range's last day, YYYY-MM-DD, today or yesterday (default: the latest day)")
    explore.add_argument("--tz", help="IANA time zone the days are read in (default: the machine's)")
    explore.add_argument("--lang", help="zh or en, for the charts (default: zh for a Chinese locale, else en)")
    explore.add_argument(
        "--daily",
        action="store_true",
        help="also copy daily_report.ipynb (the report's notebook, to run with papermill)",
    )
    explore.add_argument("--force", action="store_true", help="replace copies already in DIR")
    explore.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def _report(args) -> int:
    from .config import load_settings
    from .publish.render import render_report
    from .sources import check_repositories
    from .window import check_days, parse_date, period_folder, resolve_tz

    started = time.perf_counter()
    settings = load_settings(args.config, repos=args.repos, tz=args.tz, lang=args.lang, window_days=args.window_days)
    days = check_days(args.days, "days")
    if args.period != "day" and days != 1:
        raise UserError("--days and --period exclude each other: a week's or a month's days are set by --date")
    last = parse_date(args.date, resolve_tz(settings.tz))
    check_repositories(settings)  # before the kernel starts: a typo costs no kernel start-up
    if last is None:  # the latest day with commits: only then does this process open the sources
        from .sources import resolve_day

        notes: list[str] = []
        last = resolve_day(settings, None, notes=notes)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    first = last.fromordinal(last.toordinal() - days + 1)
    folder = period_folder(args.period, last) if days == 1 else f"{first.isoformat()}_{last.isoformat()}"
    parameters = {
        "date": last.isoformat(),
        "repos": list(args.repos) if args.repos else None,
        "tz": settings.tz,
        "lang": settings.lang,
        "window_days": settings.window_days,
        "days": days,
        "config": str(Path(args.config).resolve()) if args.config else None,
        "refresh": bool(args.refresh),
        "period": args.period,
    }
    result = render_report(
        parameters, out_root=args.out_dir, folder=folder, title=f"repodigest {folder}", images=settings.charts.images
    )
    _write_site(args.out_dir, settings.lang)
    total = time.perf_counter() - started
    for line in result.warnings:  # e.g. a damaged cache set aside: the kernel's stderr goes to a log
        print(f"warning: {line}", file=sys.stderr)
    print(f"{result.out_dir / 'report.md'}")
    print(f"{result.out_dir / 'report.html'}", file=sys.stderr)
    print(
        f"report written in {total:.1f} s (notebook {result.seconds.get('execute', 0):.1f} s, "
        f"export {result.seconds.get('export', 0):.1f} s)",
        file=sys.stderr,
    )
    if settings.delivery and not args.no_deliver:
        _deliver(result.out_dir, settings)
    if result.partial:
        raise PartialReportError(f"report written to {result.out_dir}, but some analyses failed (see the report)")
    return 0


def _publish(args) -> int:
    from .publish.export import publish_notebook

    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise UserError(f"notebook not found: {notebook}")
    folder = Path(args.out_dir) if args.out_dir else notebook.resolve().parent
    result = publish_notebook(notebook, folder, title=f"repodigest {folder.name}")
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"{folder / 'report.md'}")
    if result.partial:
        raise PartialReportError(f"report written to {folder}, but some analyses failed (see the report)")
    return 0


def _explore(args) -> int:
    from .publish.packaged import copy_notebooks, copy_parameters, has_jupyterlab, lab_command, lab_install_hint

    names = ("explore", "daily_report") if args.daily else ("explore",)
    parameters = copy_parameters(repos=args.repos, start=args.start, end=args.end, tz=args.tz, lang=args.lang)
    copies = copy_notebooks(args.copy, names, force=args.force, parameters=parameters)
    for path in copies:
        print(path)
    print(f"open it with JupyterLab: {lab_command(copies[0])}", file=sys.stderr)
    if "repos" in parameters:
        print(f"its first code cell reads {', '.join(parameters['repos'])}; edit it to change", file=sys.stderr)
    else:
        print(
            "no git repository here: set repos in its first code cell (or copy again with --repo); "
            "left as None, it reads the checkout the notebook runs in",
            file=sys.stderr,
        )
    if not has_jupyterlab():
        print(f"JupyterLab is not installed here: {lab_install_hint()}", file=sys.stderr)
    return 0


def _deliver(folder, settings) -> None:
    from .publish.delivery import deliver

    # A failed delivery is a warning: the report itself is written and stays the run's result.
    for outcome in deliver(folder, settings.delivery, settings.lang):
        state = "delivered" if outcome.ok else f"not delivered: {outcome.error}"
        print(f"{outcome.kind}: {state}", file=sys.stderr)


def _write_site(out_dir: str, lang: str | None = None):
    from .publish.site_build import build_site

    result = build_site(out_dir, lang=lang)
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    return result


def _site(args) -> int:
    if not Path(args.out_dir).is_dir():
        raise UserError(f"not a folder: {args.out_dir}")
    result = _write_site(args.out_dir, args.lang)
    print(result.index)
    print(f"{result.reports} reports, {result.documents} search entries", file=sys.stderr)
    return 0


def _terminate(signum, frame) -> None:
    # Once: the unwinding that follows (temporary folder, kernel, browser) is not cut short by a second one.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``repodigest`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is not threading.main_thread():  # only the main thread may take signals
        return _run(parser, args)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(parser, args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(parser, args) -> int:
    try:
        if args.command == "report":
            return _report(args)
        if args.command == "publish":
            return _publish(args)
        if args.command == "explore":
            return _explore(args)
        if args.command == "site":
            return _site(args)
        parser.error(f"unknown command {args.command}")
    except RepodigestError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("error: terminated (SIGTERM); the previous report, if any, is untouched", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("error: interrupted; the previous report, if any, is untouched", file=sys.stderr)
        return 130
    except OSError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"error: {exc.strerror or exc} ({exc.filename or ''})".replace(" ()", ""), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
