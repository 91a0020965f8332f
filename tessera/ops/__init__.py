"""Every operation, one family per file; each op's forward, shape rule and gradient together."""
