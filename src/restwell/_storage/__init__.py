"""Where a client's HTTP cache keeps its entries: memory, SQLite and Redis, each with sync
methods and async twins, behind the small protocol of ``_features/_cache/_config.Storage``
(get, put, delete, keys, size). Storage is I/O; what is stored, and when, is the cache
policy's (``_features/_cache``)."""
