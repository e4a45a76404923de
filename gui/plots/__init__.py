"""The plots over the iterations: accuracy, loss, each sample's output, weights."""
