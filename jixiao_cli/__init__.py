"""The `jixiao` command line: a composition root above the kernel (`jixiao/`) and the services.

Nothing imports this package; it may import anything. `app` holds the Typer app and the shared
options, `commands/` one module per area, `client` the HTTP client of a running stack, `importer`
the all-services bundle import, `demo` the one-command demo.
"""
