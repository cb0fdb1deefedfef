"""What a commit message says (sources/message.py), read in time linear in its length, however it is padded."""

import subprocess
import sys
import textwrap

from repodigest.sources.message import parse_co_authors, revert_target, same_title, without_pr_suffix

PAD = " \t" * 20


def test_trailers_revert_titles_and_pr_suffixes_read_through_padding():
    message = f"title\n\n  Co-authored-by:{PAD}Jane Doe <j@x.org>{PAD}\r\nco-authored-by: Ann <a@x.org>\nCo-authored-by:{PAD}\n"
    assert parse_co_authors(message) == ("Jane Doe <j@x.org>", "Ann <a@x.org>")
    assert revert_target(f"revert(core):{PAD}drop the cache{PAD}") == (None, "drop the cache")
    assert revert_target("revert:") == revert_target(f"revert:{PAD}") == (None, None)
    assert without_pr_suffix(f"Add cache{PAD}(#12){PAD}") == "Add cache" and without_pr_suffix("(#1) x") == "(#1) x"
    assert same_title("Add cache (#12)", "Add cache") and not same_title("Add cache (#12) x", "Add cache")


def test_a_one_megabyte_padded_message_is_read_without_backtracking():
    # Patterns with two adjacent quantifiers over the same characters take time quadratic in the padding
    # (40,000 spaces: seconds; a megabyte: hours). Run apart, so that a regression fails at the timeout
    # instead of hanging the suite; linear parsing takes a fraction of a second.
    code = textwrap.dedent(
        """
        from repodigest.sources.message import parse_co_authors, revert_target, same_title, split_message
        n = 1_000_000
        for message in (
            "t\\n\\nCo-authored-by:" + " " * n + "x",
            "t\\n\\nCo-authored-by: x" + " " * n + "y",
            "revert:" + " " * n + "x",
            "fix" + " " * n + "x (#1",
        ):
            parse_co_authors(message)
            revert_target(message)
            same_title(split_message(message)[0], "fix")
        print(parse_co_authors("t\\n\\nCo-authored-by:" + " " * n + "Jane <j@x.org>" + " " * n))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "('Jane <j@x.org>',)"
