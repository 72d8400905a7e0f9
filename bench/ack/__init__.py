"""The ack-latency benchmark behind bench/bench_ack.py (see its docstring for the method)."""
