"""check stage: judge a claimed derivative against the engine's (verdict, probes, diagnosis)."""
