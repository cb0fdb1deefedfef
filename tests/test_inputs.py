from datetime import UTC, date, datetime

import pytest

from repodigest.config import load_settings, repo_kind
from repodigest.errors import UserError
from repodigest.window import check_days, parse_date, resolve_tz

SH = resolve_tz("Asia/Shanghai")
NOW = datetime(2026, 2, 16, 17, 0, tzinfo=UTC)  # 01:00 on the 17th in Shanghai


def test_dates():
    assert parse_date("2026-02-16", SH, now=NOW) == date(2026, 2, 16)
    assert parse_date("today", SH, now=NOW) == date(2026, 2, 17)
    assert parse_date("yesterday", SH, now=NOW) == date(2026, 2, 16)
    assert parse_date(None, SH) is None
    for bad, message in [
        ("16/02/2026", "expected YYYY-MM-DD"),
        ("2026-02-30", "no such day"),
        ("2026-02-18", "in the future"),
    ]:
        with pytest.raises(UserError, match=message):
            parse_date(bad, SH, now=NOW)


def test_time_zone_language_and_windows():
    with pytest.raises(UserError, match="unknown time zone 'Mars/Base'"):
        resolve_tz("Mars/Base")
    with pytest.raises(UserError, match="unknown language 'fr'"):
        load_settings(lang="fr")
    for bad in (0, 10_000, "x"):
        with pytest.raises(UserError, match="window_days"):
            check_days(bad)


def test_config_file(tmp_path):
    cfg = tmp_path / "repodigest.toml"
    cfg.write_text('tz = "UTC"\nlang = "en"\nrepos = ["owner/name", {spec = "owner/other", branch = "dev"}]\n')
    settings = load_settings(cfg, lang="zh")
    assert settings.tz == "UTC" and settings.lang == "zh" and settings.repos[1].branch == "dev"
    bad = tmp_path / "bad.toml"
    bad.write_text('tz = "UTC"\nlang = en\n')
    with pytest.raises(UserError, match=r"not valid TOML.*line 2"):
        load_settings(bad)
    with pytest.raises(UserError, match="config file not found"):
        load_settings(tmp_path / "missing.toml")
    typo = tmp_path / "typo.toml"
    typo.write_text('timezone = "UTC"\n')
    with pytest.raises(UserError, match="timezone"):
        load_settings(typo)


def test_repo_specs(tmp_path):
    assert repo_kind("sgl-project/sglang") == ("github", "sgl-project/sglang")
    assert repo_kind(str(tmp_path)) == ("local", str(tmp_path.resolve()))
    for bad in ("not a repo", "a/b/c", "./missing"):
        with pytest.raises(UserError, match="neither an existing path nor"):
            repo_kind(bad)


def test_chart_images_switch_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "1")
    assert load_settings().charts.images is True
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "off")
    assert load_settings().charts.images is False
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "0")
    assert load_settings().charts.images is False
    cfg = tmp_path / "c.toml"
    cfg.write_text("[charts]\nimages = true\ntop_authors = 5\n")
    settings = load_settings(cfg)  # the config's own choice wins over the environment
    assert settings.charts.images is True and settings.charts.top_authors == 5
    cfg.write_text("[charts]\ntop_authors = 5\n")
    settings = load_settings(cfg)
    assert settings.charts.images is False and settings.charts.top_authors == 5
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "maybe")
    with pytest.raises(UserError, match="REPODIGEST_CHART_IMAGES"):
        load_settings()
