"""First-party modules. Each is an ordinary plugin, found through the ``houqin.plugins`` entry
points like anyone else's, and imports nothing of core but ``core.sdk``."""
