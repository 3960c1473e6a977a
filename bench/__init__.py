"""`make bench`: throughput and memory figures. Each module here has a `run()` that prints lines."""
