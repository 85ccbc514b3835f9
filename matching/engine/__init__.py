"""Internals of the exact global allocation (numpy arrays and a min-cost-flow network).

Nothing here is public API: :mod:`matching.allocate` is the entry point.
"""
