"""Pieces shared by the out-of-process stores (Redis, Memcached, two-tier, and the disk store's
options and value format): reading a backend's options, the value format, the key scheme, the
circuit breaker, the retry of unconfirmed invalidations and the shared connections."""

__all__: list[str] = []
