"""Developer tools that are not part of the engine: the demo-city generator."""
