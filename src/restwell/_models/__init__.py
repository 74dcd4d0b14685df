"""Pure data: URLs, headers, requests, responses and their bodies, configuration, errors."""
