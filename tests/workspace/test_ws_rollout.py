"""Rollouts as directories, tarballs and diffs, and the hostile inputs each must refuse."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest
from ws_support import member, write_tar

from proctor.workspace import InputLimits, RolloutError, load_rollout
from proctor.workspace._diff import make
from proctor.workspace._rollout import read_transcript

PRISTINE = {"pkg/mod.py": b"a = 1\nb = 2\nc = 3\n", "tests/test_mod.py": b"def test(): pass\n"}


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


# -- directories ------------------------------------------------------------------------


def test_a_directory_reads_every_file(tmp_path: Path):
    rollout = load_rollout(_tree(tmp_path / "ws", PRISTINE), PRISTINE)
    assert (rollout.files, rollout.form) == (PRISTINE, "directory")


def test_a_directory_drops_vcs_and_bytecode_caches(tmp_path: Path):
    root = _tree(tmp_path / "ws", {**PRISTINE, ".git/HEAD": b"ref", "pkg/__pycache__/m.pyc": b"x"})
    assert set(load_rollout(root, PRISTINE).files) == set(PRISTINE)


def test_a_symlink_pointing_outside_is_refused(tmp_path: Path):
    root = _tree(tmp_path / "ws", PRISTINE)
    (tmp_path / "secret.txt").write_text("held-out answers")
    os.symlink(tmp_path / "secret.txt", root / "pkg" / "leak.txt")
    with pytest.raises(RolloutError, match="pointing outside the workspace"):
        load_rollout(root, PRISTINE)


def test_a_symlink_inside_is_read_as_a_copy(tmp_path: Path):
    root = _tree(tmp_path / "ws", PRISTINE)
    os.symlink("mod.py", root / "pkg" / "alias.py")
    assert load_rollout(root, PRISTINE).files["pkg/alias.py"] == PRISTINE["pkg/mod.py"]


def test_a_directory_symlink_is_refused(tmp_path: Path):
    root = _tree(tmp_path / "ws", PRISTINE)
    os.symlink(root / "pkg", root / "loop")
    with pytest.raises(RolloutError, match="directory"):
        load_rollout(root, PRISTINE)


def test_a_fifo_is_refused(tmp_path: Path):
    root = _tree(tmp_path / "ws", PRISTINE)
    os.mkfifo(root / "pkg" / "pipe")
    with pytest.raises(RolloutError, match="not a regular file"):
        load_rollout(root, PRISTINE)


def test_a_huge_file_is_refused(tmp_path: Path):
    root = _tree(tmp_path / "ws", {**PRISTINE, "big.bin": b"\0" * 2048})
    with pytest.raises(RolloutError, match="over the 1024-byte limit"):
        load_rollout(root, PRISTINE, limits=InputLimits(max_file_bytes=1024))


def test_too_many_files_are_refused(tmp_path: Path):
    root = _tree(tmp_path / "ws", {f"f{i}.txt": b"x" for i in range(20)})
    with pytest.raises(RolloutError, match="more than 10 files"):
        load_rollout(root, PRISTINE, limits=InputLimits(max_files=10))


# -- tarballs ---------------------------------------------------------------------------


def test_a_tarball_reads_like_a_directory(tmp_path: Path):
    tar = write_tar(tmp_path / "ws.tar", [(member(p), d) for p, d in PRISTINE.items()])
    assert load_rollout(tar, PRISTINE).files == PRISTINE


def test_a_tarball_with_one_wrapping_directory_is_unwrapped(tmp_path: Path):
    tar = write_tar(tmp_path / "ws.tgz", [(member(f"ws/{p}"), d) for p, d in PRISTINE.items()])
    assert load_rollout(tar, PRISTINE).files == PRISTINE


@pytest.mark.parametrize("name", ["../evil.py", "pkg/../../evil.py", "/etc/evil.py"])
def test_a_tarball_path_escaping_the_root_is_refused(tmp_path: Path, name: str):
    tar = write_tar(tmp_path / "ws.tar", [(member(name), b"x")])
    with pytest.raises(RolloutError, match=r"escapes|absolute"):
        load_rollout(tar, PRISTINE)


@pytest.mark.parametrize("link", ["../../etc/passwd", "/etc/passwd"])
def test_a_tarball_symlink_out_of_the_root_is_refused(tmp_path: Path, link: str):
    tar = write_tar(tmp_path / "ws.tar", [(member("pkg/leak", tarfile.SYMTYPE, link), None)])
    with pytest.raises(RolloutError, match=r"outside|absolute"):
        load_rollout(tar, PRISTINE)


def test_a_tarball_hardlink_inside_is_a_copy(tmp_path: Path):
    tar = write_tar(
        tmp_path / "ws.tar",
        [
            (member("pkg/mod.py"), b"a = 1\n"),
            (member("pkg/same.py", tarfile.LNKTYPE, "pkg/mod.py"), None),
        ],
    )
    assert load_rollout(tar, PRISTINE).files["pkg/same.py"] == b"a = 1\n"


def test_a_tarball_device_is_refused(tmp_path: Path):
    tar = write_tar(tmp_path / "ws.tar", [(member("dev/zero", tarfile.CHRTYPE), None)])
    with pytest.raises(RolloutError, match="not a regular file"):
        load_rollout(tar, PRISTINE)


def test_a_tarball_member_over_the_size_limit_is_refused_before_reading(tmp_path: Path):
    tar = write_tar(tmp_path / "ws.tar", [(member("big.bin"), b"\0" * 4096)])
    with pytest.raises(RolloutError, match="4096 bytes, over"):
        load_rollout(tar, PRISTINE, limits=InputLimits(max_file_bytes=1024))


# -- diffs ------------------------------------------------------------------------------


def _diff(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "change.diff"
    path.write_text(text)
    return path


def test_a_diff_round_trips_changes_additions_and_deletions(tmp_path: Path):
    after = {"pkg/mod.py": b"a = 1\nb = 20\nc = 3\n", "pkg/new.py": b"x = 1"}
    assert load_rollout(_diff(tmp_path, make(PRISTINE, after)), PRISTINE).files == after


def test_an_empty_diff_is_the_pristine_workspace(tmp_path: Path):
    assert load_rollout(_diff(tmp_path, ""), PRISTINE).files == PRISTINE


def test_a_plain_diff_without_prefixes_applies(tmp_path: Path):
    text = "--- pkg/mod.py\n+++ pkg/mod.py\n@@ -2 +2 @@\n-b = 2\n+b = 5\n"
    assert (
        load_rollout(_diff(tmp_path, text), PRISTINE).files["pkg/mod.py"]
        == b"a = 1\nb = 5\nc = 3\n"
    )


def test_a_git_rename_moves_the_file(tmp_path: Path):
    text = (
        "diff --git a/pkg/mod.py b/pkg/moved.py\nsimilarity index 100%\n"
        "rename from pkg/mod.py\nrename to pkg/moved.py\n"
    )
    files = load_rollout(_diff(tmp_path, text), PRISTINE).files
    assert "pkg/mod.py" not in files and files["pkg/moved.py"] == PRISTINE["pkg/mod.py"]


def test_a_hunk_at_a_shifted_line_still_applies(tmp_path: Path):
    text = "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -40,1 +40,1 @@\n-c = 3\n+c = 4\n"
    assert load_rollout(_diff(tmp_path, text), PRISTINE).files["pkg/mod.py"].endswith(b"c = 4\n")


@pytest.mark.parametrize("target", ["../../etc/cron.d/x", "/etc/cron.d/x"])
def test_a_diff_path_escaping_the_root_is_refused(tmp_path: Path, target: str):
    text = f"--- /dev/null\n+++ {target}\n@@ -0,0 +1 @@\n+evil\n"
    with pytest.raises(RolloutError, match=r"escapes|absolute"):
        load_rollout(_diff(tmp_path, text), PRISTINE)


def test_a_hunk_that_does_not_match_is_refused(tmp_path: Path):
    text = "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -1 +1 @@\n-z = 9\n+z = 0\n"
    with pytest.raises(RolloutError, match=r"hunk 1 for pkg/mod\.py does not apply"):
        load_rollout(_diff(tmp_path, text), PRISTINE)


def test_a_binary_patch_is_refused(tmp_path: Path):
    text = "diff --git a/x.bin b/x.bin\nGIT binary patch\nliteral 3\n"
    with pytest.raises(RolloutError, match="binary"):
        load_rollout(_diff(tmp_path, text), PRISTINE)


def test_a_diff_creating_a_symlink_is_refused(tmp_path: Path):
    text = (
        "diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc\n"
    )
    with pytest.raises(RolloutError, match="symbolic link"):
        load_rollout(_diff(tmp_path, text), PRISTINE)


def test_a_diff_whose_result_is_too_big_is_refused(tmp_path: Path):
    text = "--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,2 @@\n" + ("+" + "x" * 600 + "\n") * 2
    with pytest.raises(RolloutError, match="over the 1000-byte limit"):
        load_rollout(_diff(tmp_path, text), PRISTINE, limits=InputLimits(max_file_bytes=1000))


def test_a_truncated_hunk_is_refused(tmp_path: Path):
    text = "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -1,3 +1,3 @@\n a = 1\n"
    with pytest.raises(RolloutError, match="ends early"):
        load_rollout(_diff(tmp_path, text), PRISTINE)


def test_something_that_is_neither_is_refused(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RolloutError, match="not a directory, a tarball"):
        load_rollout(tmp_path / "notes.txt", PRISTINE)


# -- transcripts ------------------------------------------------------------------------


def test_a_jsonl_transcript_is_carried(tmp_path: Path):
    (tmp_path / "t.jsonl").write_text('{"type": "command", "cmd": "pytest"}\n')
    assert read_transcript(tmp_path / "t.jsonl") == [{"type": "command", "cmd": "pytest"}]


def test_a_transcript_of_non_objects_is_refused(tmp_path: Path):
    (tmp_path / "t.json").write_text("[1, 2]")
    with pytest.raises(RolloutError, match="list of JSON objects"):
        read_transcript(tmp_path / "t.json")
