"""Reading and checking a file: text, values, spacing, gaps, and the checked ``Series`` that travels on."""
