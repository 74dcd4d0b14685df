"""The blocking driver: socket connections, the thread-safe pool, tunnels, the transport."""
