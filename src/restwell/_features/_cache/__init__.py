"""HTTP caching (RFC 9111) as pure decisions over models: what may be stored, how fresh a
stored response is, how it is validated, and the exchange the feature flow runs around the
network. The storage itself (memory, SQLite, Redis) lives in ``restwell._storage``."""
