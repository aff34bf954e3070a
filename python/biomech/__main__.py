from biomech.cli import run

run()
