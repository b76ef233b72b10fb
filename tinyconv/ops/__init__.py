"""One `Op` subclass per op, grouped by family (see STYLE.md, 'The op contract')."""
