"""No dead fields: every attribute the package sets on ``self`` is read somewhere in the package,
unless it is public API a user reads (PySpark's names) or a reference kept only to keep an object
alive. A field nobody reads is state someone must keep right for nothing, or a parameter silently
ignored (``ShuffleDependency.sort_key``, ``BlockStore.spilled_bytes`` were)."""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent

# read by users, as in PySpark, not by the package itself
PUBLIC = {"environment", "maxindex", "is_checkpointed"}
# held only so the object stays alive while its owner does
KEEP_ALIVE = {"_exit_record"}     # the open file Python's fault handler writes a crash to


def unread_fields(sources: dict) -> dict:
    assigned, read = {}, set()
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute):
                if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id == "self":
                    assigned.setdefault(node.attr, []).append(f"{name}:{node.lineno}")
                elif isinstance(node.ctx, (ast.Load, ast.Del)):
                    read.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                read.add(node.value)      # getattr(obj, "name") and the like
    return {field: places for field, places in assigned.items() if field not in read}


def test_every_field_the_package_sets_is_read():
    sources = {str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "sparklite").rglob("*.py")}
    unread = {f: p for f, p in unread_fields(sources).items() if f not in PUBLIC | KEEP_ALIVE}
    assert unread == {}, f"fields set but never read: {unread}"


def test_the_check_finds_a_field_nobody_reads():
    source = ("class Dependency:\n"
              "    def __init__(self, sort_key):\n"
              "        self.sort_key = sort_key\n"
              "        self.shuffle_id = 1\n"
              "    def key(self):\n"
              "        return self.shuffle_id\n")
    assert unread_fields({"deps.py": source}) == {"sort_key": ["deps.py:3"]}
