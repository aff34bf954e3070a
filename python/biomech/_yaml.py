"""YAML files read from Python (sweep configs): bounded and located.

Checked while the document is composed, before anything is expanded:
aliases may not expand the document beyond ``MAX_VALUES`` values (an alias
bomb of a few lines would otherwise expand to billions), nesting may not go
deeper than ``MAX_DEPTH``, an alias may not refer to a node that encloses it,
and the file must be valid UTF-8 and at most ``MAX_BYTES`` long. Every error is
a biomech.FileError naming the file, the line and the field; ``load`` also
returns the line of every value by dotted path, so that later checks can name
the line of the field they reject.

The C++ loaders apply the same limits (libbiomech/src/yaml_limits.hpp, docs/errors.md).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import _core
from ._errors import file_error, read_text_file

MAX_BYTES = 1 << 20                   # a config is a few hundred bytes; 1 MiB is generous
MAX_DEPTH = _core.MAX_YAML_DEPTH      # nested mappings and lists (the C++ loaders' limit)
MAX_VALUES = _core.MAX_YAML_VALUES    # scalars, lists and mappings after expanding aliases


def _field(parts: list) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def load(path: str | os.PathLike, what: str = "file") -> tuple[Any, dict[str, int]]:
    """(the document as Python objects, {dotted field: 1-based line}) of a YAML file."""
    import yaml

    text = read_text_file(path, what, MAX_BYTES)

    class Loader(yaml.SafeLoader):
        """SafeLoader that counts expanded values and depth while composing."""

        def __init__(self, stream):
            super().__init__(stream)
            self.total = 0
            self.depth = 0
            self.sizes: dict[int, int] = {}

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                target = self.anchors.get(event.anchor)
                if target is not None:
                    if id(target) not in self.sizes:
                        raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} refers to a node that "
                                                          "encloses it (a cycle)", event.start_mark)
                    self.count(self.sizes[id(target)], event.start_mark)
                return super().compose_node(parent, index)
            mark = self.peek_event().start_mark
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            before = self.total
            self.count(1, mark)
            node = super().compose_node(parent, index)
            self.depth -= 1
            self.sizes[id(node)] = self.total - before
            return node

        def count(self, n: int, mark) -> None:
            self.total += n
            if self.total > MAX_VALUES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_VALUES} values once aliases are "
                                                  "expanded (an alias bomb?)", mark)

    loader = None
    try:
        loader = Loader(text)  # checks the characters
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        else:  # a reader error: a character offset
            at = getattr(e, "position", 0) or 0
            line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        problem = getattr(e, "problem", None) or getattr(e, "reason", None) or str(e).splitlines()[0]
        raise file_error(path, line, "<file>", f"not valid YAML (line {line}, column {column}): {problem}") from None
    except RecursionError:
        raise file_error(path, 0, "<file>", f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        if loader is not None:
            loader.dispose()

    lines: dict[str, int] = {}

    def walk(n, parts: list, line: int, depth: int) -> None:
        # a mapping entry is on its key's line, a list item on its own
        if depth > MAX_DEPTH:
            return
        if parts:
            lines.setdefault(_field(parts), line)
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else "?"
                walk(v, parts + [key], k.start_mark.line + 1, depth + 1)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, parts + [i], v.start_mark.line + 1, depth + 1)

    if node is not None:
        walk(node, [], node.start_mark.line + 1, 0)
    return data, lines


def line_of(lines: dict[str, int], field: str) -> int:
    """Line of `field` or of its nearest parent in a ``load`` line map (0 when unknown)."""
    f = field
    while f:
        if f in lines:
            return lines[f]
        cut = max(f.rfind("."), f.rfind("["))
        f = f[:cut] if cut > 0 else ""
    return 0
