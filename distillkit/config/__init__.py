"""Pipeline configs: YAML reading with positions, overrides, structural schema, validation."""
