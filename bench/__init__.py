"""Benchmarks: ratios against floors measured in the same run (`make bench`).

A bench times one text many times; the safety classifier's memo would then time a
lookup, so benches run with it off. The rows that measure the memo build their own."""

import os

os.environ.setdefault("CHARTER_SIGNALS_MEMO", "0")
