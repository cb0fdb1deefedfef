"""Chart wording per language: titles, axis names and notes (zh, en)."""

from __future__ import annotations

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "others": "其他", "other_bots": "其他机器人", "bots": "机器人", "commits": "提交数",
        "lines": "变更行数", "added": "新增行", "deleted": "删除行", "author": "作者", "area": "模块",
        "repo": "仓库", "day": "日期", "level": "重要度", "high": "高", "medium": "中", "low": "低",
        "report_day": "报告日",
        "authors": "作者：提交数与变更行数", "areas": "模块：提交数与变更行数",
        "levels": "各仓库的重要度分布", "area-trend": "各模块每日提交数",
        "author-area": "作者 × 模块：提交数（整个窗口）",
        "unavailable": "（未能导出图表图片：{why}。交互式图表见同目录的 report.html。）",
        "none": "（本期没有可绘制的数据。）",
        "images_off": "（配置中关闭了图表图片（[charts] images = false）。交互式图表见同目录的 report.html。）",
        "multi_area": "跨多个模块的提交在每个模块各计一次",
    },
    "en": {
        "others": "others", "other_bots": "other bots", "bots": "bots", "commits": "commits",
        "lines": "lines changed", "added": "lines added", "deleted": "lines deleted", "author": "author",
        "area": "area", "repo": "repository", "day": "day", "level": "importance", "high": "high",
        "medium": "medium", "low": "low", "report_day": "report day",
        "authors": "Authors: commits and lines changed", "areas": "Areas: commits and lines changed",
        "levels": "Importance by repository", "area-trend": "Commits per day by area",
        "author-area": "Author × area: commits (whole window)",
        "unavailable": "(Chart images could not be exported: {why}. The interactive charts are in "
                       "report.html next to this file.)",
        "none": "(Nothing to chart for this period.)",
        "images_off": "(Chart images are turned off ([charts] images = false). The interactive charts are in "
                      "report.html next to this file.)",
        "multi_area": "a commit touching several areas counts once in each",
    },
}
OTHERS_LABELS = frozenset(lab[k] for lab in _LABELS.values() for k in ("others", "other_bots"))


def labels(lang: str) -> dict[str, str]:
    """The chart labels for ``lang`` ("zh" or "en")."""
    try:
        return _LABELS[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(_LABELS)}") from None
