"""Built-in plugin: metrics."""
