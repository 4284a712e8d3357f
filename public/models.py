"""The public side keeps no tables of its own: claims live in reunions, where staff review them."""
