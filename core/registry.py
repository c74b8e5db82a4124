"""One registry shape for every extension point: keyed, ordered, filled at start-up."""

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Items by key; registering the same key again replaces it (re-imports stay harmless)."""

    def __init__(self, name: str):
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        self._items[key] = item
        return item

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __iter__(self) -> Iterator[T]:
        """Items by their `order` attribute (100 when absent), then key."""
        pairs = sorted(self._items.items(), key=lambda kv: (getattr(kv[1], "order", 100), kv[0]))
        return iter([item for _key, item in pairs])

    def __len__(self) -> int:
        return len(self._items)
