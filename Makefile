# Shortcuts; the README's two commands are the scripts these call.
.PHONY: run test production-check lint format migrations-check bench

run:
	bash scripts/start.sh

test:
	bash scripts/test.sh

production-check:
	bash scripts/production-check.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrations-check:
	DJANGO_DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run

bench:
	bash scripts/bench.sh
