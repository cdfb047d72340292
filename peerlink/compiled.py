"""Hot reads whose SQL Django compiles once per process instead of on every request.

On a member page most of the time in Django's ORM goes into building and
compiling each query's SQL, not into running it (docs/performance.md). A few
reads run on nearly every page with the same shape and only different values:
`CompiledRows` compiles those once and sends the same SQL every time after.

    stamps = CompiledRows(lambda ids, since: Member.objects.filter(
        pk__in=ids, updated_at__lte=since).values_list("pk", "updated_at"))
    stamps.rows(ids=[3, 5], since=moment)

The SQL is Django's own for the queryset `build` returns: the rule stays in the
ORM, in one place. The first call of each shape (which values are None, how
long each list is) builds the queryset with stand-in values, compiles it, and
records where each stand-in lands among the SQL's parameters; each later call
puts the real values there. Every changing value must therefore be an argument
of `build`: one it reads for itself (the time now, a setting) would be kept as
first read. A value that does not reach the SQL as given (its stand-in found
nowhere: the query changed it on the way) is refused when the shape is first
compiled, and a shape with an empty list runs through the ORM as it would
without this.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Stand-ins: integers and moments no real row holds, each different.
_FIRST_STAND_IN = -(10**15)
_STAND_IN_DAY = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)


class CompiledRows:
    """A `values_list` query compiled once per shape; `rows(**values)` runs it."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, tuple] = {}

    def rows(self, **values) -> list[tuple]:
        if any(isinstance(value, list | tuple) and not value for value in values.values()):
            return list(self.build(**values))  # the ORM knows an empty IN needs no query
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else value is None)
            for name, value in sorted(values.items())
        )
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = self._compile(values)
        alias, sql, slots, constants, converters = compiled
        connection = connections[alias]
        params = [
            constants[i] if slot is None else _value_at(values, slot, connection)
            for i, slot in enumerate(slots)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:  # as Django converts them (SQLite's moments, say)
            rows = [_converted(row, converters, connection) for row in rows]
        return rows

    def _compile(self, values: dict) -> tuple:
        counter = itertools.count()
        stand_ins: dict[object, tuple] = {}

        def stand_in(name, index, value):
            if value is None:
                return None
            number = next(counter)
            if isinstance(value, datetime.datetime):
                made = _STAND_IN_DAY + datetime.timedelta(microseconds=number)
            elif isinstance(value, int) and not isinstance(value, bool):
                made = _FIRST_STAND_IN - number
            else:
                raise TypeError(f"{name}: only integers and moments can be compiled once")
            stand_ins[made] = (name, index)
            return made

        built = {
            name: [stand_in(name, i, item) for i, item in enumerate(value)]
            if isinstance(value, list | tuple)
            else stand_in(name, None, value)
            for name, value in values.items()
        }
        queryset = self.build(**built)
        connection = connections[queryset.db]
        sent = {_as_sent(made, connection): slot for made, slot in stand_ins.items()}
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        slots = [sent.get(param) if _hashable(param) else None for param in params]
        if set(stand_ins.values()) - set(slots):
            raise ValueError(
                "each value must reach the SQL as given: compile this query every time"
            )
        constants = [
            None if slot is not None else param for slot, param in zip(slots, params, strict=True)
        ]
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return queryset.db, sql, slots, constants, list(converters.items())


def _as_sent(value, connection):
    """`value` as Django passes it to the database driver (SQLite takes moments as text)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _value_at(values: dict, slot: tuple, connection):
    name, index = slot
    return _as_sent(values[name] if index is None else values[name][index], connection)


def _converted(row, converters, connection) -> tuple:
    row = list(row)
    for position, (functions, expression) in converters:
        for function in functions:
            row[position] = function(row[position], expression, connection)
    return tuple(row)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
