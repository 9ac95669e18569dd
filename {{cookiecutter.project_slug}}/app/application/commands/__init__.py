"""Write-side intents, one frozen dataclass per file."""
