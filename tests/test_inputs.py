import os
from datetime import UTC, date, datetime, time, timedelta

import pytest

from repodigest import build_digest
from repodigest.config import load_settings, locale_lang, repo_kind
from repodigest.errors import UserError
from repodigest.sources import resolve_day
from repodigest.window import check_days, machine_tz, parse_date, resolve_tz

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
        ("", "expected YYYY-MM-DD"),
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


@pytest.mark.parametrize(
    "value,zone",
    [
        ("Europe/Berlin", "Europe/Berlin"),
        (":America/New_York", "America/New_York"),
        ("/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        ("Nowhere/City", "UTC"),  # the C library reads an unknown TZ as UTC, and so does git
        ("", "UTC"),
    ],
)
def test_the_default_zone_is_the_machine_s(monkeypatch, value, zone):
    monkeypatch.setenv("TZ", value)
    assert machine_tz() == zone and load_settings().tz == zone and resolve_tz(None).key == zone


def test_without_tz_the_system_zone_is_read(monkeypatch):
    monkeypatch.delenv("TZ")
    assert resolve_tz(machine_tz())  # /etc/localtime, /etc/timezone... or UTC: always a zone


@pytest.mark.parametrize(
    "variables,lang",
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),  # LC_ALL wins over LANG
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "zh_CN:en"}, "zh"),  # gettext's order: LANGUAGE first
    ],
)
def test_the_default_language_is_the_locale_s(monkeypatch, variables, lang):
    monkeypatch.delenv("LANG", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert locale_lang() == lang and load_settings().lang == lang


def test_the_config_and_the_parameters_win_over_the_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    cfg = tmp_path / "team.toml"
    cfg.write_text('tz = "Asia/Shanghai"\nlang = "zh"\n')
    assert (load_settings(cfg).tz, load_settings(cfg).lang) == ("Asia/Shanghai", "zh")
    assert load_settings(cfg, tz="UTC", lang="en").model_dump(include={"tz", "lang"}) == {"tz": "UTC", "lang": "en"}


def test_empty_values_are_bad_input():
    with pytest.raises(UserError, match="unknown time zone ''"):
        load_settings(tz="")
    with pytest.raises(UserError, match="unknown time zone ''"):
        resolve_tz("")
    with pytest.raises(UserError, match="unknown language ''"):
        load_settings(lang="")
    with pytest.raises(UserError, match="repository '' is empty"):
        repo_kind("")
    with pytest.raises(UserError, match="repository '  ' is empty"):
        repo_kind("  ")


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", date(1, 1, 1)])
def test_days_before_git_s_first_are_out_of_range(day):
    with pytest.raises(UserError, match="is out of range: git's dates start on 1970-01-01"):
        parse_date(day, SH, now=NOW)
    assert parse_date("1970-01-01", SH, now=NOW) == date(1970, 1, 1)


def test_a_newest_commit_dated_tomorrow_gives_today_and_says_so(make_repo):
    zone = resolve_tz("Asia/Shanghai")
    today = datetime.now(zone).date()
    repo = make_repo()
    repo.commit("feat: yesterday's", datetime.combine(today - timedelta(days=1), time(9), zone).isoformat(), {"a": "1"})
    ahead = datetime.combine(today + timedelta(days=1), time(9), zone)
    repo.commit("fix: a clock a day ahead", ahead.isoformat(), {"a": "2"})
    settings = load_settings(repos=[str(repo.path)], tz="Asia/Shanghai", lang="en")
    notes: list[str] = []
    assert resolve_day(settings, None, notes=notes) == today
    assert notes == [
        f"{repo.path.name}: the newest commit is dated {ahead:%Y-%m-%d %H:%M}, in the future in Asia/Shanghai; "
        f"the report is of today, {today}"
    ]
    assert resolve_day(settings, str(today - timedelta(days=1))) == today - timedelta(days=1)  # a day given stays
    digest = build_digest(repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh", window_days=3, progress=False)
    assert digest.days[-1] == str(today) and any("在 Asia/Shanghai 时区是未来的时间" in note for note in digest.notes)


def test_a_repository_behind_a_folder_that_cannot_be_traversed_is_named(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root traverses every folder: tests/e2e/test_faults.py runs this case as another user")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(UserError, match=f"permission denied: {locked / 'repo'}"):
            repo_kind(str(locked / "repo"))
    finally:
        locked.chmod(0o700)
