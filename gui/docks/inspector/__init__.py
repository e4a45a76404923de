"""Parts of the Backprop inspector (``gui/docks/inspector_dock.py``): its chain-rule
table and the text of one step's path from the gradient to the update."""
