"""Real-parts test support: moto S3, the `temporal` dev server, SDK reference codecs and
storage, real workflow histories; and what every suite shares about the app itself: its
config files (``config``), ``serve`` as a process (``serve``), its command line (``cli``),
HTTP requests and answers (``http``), and storage drivers and a codec that misbehave on
purpose (``drivers``).

Plain modules (importable as ``tests.support.X``) hold the logic; ``tests/conftest.py`` only
wraps them in thin pytest fixtures, so benchmarks and scripts can reuse them without pytest.
"""
