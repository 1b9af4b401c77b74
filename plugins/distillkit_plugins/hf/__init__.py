"""Built-in plugin: hf."""
