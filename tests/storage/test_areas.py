"""The Store facade is made of area stores: no area may quietly hide another's method of the same name."""

from __future__ import annotations

from collections import defaultdict

from bot.storage.base import StoreBase
from bot.storage.repo import Store


def test_no_two_areas_define_the_same_method():
    areas = [c for c in Store.__mro__[1:] if issubclass(c, StoreBase) and c is not StoreBase]
    assert len(areas) >= 10
    owners: dict[str, list[str]] = defaultdict(list)
    for area in areas:
        for name, value in vars(area).items():
            is_method = callable(value) or isinstance(value, (staticmethod, classmethod, property))
            if is_method and not name.startswith("__"):
                owners[name].append(area.__name__)
    clashes = {name: who for name, who in owners.items() if len(who) > 1}
    assert clashes == {}, f"methods defined by more than one area (the first base wins): {clashes}"
