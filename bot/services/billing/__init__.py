"""Billing: users' credits."""
