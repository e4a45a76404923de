"""The docks around the diagram; each module is one dock, and none imports another."""
