"""Sans-IO protocol code: HTTP/1.1 on httptools, the proxy wire format, shared rules."""
