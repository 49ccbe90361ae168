# finchat - one Makefile for the C services, the CLI, the web client and the tests.
# `make` builds everything into build/; `make test` runs every test (see README).

CC       ?= cc
PKGS     := libh2o-evloop libpq rdkafka libmongoc-1.0 libcurl jansson libjwt openssl libargon2
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
            -Wformat=2 -Wpointer-arith -fno-common
CSTD     := -std=c11 -D_GNU_SOURCE -DH2O_USE_LIBUV=0
OPT      ?= -O2 -g
SAN      ?=
BUILD    ?= build
# Absolute, so the dependency files (-MMD) name objects the same way whichever form of
# BUILD a caller passes: a header change then rebuilds every object that includes it.
override BUILD := $(abspath $(BUILD))
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(SAN) -I. -Icommon $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL = $(SAN)

COMMON_SRC := $(wildcard common/*.c)
GW_SRC     := $(wildcard api-gateway/*.c api-gateway/*/*.c)
WK_SRC     := $(wildcard llm-worker/*.c llm-worker/*/*.c)
CTL_SRC    := $(wildcard finchatctl/*.c)
UNIT_SRC   := $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# The currency table of common/money.c is generated from proto/currencies.json, the tool
# catalogue of common/toolcat.c from proto/tools.json.
COMMON_OBJ := $(call obj,$(COMMON_SRC)) $(BUILD)/gen/currencies.o $(BUILD)/gen/toolcat_data.o
GW_LIB_OBJ := $(call obj,$(filter-out api-gateway/main.c,$(GW_SRC))) $(BUILD)/gen/migrations.o
WK_LIB_OBJ := $(call obj,$(filter-out llm-worker/main.c,$(WK_SRC)))
CTL_LIB_OBJ := $(call obj,$(filter-out finchatctl/main.c,$(CTL_SRC)))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
# Unit tests with checks against a real PostgreSQL (named by FINCHAT_TEST_PG_URL): `make unit`
# prints those checks as skipped; `make unit-pg` runs them against the local stack.
UNIT_PG_SRC  := $(shell grep -lE 'FINCHAT_TEST_PG_URL|pgtest\.h' $(UNIT_SRC) 2>/dev/null)
UNIT_PG_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_PG_SRC))

BINS := $(BUILD)/bin/finchat-gateway $(BUILD)/bin/finchat-worker $(BUILD)/bin/finchatctl

.PHONY: all bins web deps up down demo test unit unit-pg integration e2e format format-check \
        banned asan tsan bench fault fuzz clean config-doc

all: bins web

bins: $(BINS)

$(BUILD)/gen/migrations.c: tools/embed-sql.sh $(wildcard api-gateway/db/migrations/*.sql)
	@mkdir -p $(dir $@)
	tools/embed-sql.sh $@ $(wildcard api-gateway/db/migrations/*.sql)

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c api-gateway/db/migrate.h
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/gen/currencies.c: tools/gen-currencies.py tools/genc.py proto/currencies.json
	@mkdir -p $(dir $@)
	tools/gen-currencies.py proto/currencies.json $@

$(BUILD)/gen/currencies.o: $(BUILD)/gen/currencies.c common/money.h
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/gen/toolcat_data.c: tools/gen-toolcat.py tools/genc.py proto/tools.json
	@mkdir -p $(dir $@)
	tools/gen-toolcat.py proto/tools.json $@

$(BUILD)/gen/toolcat_data.o: $(BUILD)/gen/toolcat_data.c common/toolcat.h
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/bin/finchat-gateway: $(BUILD)/obj/api-gateway/main.o $(GW_LIB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/finchat-worker: $(BUILD)/obj/llm-worker/main.o $(WK_LIB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# finchatctl shares the gateway's data modules (migrations, seeding) and the worker's
# nothing; it links the gateway library objects.
$(BUILD)/bin/finchatctl: $(BUILD)/obj/finchatctl/main.o $(CTL_LIB_OBJ) $(GW_LIB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# Each unit test links everything but the mains; tests/unit/<dir>/ mirrors the source tree.
$(BUILD)/unit/%: tests/unit/%.c $(GW_LIB_OBJ) $(WK_LIB_OBJ) $(COMMON_OBJ) tests/unit/test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(GW_LIB_OBJ) $(WK_LIB_OBJ) $(COMMON_OBJ) $(PKG_LIBS)

deps:
	@deploy/local/install-deps.sh

web:
	@deploy/local/build-web.sh

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

unit-pg: $(UNIT_PG_BINS)
	@FINCHAT_TEST_PG_URL="$${FINCHAT_TEST_PG_URL:-$${FINCHAT_PG_URL:-postgresql://finchat@127.0.0.1:$${FINCHAT_PG_PORT:-55432}/finchat}}" \
		tests/run-unit.sh $(UNIT_PG_BINS)

up:
	@deploy/local/up.sh

down:
	@deploy/local/down.sh

demo:
	@deploy/local/demo.sh

test:
	@tests/run-all.sh

integration:
	@tests/run-integration.sh

e2e:
	@tests/e2e/run.sh

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

format-check:
	@tests/check-format.sh

banned:
	@tests/check-banned.sh

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" unit

tsan:
	$(MAKE) BUILD=build/tsan OPT="-O1 -g" SAN="-fsanitize=thread" unit

bench:
	@tests/bench/run.sh

# Faults on a private stack of its own (tests/fault/run.sh): stores, a gateway killed.
fault: bins
	@tests/fault/run.sh

fuzz:
	@FUZZ_RUNS=$${FUZZ_RUNS:-1000000} tests/fuzz/run.sh

config-doc: $(BUILD)/bin/finchatctl
	@$(BUILD)/bin/finchatctl config-doc

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
