"""Turning rows of any tabular source into ``Example`` splits, with located errors."""
