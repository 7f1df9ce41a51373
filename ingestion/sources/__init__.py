"""Readers that turn one agency export into canonical text rows."""
