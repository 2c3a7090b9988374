"""`python -m jixiao_cli` = the `jixiao` command."""

from jixiao_cli.app import main

main()
