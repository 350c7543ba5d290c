"""Households, persons and cases arrive with the casework issue."""
