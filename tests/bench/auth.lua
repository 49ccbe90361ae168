-- auth.lua - wrk script of tests/bench/run.sh: sends the bearer token of FINCHAT_BENCH_TOKEN.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("FINCHAT_BENCH_TOKEN") or "")
