"""Parts every view may use: palette, names, labels, icons, coalesced redraws,
lazily built docks, dock style, error dialogs, the chain-rule text, still plots."""
