"""dwgk: a static-site generator for party-affairs disclosure (党务公开) of inspection rectification."""

__version__ = "0.1.0"
