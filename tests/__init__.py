"""The test suite, a package: ``tests.support`` is ours even when an installed package ships a top-level ``tests``."""
