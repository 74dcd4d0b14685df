"""The clients: settings merged, requests built, the feature flow driven (sync and async)."""
