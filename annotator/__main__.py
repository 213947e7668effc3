"""`python -m annotator`: the same entry point as the `annotator` command."""

from annotator.launch import main

main()
