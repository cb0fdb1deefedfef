"""Jinja2 environments whose compiled templates outlive the process: the report's, the prompts', the
archive's pages' and nbconvert's exporters'.

Parsing and compiling a template costs more than rendering it, and every report runs in fresh
processes (the kernel, then the command that publishes). Jinja2's ``FileSystemBytecodeCache`` keeps
what it compiles in ``templates/`` of the cache directory (:func:`repodigest.cache.default_cache_dir`),
a folder private to the user (mode 700, the user's own, as Jinja2 asks of its own folder: it holds
code); an entry is found by the template's name and file, and used only while the template's source
(its checksum), Jinja2's and Python's versions are the same. The file name also carries the settings
that shape the compiled code (delimiters, whitespace handling, autoescaping, extensions), so an
environment set up differently never reads another's code. A folder that cannot be made private, read
or written means only that templates are compiled again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import jinja2

from .cache import default_cache_dir

# Environment settings that the compiled code depends on (the lexer's and the code generator's).
_SHAPING = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "autoescape",
    "optimized",
    "is_async",
    "finalize",
    "code_generator_class",
)


class _Kept(jinja2.FileSystemBytecodeCache):
    """Jinja2's bytecode cache, where an error of the disk only means compiling again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def folder_environment(
    folder: str | Path, *, autoescape: bool, trim: bool, keep_trailing_newline: bool
) -> jinja2.Environment:
    """The templates of ``folder``, as every environment of repodigest's own templates has them: an undefined
    name an error, the compiled templates kept (:func:`keep_compiled`). ``trim``: a block tag's line leaves
    nothing in the output (Jinja2's ``trim_blocks`` and ``lstrip_blocks``)."""
    return keep_compiled(
        jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=autoescape,
            undefined=jinja2.StrictUndefined,
            trim_blocks=trim,
            lstrip_blocks=trim,
            keep_trailing_newline=keep_trailing_newline,
        )
    )


def keep_compiled(env: jinja2.Environment, tag: str = "") -> jinja2.Environment:
    """``env`` with its compiled templates kept between processes (see the module docstring); ``tag`` names
    what else its code depends on (a library's version). Unchanged when no private folder can be had."""
    shaping = [repr(getattr(env, name, None)) for name in _SHAPING] + sorted(env.extensions) + [tag]
    if any(" at 0x" in text for text in shaping):  # a setting named by its address: no later process could match it
        return env
    folder = _private_folder()
    if folder is not None:
        fingerprint = hashlib.sha1("\0".join(shaping).encode()).hexdigest()[:16]
        env.bytecode_cache = _Kept(folder, pattern=f"__repodigest_{fingerprint}_%s.cache")
    return env


def _private_folder() -> str | None:
    """``templates/`` in the cache directory, made if need be; None unless it is a directory of this user's
    that no one else may write to (what it holds is run as code)."""
    folder = default_cache_dir() / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return str(folder) if stat.S_ISDIR(info.st_mode) and mine and not info.st_mode & 0o077 else None
