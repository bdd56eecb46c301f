# The two commands a fresh machine needs (see README.md): `make run` and `make test`.
.PHONY: run test bench soak setup dev fmt clean

run: ## install what is missing, build (release) and serve on http://127.0.0.1:3000
	@scripts/run.sh

test: ## install what is missing and run every test
	@scripts/test.sh

bench: ## throughput and latency of token checks against a bare axum handler (SQLite, PostgreSQL)
	@scripts/bench.sh

soak: ## 10 minutes of mixed load on one server, SQLite then PostgreSQL (release, 2,000 tokens): 0 errors, memory flat
	@scripts/soak.sh

setup: ## only install the build and test tools
	@scripts/setup.sh test

dev: ## rebuild and restart on every change (debug build)
	@scripts/setup.sh build && bash -c 'source scripts/lib.sh && cargo leptos watch --split'

fmt:
	@cargo fmt --all

clean:
	@cargo clean
