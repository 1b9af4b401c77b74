"""The controllable synthetic arithmetic task and its programmatic teacher."""
