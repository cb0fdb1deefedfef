"""The scheduling recipes in examples/ stay runnable: valid files whose command the CLI accepts."""

import re
import shlex
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from repodigest.cli import build_parser
from repodigest.config import load_settings
from repodigest.window import parse_date

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _args(command: str) -> list[str]:
    return shlex.split(re.search(r'ARGS="([^"]+)"', command).group(1))


def test_workflow_restores_cache_runs_yesterday_and_publishes():
    workflow = yaml.safe_load((EXAMPLES / "github-actions-daily.yml").read_text())
    steps = workflow["jobs"]["report"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/cache") for u in uses)
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    run = next(s for s in steps if "make report" in s.get("run", ""))
    assert set(run["env"]) >= {"GITHUB_TOKEN", "OPENAI_API_KEY"}
    args = build_parser().parse_args(["report", *_args(run["run"])])
    assert args.date == "yesterday" and args.config == "examples/repodigest.toml"


def test_cron_line_and_example_config_parse():
    line = next(ln for ln in (EXAMPLES / "crontab").read_text().splitlines() if ln and not ln.startswith(("#", "CRON")))
    fields = line.split(None, 5)
    assert fields[:5] == ["30", "8", "*", "*", "*"]
    args = build_parser().parse_args(["report", *_args(fields[5])])
    settings = load_settings(EXAMPLES.parent / args.config)
    assert settings.tz == "Asia/Shanghai" and settings.lang == "zh"  # the team's, whatever the machine's
    assert [r.spec for r in settings.repos] == ["sgl-project/sglang", "."]
    assert settings.delivery[0].kind == "feishu" and settings.delivery[0].url_env == "FEISHU_WEBHOOK_URL"


def test_yesterday_is_computed_in_the_report_time_zone():
    zone = ZoneInfo("Asia/Shanghai")
    # 00:30 on the 17th in Shanghai is still the 16th in UTC: "yesterday" must be the 16th.
    now = datetime(2026, 2, 16, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert parse_date("yesterday", zone, now=now) == (now.astimezone(zone) - timedelta(days=1)).date()
    assert str(parse_date("yesterday", zone, now=now)) == "2026-02-16"
