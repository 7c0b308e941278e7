"""Backup Actions: create, list, restore, delete."""
