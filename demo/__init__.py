"""Demo data so a newcomer sees a living system at once."""
