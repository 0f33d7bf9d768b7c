"""What an expression stands for, as name resolution (``connlint.names``) finds it."""

from __future__ import annotations

import ast

from connlint.catalog import ResourceType


class Value:
    """What an expression stands for: a qualified module-level name (``qual``),
    an instance of a catalog type (``rtype``), or an instance of one of the
    project's classes (``instance``: the class node when it is defined in
    this module, else its qualified name).  Immutable by convention."""

    __slots__ = ("qual", "rtype", "origin", "instance", "shared", "factory")

    def __init__(self, qual: str | None = None, rtype: ResourceType | None = None, origin: str | None = None,
                 instance=None, shared: bool = False, factory: bool = False):
        self.qual = qual
        self.rtype = rtype
        self.origin = origin  # where a project module defines it: "app/db.py:12"
        self.instance = instance
        # a call's result that the callee keeps and shares (a cached getter's
        # engine): typed, but not the caller's to release
        self.shared = shared
        # a pool a function of this module makes on every call: where that
        # function runs per request, the pool is reported inside it
        self.factory = factory

    def _key(self) -> tuple:
        instance = id(self.instance) if isinstance(self.instance, ast.AST) else self.instance
        return (self.qual, self.rtype, self.origin, instance, self.shared, self.factory)

    def __eq__(self, other) -> bool:
        return type(other) is Value and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Value(qual={self.qual!r}, rtype={self.rtype!r}, origin={self.origin!r}, instance={self.instance!r})"

