"""Storage backends. Each module holds one backend; `base` holds the interface they share."""

__all__: list[str] = []
