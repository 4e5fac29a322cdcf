"""capsim: discrete-event forecasts of AI compute build-outs."""

__version__ = "0.1.0"
