"""Property tests: parsers and the Markdown renderer hold for any input, not just the examples."""

import re
import string
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from repodigest.frame import to_frame
from repodigest.models import Commit, FileChange
from repodigest.report import build_context, render_markdown
from repodigest.scoring import assess
from repodigest.scoring.areas import path_area, title_areas
from repodigest.sources.git_process import run_git
from repodigest.sources.gitlog import parse_stream, range_args
from repodigest.sources.local_git import LocalGitSource
from repodigest.sources.message import parse_co_authors, parse_pr_number, split_message
from repodigest.window import Window, resolve_tz

SH = resolve_tz("Asia/Shanghai")
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200)
segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"), min_size=1, max_size=20
).filter(lambda s: s not in (".", "..") and s != ".git")


@given(title=text.map(lambda t: t.replace("\n", " ").replace("\r", " ")), number=st.integers(1, 10**8))
def test_pr_number_is_the_last_parenthesised_reference(title, number):
    assert parse_pr_number(f"{title} (#{number})") == number


@given(
    names=st.lists(
        st.text(string.ascii_letters + " .-", min_size=1, max_size=20).map(str.strip).filter(bool),
        max_size=4,
        unique=True,
    ),
    body=text,
)
def test_co_author_trailers_round_trip(names, body):
    trailers = "\n".join(f"Co-authored-by: {n} <{i}@x.org>" for i, n in enumerate(names))
    message = f"title\n\n{body.replace('co-authored-by', '')}\n\n{trailers}"
    assert (
        parse_co_authors(message.replace("Co-authored-by", "Co-authored-by"))[-len(names) :]
        == tuple(f"{n} <{i}@x.org>" for i, n in enumerate(names))
        or not names
    )


@given(message=text)
def test_split_message_title_is_one_line(message):
    title, body = split_message(message)
    assert "\n" not in title and "\r" not in title


@given(parts=st.lists(segment, min_size=1, max_size=6))
def test_path_area_is_a_readable_name(parts):
    area = path_area("/".join(parts))
    assert area and "/" not in area and area == area.lower()


@given(title=text)
@example(title="[[]")  # a bracket inside a tag is no tag
@example(title="[a[]b] x")
def test_title_areas_are_normalised(title):
    for area in title_areas(title):
        assert area == area.lower() and area.strip() == area and "[" not in area


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.lists(segment, min_size=1, max_size=3).map("/".join), min_size=1, max_size=5, unique=True),
    message=text.filter(lambda m: m.strip()),
)
def test_git_log_parser_round_trips_any_path_and_message(make_repo, names, message):
    # Case-insensitive clashes (a vs A) and a file that is also a directory cannot coexist on disk.
    lowered = [n.lower() for n in names]
    if len(set(lowered)) < len(lowered) or any(a.startswith(b + "/") for a in lowered for b in lowered):
        return
    repo = make_repo()
    repo.commit(message, "2026-02-16T12:00:00+08:00", {n: f"{i}\n" for i, n in enumerate(names)})
    [commit] = LocalGitSource(repo.path).commits(Window(date(2026, 2, 16), 1, SH))
    assert sorted(f.path for f in commit.files) == sorted(names)
    assert all(f.added_lines == 1 and f.status == "added" for f in commit.files)
    stored = repo.git("cat-file", "commit", commit.sha).split("\n\n", 1)[1]  # the message as git keeps it
    assert commit.message == stored.removesuffix("\n")
    assert commit.message.split() == message.split()  # git's clean-up only touches whitespace


def _commit(i: int, title: str, body: str, author: str, path: str) -> Commit:
    when = datetime(2026, 2, 16, 10, tzinfo=UTC) - timedelta(minutes=i)
    return Commit(
        repo="o/r",
        sha=f"{i:040x}",
        parents=(),
        author_name=author,
        author_email="a@x",
        author_date=when,
        committer_name=author,
        committer_email="a@x",
        committer_date=when,
        message=f"{title}\n\n{body}",
        title=title,
        pr_number=parse_pr_number(title),
        co_authors=(),
        files=(FileChange(path=path, status="modified", added_lines=i + 1, deleted_lines=0),),
        url=f"https://github.com/o/r/commit/{i:040x}",
    )


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(
        st.tuples(
            text.map(lambda t: t.replace("\n", " ")),
            text,
            text.map(lambda t: t.replace("\n", " ")),
            st.lists(segment, min_size=1, max_size=3).map("/".join),
        ),
        min_size=1,
        max_size=5,
    ),
    lang=st.sampled_from(["zh", "en"]),
)
def test_any_text_renders_valid_tables_and_resolving_anchors(items, lang):
    commits = [_commit(i, *item) for i, item in enumerate(items)]
    frame = to_frame([(c, assess(c)) for c in commits], SH, ["2026-02-16"])
    md = render_markdown(build_context(frame, ["o/r"], ["2026-02-16"], lang))
    ids = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', md))
    links = re.findall(r"\]\(#([a-z0-9-]+)\)", md)
    assert set(links) <= ids and len(links) >= 3 + len(
        commits
    )  # repo, summary, a group per level with entries, commits
    rows = [ln for ln in md.splitlines() if ln.startswith("| 2026-02-16 ")]
    assert len(rows) == len(commits)
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 4
    user_lines = "\n".join(ln for ln in md.splitlines() if not ln.startswith("<a id="))
    assert "<" not in user_lines.replace("&lt;", "")
    assert not re.search(r"(?<!\\)\]\((?!#|https://github\.com/o/r/)", md)
    headings = [ln for ln in md.splitlines() if ln.startswith("#")]
    assert sum(1 for h in headings if h.startswith("### ") and not h.startswith("### 📊")) >= len(commits)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    message=st.lists(st.one_of(text, st.just("\x1eREPODIGEST"), st.just("\n")), min_size=1, max_size=6).map("".join),
    names=st.lists(st.one_of(segment, st.just("\x1eREPODIGEST")), min_size=1, max_size=4, unique=True),
    size=st.integers(1, 97),
)
def test_no_message_or_path_can_cut_a_log_record_whatever_the_pieces(make_repo, message, names, size):
    if len({n.lower() for n in names}) < len(names):
        return
    repo = make_repo()
    repo.commit("first", "2026-02-16T10:00:00+08:00", {"a.txt": "a\n"})
    for i, name in enumerate(names):
        repo.write(f"d/{name}", f"{i}\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty-message", "--cleanup=verbatim", "-F", "-", input=message.encode())
    output = run_git(repo.path, *range_args("HEAD"))
    pieces = [output[i : i + size] for i in range(0, len(output), size)]
    newest, oldest = parse_stream(pieces)
    assert newest.message == message.rstrip("\n") and sorted(f.path for f in newest.files) == sorted(
        f"d/{n}" for n in names
    )
    assert oldest.message == "first" and [f.path for f in oldest.files] == ["a.txt"]
