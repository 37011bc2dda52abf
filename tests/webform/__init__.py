"""Tests of the public contact form."""
