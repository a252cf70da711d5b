"""Real-parts test support: moto S3, the `temporal` dev server, SDK reference codecs and
storage, and real workflow histories.

Plain modules (importable as ``tests.support.X``) hold the logic; ``tests/conftest.py`` only
wraps them in thin pytest fixtures, so benchmarks and scripts can reuse them without pytest.
"""
