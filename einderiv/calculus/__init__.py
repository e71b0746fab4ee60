"""calculus stage."""
