"""One module per mode; each exposes `run(settings, ctx, report) -> int`."""
