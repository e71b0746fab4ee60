"""notation stage."""
