"""Reading input files: readers per format, parsing, and the presets of real systems."""
