# git-remote-hightouch: one non-recursive Makefile (GNU make).
#
#   make                  build libhightouch.a and the programs
#   make check            install-deps check, build everything, run all tests
#   make demo             the end-to-end demo (see README.md)
#   make SANITIZE=address,undefined check
#                         the same under ASan+UBSan, objects in build/san-*/
#   make fuzz CC=clang    libFuzzer binaries in build/fuzz/fuzz-<name>
#   make help             every target and knob
#
# Objects, the library, programs and test binaries live under build/$(MODE)/:
# build/default/ normally, build/san-<sanitizers>/ with SANITIZE=...,
# build/fuzz/ for `make fuzz`.  Programs are in build/<mode>/bin/.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# Knobs (override on the command line).
CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
CLANG_FORMAT ?= clang-format
CPPCHECK ?= cppcheck
SHELLCHECK ?= shellcheck
VALGRIND ?= valgrind
INSTALL ?= install
CFLAGS ?= -g -O2
LDFLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?=
DEVELOPER ?=
V ?=
NO_DEPS ?=
# Run only these tests: make check T=build/default/tests/unit/t-strbuf
T ?=

bindir = $(PREFIX)/bin
datadir = $(PREFIX)/share
hookdir = $(datadir)/git-hightouch/hooks
man1dir = $(datadir)/man/man1
man7dir = $(datadir)/man/man7

comma := ,
hash := \#
empty :=
space := $(empty) $(empty)

# ---------------------------------------------------------------------------
# Build mode and output directory.

ifneq ($(filter fuzz,$(MAKECMDGOALS)),)
ifneq ($(filter-out fuzz,$(MAKECMDGOALS)),)
$(error run `make fuzz CC=clang` on its own, not with other goals)
endif
ifeq ($(shell $(CC) --version 2>/dev/null | grep -c clang),0)
$(error make fuzz needs clang's libFuzzer: run `make fuzz CC=clang`)
endif
MODE := fuzz
else ifneq ($(SANITIZE),)
MODE := san-$(subst $(comma),-,$(SANITIZE))
else
MODE := default
endif

BUILD := build/$(MODE)
BIN := $(BUILD)/bin
LIB := $(BUILD)/libhightouch.a

# ---------------------------------------------------------------------------
# Flags.

# The version the programs report (user agent, --version), also in the
# .TH line of every man page (tests/e2e/t7500 holds them equal).
HT_VERSION = 0.1.0

BASIC_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude \
	-DHT_VERSION='"$(HT_VERSION)"'

# git's DEVELOPER warning set (config.mak.dev); -Werror with DEVELOPER=1.
WARNINGS = -Wall -Wextra -pedantic -Wdeclaration-after-statement \
	-Wformat-security -Wold-style-definition -Wpointer-arith \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings \
	-fno-common -Wunused -Wshadow
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror
endif

ifeq ($(MODE),fuzz)
SAN_CFLAGS = -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=address,undefined -fno-omit-frame-pointer
SAN_LDFLAGS = -fsanitize=address,undefined
FUZZ_LDFLAGS = -fsanitize=fuzzer,address,undefined
else ifneq ($(SANITIZE),)
SAN_CFLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE) \
	-fno-omit-frame-pointer
SAN_LDFLAGS = $(SAN_CFLAGS)
endif

ALL_CFLAGS = $(BASIC_CFLAGS) $(WARNINGS) $(CFLAGS) $(SAN_CFLAGS)
# For the product's objects only (include/hightouch/banned.h).
BANNED_FLAG = -include hightouch/banned.h
ALL_LDFLAGS = $(CFLAGS) $(LDFLAGS) $(SAN_LDFLAGS)

# Libraries, from pkg-config.  Queried lazily (only when a recipe needs them)
# and once, so that `make deps`, `make clean` or `make help` work without the
# -dev packages, and so that `make check` can install them first.
CORE_PKGS = yaml-0.1 jansson libgit2 libcurl libdeflate liburing libcrypto
EMU_PKGS = libmicrohttpd sqlite3
UNIT_PKGS = cmocka

pkg_missing = $(strip $(foreach p,$(1),\
	$(if $(shell $(PKG_CONFIG) --exists '$(p)' && echo y),,$(p))))
pkg_query = $(if $(call pkg_missing,$(2)),\
	$(error pkg-config cannot find: $(call pkg_missing,$(2)) \
		(run scripts/install-deps)),\
	$(shell $(PKG_CONFIG) $(1) $(2)))

# $(call lazy,VAR,--cflags|--libs,PKGS): VAR = that, computed on first use.
lazy = $(eval $(1) = $$(eval $(1) := $$(call pkg_query,$(2),$(3)))$$($(1)))

$(call lazy,CORE_CFLAGS,--cflags,$(CORE_PKGS))
$(call lazy,CORE_LIBS,--libs,$(CORE_PKGS))
$(call lazy,EMU_CFLAGS,--cflags,$(EMU_PKGS))
$(call lazy,EMU_LIBS,--libs,$(EMU_PKGS))
$(call lazy,UNIT_CFLAGS,--cflags,$(UNIT_PKGS))
$(call lazy,UNIT_LIBS,--libs,$(UNIT_PKGS))

# Quiet output; V=1 shows the full commands.
ifneq ($(V),1)
QUIET_CC = @echo '   ' CC $@;
QUIET_AR = @echo '   ' AR $@;
QUIET_LINK = @echo '   ' LINK $@;
QUIET_GEN = @echo '   ' GEN $@;
QUIET_HDR = echo '   ' HDR $$h;
else
QUIET_HDR = set -x;
endif

# ---------------------------------------------------------------------------
# Sources and outputs.  New files are picked up by $(wildcard).

LIB_SRCS := $(wildcard common/*.c)
HELPER_SRCS := $(wildcard remote-helper/*.c)
HOOKS_SRCS := $(wildcard hooks/*.c)
EMU_SRCS := $(wildcard emulator/*.c)
HDRS := $(wildcard include/hightouch/*.h)

# tests/unit/t-*.c: one cmocka program each; other tests/unit/*.c are shared
# helpers linked into every unit test.
UNIT_SRCS := $(wildcard tests/unit/t-*.c)
UNIT_HELPER_SRCS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
# tests/fuzz/fuzz-*.c: one LLVMFuzzerTestOneInput each.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_DRIVER_SRC := tests/fuzz/standalone.c

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB_OBJS := $(call obj,$(LIB_SRCS))
HELPER_OBJS := $(call obj,$(HELPER_SRCS))
HOOKS_OBJS := $(call obj,$(HOOKS_SRCS))
EMU_OBJS := $(call obj,$(EMU_SRCS))
UNIT_OBJS := $(call obj,$(UNIT_SRCS))
UNIT_HELPER_OBJS := $(call obj,$(UNIT_HELPER_SRCS))
FUZZ_OBJS := $(call obj,$(FUZZ_SRCS))
FUZZ_DRIVER_OBJ := $(call obj,$(FUZZ_DRIVER_SRC))

PROGRAMS :=
ifneq ($(HELPER_SRCS),)
PROGRAMS += $(BIN)/git-remote-hightouch
endif
ifneq ($(HOOKS_SRCS),)
PROGRAMS += $(BIN)/git-hightouch
endif
ifneq ($(EMU_SRCS),)
PROGRAMS += $(BIN)/hightouch-emulator
endif
PROGRAM_NAMES := git-remote-hightouch git-hightouch hightouch-emulator

UNIT_BINS := $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
FUZZ_REPLAY_BINS := $(patsubst %.c,$(BUILD)/%,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))

ALL_OBJS := $(LIB_OBJS) $(HELPER_OBJS) $(HOOKS_OBJS) $(EMU_OBJS) \
	$(UNIT_OBJS) $(UNIT_HELPER_OBJS) $(FUZZ_OBJS) $(FUZZ_DRIVER_OBJ)

HOOK_SCRIPTS := $(wildcard hooks/pre-commit hooks/pre-push)
MAN1 := $(wildcard docs/*.1)
MAN7 := $(wildcard docs/*.7)

# Targets that run scripts/install-deps before building anything.
DEPS_GATE :=
ifeq ($(NO_DEPS),)
ifneq ($(filter check demo,$(MAKECMDGOALS)),)
DEPS_GATE := deps
endif
endif

# ---------------------------------------------------------------------------
# Build rules.

.PHONY: all lib programs tests fuzz FORCE

all: $(LIB) $(PROGRAMS)
lib: $(LIB)
programs: $(PROGRAMS)
tests: $(UNIT_BINS) $(FUZZ_REPLAY_BINS)
ifeq ($(MODE),fuzz)
fuzz: $(FUZZ_BINS)
endif

# Everything in $(BUILD) is rebuilt when the compiler or the flags change
# (as git's GIT-CFLAGS).  pkg-config's output is not tracked.
TRACKED_FLAGS = $(CC) $(ALL_CFLAGS) $(BANNED_FLAG) $(ALL_LDFLAGS) \
	$(FUZZ_LDFLAGS)
$(BUILD)/.flags: FORCE
	@mkdir -p $(@D)
	@flags='$(subst ','\'',$(TRACKED_FLAGS))'; \
	if test x"$$flags" != x"`cat $@ 2>/dev/null`"; then \
		echo "$$flags" >$@; \
	fi

# Archives and programs are remade when a source file is added or removed,
# so that no stale object lingers in them.
$(BUILD)/.sources: FORCE
	@mkdir -p $(@D)
	@list='$(sort $(ALL_OBJS))'; \
	if test x"$$list" != x"`cat $@ 2>/dev/null`"; then \
		echo "$$list" >$@; \
	fi

$(BUILD)/%.o: %.c $(BUILD)/.flags | $(DEPS_GATE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) $(EXTRA_CFLAGS) \
		$(BANNED_CFLAGS) -MMD -MP -c -o $@ $<

# Every .c of the product, a new one too, is compiled with banned.h first:
# git's banned functions (strcpy, sprintf, atoi, ...) do not compile there.
PRODUCT_OBJS := $(LIB_OBJS) $(HELPER_OBJS) $(HOOKS_OBJS) $(EMU_OBJS)
$(PRODUCT_OBJS): BANNED_CFLAGS = $(BANNED_FLAG)

$(EMU_OBJS): EXTRA_CFLAGS = $(EMU_CFLAGS)
$(UNIT_OBJS) $(UNIT_HELPER_OBJS): EXTRA_CFLAGS = $(UNIT_CFLAGS)

# The hook scripts, built into git-hightouch for `install-hooks` as C
# strings (static const char hook_pre_commit[], hook_pre_push[]).
HOOK_SCRIPTS_H := $(BUILD)/hooks/hook-scripts.h
$(HOOK_SCRIPTS_H): hooks/pre-commit hooks/pre-push $(BUILD)/.flags
	@mkdir -p $(@D)
	$(QUIET_GEN)for f in pre-commit pre-push; do \
		printf 'static const char hook_%s[] =\n' "$$f" | tr - _; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
			-e 's/^/"/' -e 's/$$/\\n"/' "hooks/$$f"; \
		echo ';'; \
	done >$@+ && mv $@+ $@
$(HOOKS_OBJS): $(HOOK_SCRIPTS_H)
$(HOOKS_OBJS): EXTRA_CFLAGS = -I$(BUILD)/hooks

# An empty common/ still yields a (valid, empty) archive.
$(LIB): $(LIB_OBJS) $(BUILD)/.sources $(BUILD)/.flags | $(DEPS_GATE)
	@mkdir -p $(@D)
	@rm -f $@
	$(QUIET_AR)$(AR) rcs $@ $(LIB_OBJS)

$(BIN)/git-remote-hightouch: $(HELPER_OBJS) $(LIB) $(BUILD)/.sources
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $(HELPER_OBJS) $(LIB) $(CORE_LIBS)

$(BIN)/git-hightouch: $(HOOKS_OBJS) $(LIB) $(BUILD)/.sources
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $(HOOKS_OBJS) $(LIB) $(CORE_LIBS)

$(BIN)/hightouch-emulator: $(EMU_OBJS) $(LIB) $(BUILD)/.sources
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $(EMU_OBJS) $(LIB) \
		$(EMU_LIBS) $(CORE_LIBS)

# Unit tests of the remote helper's pieces, tests/unit/t-helper-*.c, link
# its objects (all but main.o) as well.
HELPER_UNIT_BINS := $(filter $(BUILD)/tests/unit/t-helper-%,$(UNIT_BINS))
$(HELPER_UNIT_BINS): UNIT_EXTRA_OBJS = \
	$(filter-out $(BUILD)/remote-helper/main.o,$(HELPER_OBJS))
$(HELPER_UNIT_BINS): $(filter-out $(BUILD)/remote-helper/main.o,$(HELPER_OBJS))

$(UNIT_BINS): $(BUILD)/%: $(BUILD)/%.o $(UNIT_HELPER_OBJS) $(LIB) \
		$(BUILD)/.sources
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(UNIT_EXTRA_OBJS) \
		$(UNIT_HELPER_OBJS) $(LIB) $(UNIT_LIBS) $(CORE_LIBS)

# For `make check`: each fuzz target linked with the standalone replay driver.
$(FUZZ_REPLAY_BINS): $(BUILD)/%: $(BUILD)/%.o $(FUZZ_DRIVER_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(FUZZ_DRIVER_OBJ) $(LIB) \
		$(CORE_LIBS)

# For `make fuzz CC=clang`: real libFuzzer binaries.
$(FUZZ_BINS): build/fuzz/%: build/fuzz/tests/fuzz/%.o $(LIB)
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $< $(LIB) \
		$(CORE_LIBS)

-include $(ALL_OBJS:.o=.d)

FORCE:

# ---------------------------------------------------------------------------
# Dependencies, tests, demo.

.PHONY: deps check valgrind-check demo

deps:
	@scripts/install-deps

check: $(DEPS_GATE) all tests
	@SANITIZE='$(SANITIZE)' HT_BUILD_DIR='$(BUILD)' tests/run-tests $(T)

ifneq ($(filter valgrind-check,$(MAKECMDGOALS)),)
ifneq ($(SANITIZE),)
$(error valgrind cannot run sanitized binaries: drop SANITIZE for valgrind-check)
endif
endif
valgrind-check: tests
	@HT_BUILD_DIR='$(BUILD)' VALGRIND='$(VALGRIND)' \
		tests/run-tests --valgrind $(T)

demo: $(DEPS_GATE) all
	@HT_BUILD_DIR='$(BUILD)' scripts/demo

# ---------------------------------------------------------------------------
# Install.

.PHONY: install uninstall

# $(call install_to,FILES,DIR,MODE): FILES (if any) into $(DESTDIR)DIR.
install_to = $(if $(1),$(INSTALL) -d '$(DESTDIR)$(2)' && \
	$(INSTALL) -m $(3) $(1) '$(DESTDIR)$(2)')

install: all
	$(call install_to,$(PROGRAMS),$(bindir),755)
	$(call install_to,$(HOOK_SCRIPTS),$(hookdir),755)
	$(call install_to,$(MAN1),$(man1dir),644)
	$(call install_to,$(MAN7),$(man7dir),644)

uninstall:
	rm -f $(addprefix '$(DESTDIR)$(bindir)'/,$(PROGRAM_NAMES))
	rm -f '$(DESTDIR)$(hookdir)/pre-commit' '$(DESTDIR)$(hookdir)/pre-push'
	rmdir '$(DESTDIR)$(hookdir)' '$(DESTDIR)$(datadir)/git-hightouch' \
		2>/dev/null || :
ifneq ($(MAN1),)
	rm -f $(addprefix '$(DESTDIR)$(man1dir)'/,$(notdir $(MAN1)))
endif
ifneq ($(MAN7),)
	rm -f $(addprefix '$(DESTDIR)$(man7dir)'/,$(notdir $(MAN7)))
endif

# ---------------------------------------------------------------------------
# Source hygiene.

.PHONY: fmt lint check-headers

C_SOURCES = $(shell find include common remote-helper hooks emulator tests \
	-name '*.[ch]' -type f 2>/dev/null | sort)
LINT_C_SOURCES = $(LIB_SRCS) $(HELPER_SRCS) $(HOOKS_SRCS) $(EMU_SRCS) \
	$(wildcard $(FUZZ_DRIVER_SRC))
# Every shell script is checked: *.sh, and files starting with a sh/bash
# shebang.
SHEBANG_RE = ^$(hash)!(/usr)?/bin/(env +)?(ba|da)?sh( |$$)
# -D__GNUC__: check the configuration gcc and clang build, in which
# HT_NORETURN and HT_PRINTF are attributes cppcheck understands.
CPPCHECK_FLAGS = --error-exitcode=1 --enable=warning,portability \
	--inline-suppr -Iinclude --std=c11 --quiet -D__GNUC__

fmt:
	$(CLANG_FORMAT) -i $(C_SOURCES)

lint:
	@status=0; \
	if test -n '$(strip $(LINT_C_SOURCES))'; then \
		echo $(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_C_SOURCES); \
		$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_C_SOURCES) || status=1; \
	else \
		echo 'lint: no C sources in common/ or the program directories yet'; \
	fi; \
	scripts=`find . -path ./.git -prune -o -path ./build -prune -o \
		-path ./tests/fuzz/corpus -prune -o -type f -print | \
		LC_ALL=C sort | while read -r f; do \
			case "$$f" in *.sh) echo "$$f"; continue ;; esac; \
			head -n 1 "$$f" | grep -qE '$(SHEBANG_RE)' && echo "$$f"; \
		done`; \
	echo $(SHELLCHECK) $$scripts; \
	$(SHELLCHECK) $$scripts || status=1; \
	exit $$status

check-headers: | $(DEPS_GATE)
	@status=0; for h in $(HDRS); do \
		$(QUIET_HDR) \
		$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -Werror -fsyntax-only \
			-x c $$h || status=1; \
	done; exit $$status

# ---------------------------------------------------------------------------

.PHONY: clean clean-san help

clean:
	rm -rf build

clean-san:
	rm -rf build/san-*

help:
	@echo 'Targets:'
	@echo '  all (default)   libhightouch.a and the programs, in build/<mode>/'
	@echo '  check           install-deps, build, run tests/run-tests (T=tests)'
	@echo '  demo            install-deps, build, run the demo (scripts/demo)'
	@echo '  tests           build unit tests and fuzz replay programs'
	@echo '  valgrind-check  unit tests and fuzz replays under valgrind'
	@echo '  fuzz            libFuzzer binaries in build/fuzz/ (needs CC=clang)'
	@echo '  deps            scripts/install-deps'
	@echo '  install         PREFIX=$(PREFIX) DESTDIR=; uninstall'
	@echo '  fmt, lint, check-headers, clean, clean-san'
	@echo 'Knobs: V=1 DEVELOPER=1 SANITIZE=address,undefined NO_DEPS=1 CC= CFLAGS='
	@echo 'This mode builds into $(BUILD)/, programs in $(BIN)/.'
