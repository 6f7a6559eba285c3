"""The domain core: typed records, the stage vocabulary and its one transition policy,
canonical names, and time. Imports nothing else of filingwatch."""
