"""Plain data records, declared like dataclasses but built without compiling code.

``dataclasses`` compiles an ``__init__``, ``__eq__`` and ``__repr__`` for each
class, about half a millisecond apiece at import; connlint's start-up is paid
on every pre-commit run, so its records are declared this way instead::

    class Fix(Record, frozen=True):
        applicability: str
        edits: tuple = ()
        intent: object = field(default=None, compare=False)

Fields are the annotated class attributes (inherited ones first); a default
is the attribute's value, or ``field(factory=dict)`` for a fresh one per
record.  Records compare equal field by field; frozen ones are hashable (by
convention immutable: nothing enforces it).  Records made by the thousand in
the analysis (scopes, values, lifetime atoms) have hand-written classes with
``__slots__`` instead: a generic ``__init__`` is slower to call.
"""

from __future__ import annotations

_MISSING = object()


class Field:
    __slots__ = ("default", "factory", "compare")

    def __init__(self, default=_MISSING, factory=None, compare: bool = True):
        self.default = default
        self.factory = factory
        self.compare = compare


def field(default=_MISSING, factory=None, compare: bool = True) -> Field:
    """A field's default made afresh per record (``factory``), or left out
    of comparisons (``compare=False``)."""
    return Field(default, factory, compare)


class Record:
    _fields: tuple = ()  # (name, Field) in order
    _compared: tuple = ()  # names that __eq__ and __hash__ look at

    def __init_subclass__(cls, frozen: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        fields: dict = {}
        for base in reversed(cls.__bases__):
            fields.update(getattr(base, "_fields", ()))  # inherited fields first
        for name in cls.__dict__.get("__annotations__", {}):
            if not name.startswith("_"):
                value = cls.__dict__.get(name, _MISSING)
                fields[name] = value if isinstance(value, Field) else Field(value)
        cls._fields = tuple(fields.items())
        cls._compared = tuple(name for name, spec in cls._fields if spec.compare)
        for name, spec in cls._fields:
            if isinstance(cls.__dict__.get(name), Field):
                delattr(cls, name)  # the instance attribute is always set
        cls.__hash__ = Record._hash if frozen else None

    def __init__(self, *args, **kwargs):
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} positional arguments, {len(args)} given")
        for (name, _), value in zip(fields, args):
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for {name!r}")
            kwargs[name] = value
        for name, spec in fields:
            if name in kwargs:
                value = kwargs.pop(name)
            elif spec.factory is not None:
                value = spec.factory()
            elif spec.default is not _MISSING:
                value = spec.default
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {name!r}")
            setattr(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got an unexpected argument {next(iter(kwargs))!r}")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._compared)

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def _hash(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__name__}({shown})"

    def copy_with(self, **changes):
        """A copy with some fields changed (``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name, _ in self._fields}
        values.update(changes)
        return type(self)(**values)
