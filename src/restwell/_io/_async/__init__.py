"""The asyncio driver: protocol-callback connections, the pool, tunnels, the transport."""
