"""Built-in runtimes: the code that runs a contribution when its plugin names no ``entry``."""
