"""Pure business rules: entities, value objects, contracts. Standard library only."""
