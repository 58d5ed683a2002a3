"""The support-bot demo: an offline bank assistant, realistic traffic, and the runner behind
`charter demo`. `examples/support_bot/` shows the same bot as application code."""
