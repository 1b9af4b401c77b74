"""Built-in plugin: openai_compat."""
