"""Eval engine."""
