"""The plugin engine: loading, manifests and per-school hook calls."""
