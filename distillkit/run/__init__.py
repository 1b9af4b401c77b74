"""The pipeline runner and what it writes into a run folder."""
