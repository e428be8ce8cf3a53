"""Tests of the center's usage report."""
