"""Widgets the pages share that Qt does not have (a usage chart)."""
