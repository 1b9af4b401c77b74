"""The synthetic elimination task (each step rules options out) and its programmatic teacher."""
