"""The app's sections, one module each: ``render(models)`` draws the section."""
