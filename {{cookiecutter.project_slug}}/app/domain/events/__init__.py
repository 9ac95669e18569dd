"""Domain events: facts about an aggregate, recorded by the aggregate itself."""
