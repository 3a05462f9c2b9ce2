"""The mock's state: images, backup storage, sessions and jobs, with no HTTP in it."""
