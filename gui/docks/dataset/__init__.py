"""The Dataset dock: its table of rows and its decision map."""
