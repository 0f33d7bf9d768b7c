"""Proofs against real servers: connlint's premises, its catalog and the outage it prevents."""
