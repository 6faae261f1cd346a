# leadgate - one non-recursive Makefile.  `make help` lists the targets.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/leadgate
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system

CC         ?= cc
B          ?= build
PKGS       := libcares libpcre2-8 libidn2 libpsl jansson sqlite3 gnutls nettle libmicrohttpd libcurl icu-i18n icu-uc
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lunistring -lm -pthread
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN   := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wwrite-strings -Wvla -Wformat=2 -Wpointer-arith -Wold-style-definition -Wundef
OPT    ?= -O2 -g
CFLAGS ?= $(OPT)
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(if $(CI),-Werror) -I. -MMD -MP \
             -DLEADGATE_VERSION='"$(VERSION)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' \
             $(PKG_CFLAGS) $(CFLAGS)

# Modules, in reading order (see "Source code layout" in the README).
DECAY_SRC  := decay/decay.c
BOUNCE_SRC := bounce/bounce.c bounce/classify.c bounce/date.c bounce/json.c bounce/providers.c bounce/dsn.c bounce/text.c bounce/csv.c
STORE_SRC  := store/store.c store/records.c store/lists.c store/leads.c store/writer.c store/keys.c store/jobs.c store/sns.c store/handoff.c
ENGAGE_SRC := engage/engage.c
SCORING_SRC := scoring/rubric.c scoring/engage.c scoring/score.c scoring/stage.c scoring/frame.c \
               scoring/funnel.c
VIEW_SRC   := view/view.c view/score.c view/import.c
JOBS_SRC   := jobs/list.c jobs/lists.c jobs/profile.c jobs/dnscache.c jobs/verdict.c jobs/verify.c jobs/refresh.c jobs/export.c jobs/lead.c jobs/score.c jobs/import.c jobs/bounces.c jobs/events.c jobs/qualify.c jobs/handoff.c jobs/sla.c \
              jobs/keys.c
# serve/: the HTTP API; only it includes <microhttpd.h>
SERVE_SRC  := serve/rate.c serve/route.c serve/server.c serve/ops.c serve/verify.c serve/esp.c serve/lists.c serve/metrics.c \
              serve/push.c serve/contacts.c serve/jobs.c serve/page.c serve/work.c \
              serve/handoff.c serve/accept.c
# handoff/: outgoing HTTP and who gets a lead; only it includes <curl/curl.h>
# and ICU's <unicode/ucal.h> (route.c: the reps' time zones)
HANDOFF_SRC := handoff/http.c handoff/sign.c handoff/retry.c handoff/send.c handoff/route.c \
               handoff/targets.c
# smtp/: mailbox probing; only it includes <gnutls/gnutls.h>
SMTP_SRC   := smtp/reply.c smtp/prober.c smtp/session.c smtp/tls.c smtp/socks.c
LIB_SRC := common/status.c common/alloc.c common/buf.c common/map.c common/time.c common/file.c common/net.c \
           common/regex.c \
           $(DECAY_SRC) conf/conf.c conf/scoring.c conf/probe.c conf/handoff.c \
           loop/loop.c dns/answer.c dns/provider.c dns/resolver.c \
           $(SMTP_SRC) \
           verify/reason.c verify/syntax.c verify/domain.c verify/typo.c verify/verify.c \
           verify/gate.c \
           io/reader.c io/jsonl.c io/writer.c io/columns.c io/spool.c io/cells.c \
           $(BOUNCE_SRC) $(ENGAGE_SRC) $(STORE_SRC) $(SCORING_SRC) \
           $(JOBS_SRC) $(VIEW_SRC) \
           $(SERVE_SRC) $(HANDOFF_SRC)
CLI_SRC := cli/main.c cli/output.c cli/cmd_verify.c cli/cmd_lists.c cli/cmd_gate.c \
           cli/cmd_export.c cli/cmd_refresh.c cli/cmd_bounces.c cli/cmd_reasons.c cli/report.c \
           cli/import.c cli/cmd_events.c cli/cmd_score.c cli/qual.c cli/cmd_evidence.c \
           cli/cmd_qualify.c cli/cmd_decide.c cli/cmd_report.c cli/cmd_funnel.c \
           cli/cmd_keys.c cli/cmd_serve.c cli/cmd_contact.c cli/cmd_handoff.c
TESTS   := test_common test_conf test_loop test_dns test_verify test_io test_decay test_bounce test_engage test_store test_store_records test_store_lists test_store_leads test_store_handoff test_store_writer test_scoring test_stage \
           test_jobs test_esp test_keys test_rate test_serve test_http \
           test_smtp_reply test_smtp test_handoff test_route test_targets

LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/lists.o $(B)/obj/gen/openapi.o \
           $(B)/obj/gen/page.o
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
TEST_BIN := $(TESTS:%=$(B)/tests/%)
LIST_TXT := conf/lists/role.txt conf/lists/free.txt conf/lists/disposable.txt \
            conf/lists/typo-targets.txt conf/lists/smtp-skip.txt


.PHONY: FORCE all deps bench-deps demo test check valgrind install uninstall clean hdrcheck lint bench bench-dns bench-store bench-serve bench-jobs bench-smtp bench-handoff help

all: $(B)/leadgate

help:
	@echo "make deps      install the Debian packages that are missing"
	@echo "make           build $(B)/leadgate"
	@echo "make demo      deps + build + verify the bundled sample list"
	@echo "make test      deps + build + every test"
	@echo "make check     the tests under ASan + UBSan"
	@echo "make valgrind  the unit tests under valgrind"
	@echo "make hdrcheck  every header (*/*.h) compiles on its own"
	@echo "make lint      every C file and header is as clang-format writes it (.clang-format)"
	@echo "make fuzz      build the libFuzzer harnesses of fuzz/ with clang (build-fuzz/)"
	@echo "make fuzz-run  run each harness FUZZ_SECONDS=$(FUZZ_SECONDS) s on its corpus (fuzz/README.md)"
	@echo "make bench     the benchmark (bench/README.md)"
	@echo "make bench-dns the DNS benchmark: 1M contacts, 200k domains (bench/README.md)"
	@echo "make bench-store the store benchmark: verify --list, refresh, gate on 1M (bench/README.md)"
	@echo "make bench-serve the service: POST /v1/verify against bare libmicrohttpd, with wrk (bench/README.md)"
	@echo "make bench-jobs a bulk job of 1M rows against verify --list, and a 1 GiB upload (bench/README.md)"
	@echo "make bench-smtp verify --smtp against a raw client: 100k contacts, 3k domains (bench/README.md)"
	@echo "make bench-handoff the outbox drain and move-to-delivery latency against a raw curl-multi client (bench/README.md)"
	@echo "make bench-scoring the scoring core: 10M events for 1M contacts (bench/README.md)"
	@echo "make install   PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"

# ---- dependencies (Debian 12) ------------------------------------------
DEB_PKGS := gcc libc6-dev make pkgconf libc-ares-dev libpcre2-dev libidn2-dev libpsl-dev publicsuffix \
            libjansson-dev libcsv-dev libunistring-dev libcmocka-dev libsqlite3-dev sqlite3 unbound python3 openssl \
            libgnutls28-dev nettle-dev libmicrohttpd-dev libcurl4-gnutls-dev curl libicu-dev \
            chromium
BENCH_PKGS := time python3 python3-email-validator python3-dnspython wrk curl

# $(call install_missing,PACKAGES): apt-get install those not installed yet.
define install_missing
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PKGS))

bench-deps: deps
	$(call install_missing,$(BENCH_PKGS))

# clang and libFuzzer's runtime (libclang_rt.fuzzer, in libclang-rt-14-dev on
# Debian 12); llvm-14 brings llvm-symbolizer, for readable crash stacks.
FUZZ_PKGS := clang libclang-rt-14-dev llvm-14

fuzz-deps: deps
	$(call install_missing,$(FUZZ_PKGS))

# ---- build ---------------------------------------------------------------
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The shipped lists are compiled in: the binary needs no data directory.
$(B)/gen/lists.c: $(LIST_TXT) conf/embed.sh
	@mkdir -p $(@D)
	sh conf/embed.sh $(LIST_TXT) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/lists.o: $(B)/gen/lists.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

# So is the API's description, served at /v1/openapi.json.
$(B)/gen/openapi.c: doc/openapi.json serve/embed.sh
	@mkdir -p $(@D)
	sh serve/embed.sh doc/openapi.json serve_openapi_json > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/openapi.o: $(B)/gen/openapi.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

# And the page served at / (serve/page.c).
PAGE_FILES := serve/page/index.html serve/page/app.js serve/page/app.css
$(B)/gen/page.c: $(PAGE_FILES) serve/embed.sh
	@mkdir -p $(@D)
	{ sh serve/embed.sh serve/page/index.html serve_page_html && \
	  sh serve/embed.sh serve/page/app.js serve_page_js && \
	  sh serve/embed.sh serve/page/app.css serve_page_css; } > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/page.o: $(B)/gen/page.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

# conf.o compiles in SYSCONFDIR: rebuild it whenever the value changes.
$(B)/sysconfdir: FORCE
	@mkdir -p $(@D)
	@echo '$(SYSCONFDIR)' | cmp -s - $@ 2>/dev/null || echo '$(SYSCONFDIR)' > $@
$(B)/obj/conf/conf.o: $(B)/sysconfdir
FORCE:

$(B)/libleadgate.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/leadgate: $(CLI_OBJ) $(B)/libleadgate.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(B)/libleadgate.a $(PKG_LIBS) $(LDFLAGS)

$(B)/tests/%: tests/%.c $(B)/libleadgate.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libleadgate.a $(PKG_LIBS) $(CMOCKA_LIBS) $(LDFLAGS)

# ---- the two commands of the README ---------------------------------------
demo: deps
	@$(MAKE) --no-print-directory $(B)/leadgate
	@mkdir -p $(B)/demo
	@port=$$(sh tests/dnsd.sh start $(B)/demo/dns samples/samples.zone) || exit 1; \
	  echo "== a DNS server for the sample's domains: unbound on 127.0.0.1:$$port (samples/samples.zone)"; \
	  echo "== leadgate verify --dns 127.0.0.1:$$port --dns-timeout 500 -o $(B)/demo/verified.csv samples/contacts.csv"; \
	  $(B)/leadgate verify --no-progress --dns 127.0.0.1:$$port --dns-timeout 500 \
	    -o $(B)/demo/verified.csv samples/contacts.csv; \
	  rc=$$?; sh tests/dnsd.sh stop $(B)/demo/dns; \
	  echo "exit status $$rc; first rows of $(B)/demo/verified.csv:"; \
	  head -n 8 $(B)/demo/verified.csv | cut -d, -f3,8-; exit $$rc

test: deps
	@$(MAKE) --no-print-directory $(B)/leadgate $(TEST_BIN)
	@CC='$(CC)' sh tests/banned.sh $(filter-out -MMD -MP,$(ALL_CFLAGS))
	@sh tests/run.sh $(B)

check: deps
	@$(MAKE) --no-print-directory B=build-san OPT='-O1 -g -fno-omit-frame-pointer' \
	  CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all' \
	  LDFLAGS='-fsanitize=address,undefined' build-san/leadgate $(TESTS:%=build-san/tests/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tests/run.sh build-san

valgrind: $(TEST_BIN) $(B)/leadgate
	@for t in $(TEST_BIN); do \
	  valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	    $$t >/dev/null || exit 1; echo "valgrind clean: $$t"; done

# ---- fuzzing (fuzz/README.md) ------------------------------------------------
# The library in build-fuzz/, instrumented for libFuzzer and the sanitizers;
# each harness is one program linked with libFuzzer's main.  The bounce
# harnesses are fuzz/fuzz_bounce.c built once per format, the events ones
# fuzz/fuzz_event.c once per format (see those files).
FUZZ_BOUNCE  := ses sendgrid mailgun postmark dsn csv text
FUZZ_EVENT   := json csv
FUZZ_TARGETS := fuzz_verify fuzz_csv_reader $(FUZZ_BOUNCE:%=fuzz_bounce_%) \
                $(FUZZ_EVENT:%=fuzz_event_%) fuzz_conf fuzz_dns_answer fuzz_esp fuzz_jsonl \
                fuzz_smtp_reply
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
# IO_READ_CHUNK: the CSV and JSON Lines readers read 32 bytes at a time, so that short
# inputs reach their refill paths (io/reader.c, io/jsonl.c).
FUZZ_MAKE    := $(MAKE) --no-print-directory B=build-fuzz CC=clang \
                CFLAGS='-O1 -g -fno-omit-frame-pointer -DIO_READ_CHUNK=32u -fsanitize=fuzzer-no-link $(FUZZ_SAN)' \
                LDFLAGS='-fsanitize=fuzzer $(FUZZ_SAN)'

.PHONY: fuzz fuzz-deps fuzz-run fuzz-merge
fuzz: fuzz-deps
	@$(FUZZ_MAKE) $(FUZZ_TARGETS:%=build-fuzz/fuzz/%) build-fuzz/fuzz/fuzz_null

fuzz-run: fuzz
	@sh fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Minimise the checked-in corpora with what fuzz-run found (fuzz/README.md).
fuzz-merge: fuzz
	@sh fuzz/merge.sh build-fuzz $(FUZZ_TARGETS)

# Static patterns: a plain pattern would also "remake" the .d files beside them.
$(FUZZ_BOUNCE:%=$(B)/fuzz/fuzz_bounce_%): $(B)/fuzz/fuzz_bounce_%: fuzz/fuzz_bounce.c fuzz/fuzz.h $(B)/libleadgate.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_BOUNCE_FORMAT='"$*"' -o $@ $< $(B)/libleadgate.a \
	  $(PKG_LIBS) $(LDFLAGS)

$(FUZZ_EVENT:%=$(B)/fuzz/fuzz_event_%): $(B)/fuzz/fuzz_event_%: fuzz/fuzz_event.c fuzz/fuzz.h $(B)/libleadgate.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_EVENT_FORMAT='"$*"' -o $@ $< $(B)/libleadgate.a $(PKG_LIBS) $(LDFLAGS)

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(B)/libleadgate.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libleadgate.a $(PKG_LIBS) $(LDFLAGS)

bench: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate
	bash bench/run.sh

bench-dns: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate
	bash bench/run_dns.sh

bench-store: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate
	bash bench/run_store.sh

bench-serve: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate
	bash bench/run_serve.sh

bench-jobs: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate
	bash bench/run_jobs.sh

# The SMTP benchmark: verify --smtp against raw_smtp, the limit (epoll and
# GnuTLS alone), on a world played by tests/smtpd.py (bench/README.md).
bench-smtp: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate $(B)/bench/raw_smtp
	bash bench/run_smtp.sh

$(B)/bench/raw_smtp: bench/raw_smtp.c
	@mkdir -p $(@D)
	$(CC) -O2 -std=c17 -D_GNU_SOURCE $(WARN) $(if $(CI),-Werror) -o $@ $< \
	  $(shell pkg-config --cflags --libs gnutls)

# The handoff benchmark: the outbox drained by handoff run and serve, and a
# stage move's latency to its delivery, against raw_hook (libcurl multi
# alone) and bare_hook (a bare libmicrohttpd receiver) (bench/README.md).
bench-handoff: bench-deps
	@$(MAKE) --no-print-directory $(B)/leadgate $(B)/bench/raw_hook $(B)/bench/bare_hook
	bash bench/run_handoff.sh

$(B)/bench/raw_hook: bench/raw_hook.c
	@mkdir -p $(@D)
	$(CC) -O2 -std=c17 -D_GNU_SOURCE $(WARN) $(if $(CI),-Werror) -o $@ $< \
	  $(shell pkg-config --cflags --libs libcurl gnutls nettle)

$(B)/bench/bare_hook: bench/bare_hook.c
	@mkdir -p $(@D)
	$(CC) -O2 -std=c17 -D_GNU_SOURCE $(WARN) $(if $(CI),-Werror) -o $@ $< \
	  $(shell pkg-config --cflags --libs libmicrohttpd)

# The scoring benchmark: one program, no data files (bench/README.md).
.PHONY: bench-scoring
bench-scoring: $(B)/bench/bench_scoring
	@pin=; if command -v taskset >/dev/null 2>&1; then pin="taskset -c $$(($$(nproc) - 1))"; fi; \
	  echo "$$pin $(B)/bench/bench_scoring $(BENCH_ARGS)"; $$pin $(B)/bench/bench_scoring $(BENCH_ARGS)

$(B)/bench/bench_scoring: bench/bench_scoring.c $(B)/libleadgate.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libleadgate.a $(PKG_LIBS) $(LDFLAGS)

# Every header compiles on its own, the private *_int.h ones too, and
# twice in a row (its include guard works).
HEADERS := $(filter-out build%,$(wildcard */*.h))
hdrcheck:
	@for h in $(HEADERS); do \
	  printf '#include "%s"\n#include "%s"\n' $$h $$h | \
	    $(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -fsyntax-only -x c - || \
	    { echo "hdrcheck: $$h does not compile on its own"; exit 1; }; \
	done; echo "hdrcheck: $(words $(HEADERS)) headers compile on their own"

# Every C file and header is as clang-format (14, Debian 12's) would write
# it with the checked-in .clang-format.
LINT_PKGS := clang-format
lint:
	$(call install_missing,$(LINT_PKGS))
	@clang-format --dry-run --Werror $(filter-out build%,$(wildcard */*.c */*.h)) && \
	  echo "lint: the sources are formatted"

# ---- install -------------------------------------------------------------
install: $(B)/leadgate
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR) \
	  $(DESTDIR)$(SYSCONFDIR)/leadgate
	install -m 755 $(B)/leadgate $(DESTDIR)$(BINDIR)/leadgate
	install -m 644 doc/leadgate.1 $(DESTDIR)$(MANDIR)/man1/leadgate.1
	install -d $(DESTDIR)$(UNITDIR)
	for u in leadgate-refresh.service leadgate-refresh.timer leadgate.service; do \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@UNITDIR@|$(UNITDIR)|g' conf/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 644 $(LIST_TXT) conf/lists/LICENSES $(DESTDIR)$(DATADIR)/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/leadgate/leadgate.conf ]; then \
	  echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/leadgate/leadgate.conf"; \
	else install -m 644 conf/leadgate.conf $(DESTDIR)$(SYSCONFDIR)/leadgate/leadgate.conf; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/leadgate $(DESTDIR)$(MANDIR)/man1/leadgate.1
	rm -f $(DESTDIR)$(UNITDIR)/leadgate-refresh.service $(DESTDIR)$(UNITDIR)/leadgate-refresh.timer
	rm -f $(DESTDIR)$(UNITDIR)/leadgate.service
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B) build-san -name '*.d' 2>/dev/null)
