"""Tests of the cookiecutter template itself (run with `make test`)."""
