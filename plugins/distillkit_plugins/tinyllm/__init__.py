"""Built-in plugin: tinyllm."""
