"""Heal's fix as suggested changes: the numbers are proven by applying the suggestions to the
head's files as GitHub does and comparing with the fix commit (`assert_makes_the_fix`), on
diffs made by real git."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from autoheal.modes.heal.suggest import (
    MAX_COMMENTS,
    MAX_SUGGESTION_CHARS,
    NEWLINE,
    NO_ANCHOR,
    NO_DIFF,
    NOT_IN_PULL,
    OUTSIDE,
    OVER_CAP,
    TOO_LONG,
    WHOLE_FILE,
    ReviewComment,
    Suggestions,
    as_patch,
    suggest,
)
from tests.suggest_helpers import (
    Pull,
    apply_suggestions,
    assert_makes_the_fix,
    exact,
    numbered,
    open_pull,
    with_lines,
)

BASE = numbered(30)


def fixed(
    pull: Pull, files: dict[str, str | bytes | None], run: Sequence[Sequence[str]] = ()
) -> Suggestions:
    result = suggest(pull.fix(files, run=run), pull.files())
    assert_makes_the_fix(pull, result.comments, result.leftover)
    return result


def lines_of(result: Suggestions) -> list[tuple[str, int | None, int]]:
    return [(c.path, c.start_line, c.line) for c in result.comments]


def test_a_one_line_change_is_one_suggestion_on_that_line(tmp_path: Path) -> None:
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {10: "ten"})})
    result = fixed(pull, {"f.txt": with_lines(BASE, {10: "TEN"})})
    assert result.comments == (ReviewComment("f.txt", 10, "```suggestion\nTEN\n```"),)
    assert result.comments[0].as_json() == {
        "path": "f.txt",
        "body": "```suggestion\nTEN\n```",
        "line": 10,
        "side": "RIGHT",
    }
    assert (result.leftover, result.reasons, result.left) == ("", (), 0)


def test_a_range_of_lines_is_one_multi_line_suggestion(tmp_path: Path) -> None:
    change = with_lines(BASE, {9: "nine", 10: "ten", 11: "eleven", 12: "twelve"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    result = fixed(pull, {"f.txt": with_lines(change, {10: "ten and eleven", 11: None, 12: "12"})})
    [comment] = result.comments
    assert (comment.start_line, comment.line) == (10, 12)
    assert comment.as_json()["start_side"] == "RIGHT"
    assert comment.body == "```suggestion\nten and eleven\n12\n```"


def test_a_deletion_is_an_empty_suggestion(tmp_path: Path) -> None:
    change = with_lines(BASE, {10: "ten", 11: "eleven"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    result = fixed(pull, {"f.txt": with_lines(change, {10: None, 11: None})})
    assert lines_of(result) == [("f.txt", 10, 11)]
    assert result.comments[0].body == "```suggestion\n```"


def test_an_insertion_repeats_the_line_before_it(tmp_path: Path) -> None:
    change = with_lines(BASE, {10: "ten"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    result = fixed(pull, {"f.txt": with_lines(change, {11: "inserted\nline 11"})})
    assert lines_of(result) == [("f.txt", None, 10)]
    assert result.comments[0].body == "```suggestion\nten\ninserted\n```"


def test_an_insertion_at_the_top_of_a_new_file_repeats_the_line_after_it(tmp_path: Path) -> None:
    pull = open_pull(tmp_path, {}, {"new.py": "import os\n"})
    result = fixed(pull, {"new.py": "from __future__ import annotations\nimport os\n"})
    assert lines_of(result) == [("new.py", None, 1)]
    assert (
        result.comments[0].body
        == "```suggestion\nfrom __future__ import annotations\nimport os\n```"
    )


def test_insertions_on_both_sides_of_a_line_sit_on_different_lines(tmp_path: Path) -> None:
    """The pull request's diff starts at line 7: an insertion before it cannot sit on line 6,
    so it sits on line 7, and the insertion after line 7 then moves on to line 8."""
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {10: "ten"})})
    result = fixed(pull, {"f.txt": with_lines(BASE, {7: "a\nline 7\nb", 10: "ten"})})
    assert lines_of(result) == [("f.txt", None, 7), ("f.txt", None, 8)]


def test_a_change_outside_the_pull_requests_diff_goes_to_the_patch(tmp_path: Path) -> None:
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {3: "three"})})
    result = fixed(pull, {"f.txt": with_lines(BASE, {3: "three", 25: "twenty-five"})})
    assert result.comments == ()
    assert result.reasons == (("f.txt", OUTSIDE),)
    assert result.left == 1
    assert "+twenty-five\n" in result.leftover


def test_one_hunk_is_split_between_a_suggestion_and_the_patch(tmp_path: Path) -> None:
    """Lines 7-13 are in the pull request's diff: line 12 is suggested, line 15 goes to the
    patch, whose context stops short of line 12 so it applies before or after the suggestion."""
    change = with_lines(BASE, {10: "ten"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    result = fixed(pull, {"f.txt": with_lines(change, {12: "twelve", 15: "fifteen"})})
    assert lines_of(result) == [("f.txt", None, 12)]
    assert "\n@@ -13,6 +13,6 @@ line 8\n line 13\n" in result.leftover
    assert "line 12" not in result.leftover


def test_the_patchs_hunks_say_where_they_go_around_suggestions(tmp_path: Path) -> None:
    """Lines added and removed by the patch's earlier hunks move its later ones: each header
    says where its lines are in the head and in the patched file (`assert_makes_the_fix`)."""
    change = with_lines(BASE, {10: "ten"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    fix = with_lines(change, {2: "line 2\na\nb", 12: "twelve", 15: "fifteen", 16: None, 25: "x"})
    result = fixed(pull, {"f.txt": fix})
    assert lines_of(result) == [("f.txt", None, 12)]
    assert result.left == 3


def test_a_patch_of_whole_hunks_is_the_fix_itself(tmp_path: Path) -> None:
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {3: "three"})})
    fix_diff = pull.fix({"f.txt": with_lines(BASE, {3: "three", 15: "a\nb\nc", 28: None})})
    result = suggest(fix_diff, pull.files())
    assert (result.comments, result.leftover) == ((), fix_diff)


def test_a_file_the_pull_request_does_not_change_goes_to_the_patch(tmp_path: Path) -> None:
    pull = open_pull(
        tmp_path, {"f.txt": BASE, "g.txt": BASE}, {"f.txt": with_lines(BASE, {10: "ten"})}
    )
    result = fixed(pull, {"f.txt": with_lines(BASE, {10: "TEN"}), "g.txt": "other\n"})
    assert lines_of(result) == [("f.txt", None, 10)]
    assert result.reasons == (("g.txt", NOT_IN_PULL),)
    assert result.leftover.startswith("diff --git a/g.txt b/g.txt\n")


@pytest.mark.parametrize(
    ("files", "run", "reason"),
    [
        pytest.param({"created.txt": "hello\n"}, (), WHOLE_FILE["added"], id="new-file"),
        pytest.param({"f.txt": None}, (), WHOLE_FILE["deleted"], id="deleted"),
        pytest.param({}, [["mv", "f.txt", "moved.txt"]], WHOLE_FILE["renamed"], id="renamed"),
        pytest.param({}, [["update-index", "--chmod=+x", "f.txt"]], WHOLE_FILE["mode"], id="mode"),
        pytest.param({"f.txt": b"\x00\x01binary\n"}, (), WHOLE_FILE["binary"], id="binary"),
    ],
)
def test_what_no_suggestion_can_do_goes_to_the_patch(
    tmp_path: Path, files: dict[str, str | bytes | None], run: list[list[str]], reason: str
) -> None:
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {10: "ten"})})
    result = fixed(pull, files, run=run)
    assert result.comments == ()
    assert result.reasons[0][1] == reason


def test_a_file_github_shows_no_diff_for_goes_to_the_patch(tmp_path: Path) -> None:
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {10: "ten"})})
    files = [{k: v for k, v in item.items() if k != "patch"} for item in pull.files()]
    result = suggest(pull.fix({"f.txt": with_lines(BASE, {10: "TEN"})}), files)
    assert result.comments == ()
    assert result.reasons == (("f.txt", NO_DIFF),)
    assert_makes_the_fix(pull, result.comments, result.leftover)


def test_backticks_in_the_content_get_a_longer_fence(tmp_path: Path) -> None:
    text = "text\n```\ncode\n```\n"
    pull = open_pull(tmp_path, {"README.md": text}, {"README.md": text + "more\n"})
    result = fixed(pull, {"README.md": "text\n````python\ncode\n````\nmore\n"})
    assert [c.body.split("\n")[0] for c in result.comments] == ["`````suggestion"] * 2


def test_crlf_lines_keep_their_carriage_return(tmp_path: Path) -> None:
    base = numbered(12).replace("\n", "\r\n")
    change = base.replace("line 6\r\n", "six\r\n")
    pull = open_pull(tmp_path, {"win.txt": base}, {"win.txt": change})
    result = fixed(pull, {"win.txt": change.replace("six\r\n", "SIX\r\nseven\r\n")})
    [comment] = result.comments
    assert comment.body == "```suggestion\nSIX\r\nseven\r\n```"


@pytest.mark.parametrize(
    ("change", "fix"),
    [
        pytest.param("line 1\nend", "line 1\nlast", id="changes-the-last-line"),
        pytest.param("line 1\nend", "line 1\nend\n", id="adds-the-final-newline"),
        pytest.param("end", "new\nend", id="inserts-before-it-with-no-other-neighbour"),
    ],
)
def test_a_last_line_without_newline_goes_to_the_patch(
    tmp_path: Path, change: str, fix: str
) -> None:
    """A suggestion cannot show whether its last line ends in a newline."""
    pull = open_pull(tmp_path, {"f.txt": "line 1\nline 2"}, {"f.txt": change})
    result = fixed(pull, {"f.txt": fix})
    assert result.comments == ()
    assert result.reasons == (("f.txt", NEWLINE),)


def test_an_insertion_without_context_lines_goes_to_the_patch(tmp_path: Path) -> None:
    """A diff made with -U0 shows no line next to an insertion to repeat in a block."""
    change = with_lines(BASE, {10: "ten"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    pull.fix({"f.txt": with_lines(change, {11: "new\nline 11"})})
    result = suggest(exact(pull.repos.work, "diff", "-U0", pull.head, pull.fixed), pull.files())
    assert (result.comments, result.reasons) == ((), (("f.txt", NO_ANCHOR),))


def test_paths_with_spaces_and_quoted_names_match_the_pull_requests(tmp_path: Path) -> None:
    names = ["dir with space/a b.txt", "ünïcode.txt", 'tab\there "q".txt']
    pull = open_pull(
        tmp_path,
        dict.fromkeys(names, BASE),
        {name: with_lines(BASE, {10: "ten"}) for name in names},
    )
    result = fixed(pull, {name: with_lines(BASE, {10: "TEN"}) for name in names})
    assert sorted(lines_of(result)) == sorted((name, None, 10) for name in names)


def test_more_changes_than_the_cap_go_to_the_patch(tmp_path: Path) -> None:
    text = numbered(4 * (MAX_COMMENTS + 10))
    pull = open_pull(tmp_path, {}, {"big.txt": text})
    result = fixed(
        pull, {"big.txt": with_lines(text, {4 * n: f"changed {n}" for n in range(1, 61)})}
    )
    assert len(result.comments) == MAX_COMMENTS
    assert result.left == 10
    assert result.reasons == (("big.txt", OVER_CAP.format(MAX_COMMENTS)),)


def test_a_change_too_long_for_a_comment_goes_to_the_patch(tmp_path: Path) -> None:
    pull = open_pull(tmp_path, {}, {"data.txt": "short\nend\n"})
    long = "".join(f"{n} {'x' * 70}\n" for n in range(MAX_SUGGESTION_CHARS // 70))
    result = fixed(pull, {"data.txt": long + "end\n"})
    assert result.comments == ()
    assert result.reasons == (("data.txt", TOO_LONG),)


def test_a_format_patch_reads_like_the_diff(tmp_path: Path) -> None:
    change = with_lines(BASE, {10: "ten"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    mail = pull.fix({"f.txt": with_lines(change, {10: "-- ", 11: None})}, format_patch=True)
    assert "\n-- \n" in mail  # git's signature, after the hunk
    result = suggest(mail, pull.files())
    assert lines_of(result) == [("f.txt", 10, 11)]
    assert result.comments[0].body == "```suggestion\n-- \n```"
    assert_makes_the_fix(pull, result.comments, result.leftover)


def test_the_whole_fix_as_a_patch(tmp_path: Path) -> None:
    change = with_lines(BASE, {10: "ten"})
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": change})
    fix_diff = pull.fix({"f.txt": with_lines(change, {10: "TEN", 25: "25"}), "g.txt": "g\n"})
    result = as_patch(fix_diff, "refused")
    assert result.leftover == fix_diff
    assert (result.reasons, result.left) == ((("f.txt", "refused"), ("g.txt", "refused")), 3)
    assert_makes_the_fix(pull, (), result.leftover)


def test_apply_suggestions_sees_a_fence_that_closes_too_early() -> None:
    """The proof's own check: a block with a fence no longer than the content's is caught."""
    short = ReviewComment("f", 1, "```suggestion\n```\n```")
    with pytest.raises(AssertionError, match="ends early"):
        apply_suggestions("a\n", [short])
