"""Model families: `parallel-ae` (the shipped default) and `wavenet-ae` (Magenta NSynth)."""
