"""The network diagram: nodes, weight-scaled edges and the weight legend."""
