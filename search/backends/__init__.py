"""Vector index backends behind one small protocol (`base.VectorIndex`).

Backends import neither torch nor app models: the caller gives them vectors, dimensions and,
for the in-process backend, a source of rows (`search.index.DatabaseSource`).
"""
