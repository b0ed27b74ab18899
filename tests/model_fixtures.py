"""Values shared by the serving tests (imported by name: several conftest.py modules exist)."""

#: What the `constant_model_dir` fixture's model answers, whatever it is asked.
CONSTANT_ANSWER = "Compute the value"
