"""connlint's rules, one module per rule, and the library catalog (``catalog/``)."""
