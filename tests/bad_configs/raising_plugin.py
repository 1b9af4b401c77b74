"""A --plugin file whose import fails (used by plugin_raises_at_import.yaml)."""

raise RuntimeError("this plugin is broken on purpose")
