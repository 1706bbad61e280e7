"""Domain values shared by the packages: plain Python, no Flask."""
