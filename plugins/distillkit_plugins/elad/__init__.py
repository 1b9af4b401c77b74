"""Built-in plugin: elad."""
