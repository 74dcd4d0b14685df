"""Features as pure decisions over models (auth flows, redirects, cookies, retries) and the
one flow that runs them for both clients."""
