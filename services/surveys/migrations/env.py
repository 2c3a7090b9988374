from jixiao.migrations import run_env

run_env()
