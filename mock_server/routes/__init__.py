"""HTTP routes, one Blueprint per area; each handler parses, calls the APIs layer, and answers."""
