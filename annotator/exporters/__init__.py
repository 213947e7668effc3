"""Writing labelled data; one module per output format."""
