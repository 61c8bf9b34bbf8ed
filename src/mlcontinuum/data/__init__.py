"""The data-source register: where a project's data comes from and whether it may be used."""
