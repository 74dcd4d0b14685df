"""The only place sockets exist: error mapping, deadlines, Happy Eyeballs, TLS settings and
the pool's books, shared by the two drivers below."""
