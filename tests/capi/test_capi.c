/*
 * The C ABI seen from C99: built with -std=c99 -Wall -Wextra -Wpedantic
 * -Werror, it includes opora.h and calls every exported function, checking
 * results, error codes and the thread-local error details.
 */
#include <opora/opora.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

static int contains(const char* haystack, const char* needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* Calls a method and expects `code`; on success checks that the result
 * contains `expect`. */
static void expect_call(opora_db* db, const char* method, const char* params, int code,
                        const char* expect) {
  char* result = (char*)0x1;
  int rc = opora_db_call(db, method, params, &result);
  CHECK(rc == code);
  if (rc != code)
    fprintf(stderr, "  %s %s -> %d (%s)\n", method, params ? params : "NULL", rc,
            opora_last_error_message());
  if (code == OPORA_OK) {
    CHECK(result != NULL);
    CHECK(contains(result, expect));
    if (!contains(result, expect)) fprintf(stderr, "  result: %s\n", result ? result : "NULL");
    CHECK(strcmp(opora_last_error_message(), "") == 0);
  } else {
    CHECK(result == NULL);
    CHECK(contains(opora_last_error_json(), expect));
    if (!contains(opora_last_error_json(), expect))
      fprintf(stderr, "  error json: %s\n", opora_last_error_json());
  }
  opora_free(result);
}

/* Params nested 64 levels deep are accepted; 65 levels are refused with
 * OPORA_EJSON, never a crash. An event's data takes any JSON. */
static void test_nesting(opora_db* db) {
  char text[256];
  int depth;
  for (depth = 64; depth <= 65; ++depth) {
    int i, n = 0;
    char* result = NULL;
    n += sprintf(text, "{\"type\": \"t\", \"key\": \"k\", \"data\": {\"x\": ");
    for (i = 2; i < depth; ++i) text[n++] = '[';
    for (i = 2; i < depth; ++i) text[n++] = ']';
    text[n++] = '}';
    text[n++] = '}';
    text[n] = '\0';
    CHECK(opora_db_call(db, "events.post", text, &result) ==
          (depth == 64 ? OPORA_OK : OPORA_EJSON));
    opora_free(result);
  }
}

/* An error quoting what the caller sent stays small and readable as a C
   string: a 100,000-character value is cut, a NUL in it becomes U+FFFD. */
static void test_error_bounds(opora_db* db) {
  enum { kLong = 100000 };
  char* params = malloc(kLong + 64);
  char* result = NULL;
  int n = sprintf(params, "{\"date\": \"2026-03-02\", \"calendar\": \"");
  memset(params + n, 'x', kLong);
  strcpy(params + n + kLong, "\"}");
  CHECK(opora_db_call(db, "calendar.is_working_day", params, &result) == OPORA_ENOTFOUND);
  CHECK(strlen(opora_last_error_json()) < 16384);
  CHECK(strlen(opora_last_error_message()) < 16384);
  CHECK(contains(opora_last_error_message(), "\xe2\x80\xa6")); /* "…": cut, and says so */
  free(params);
  CHECK(opora_db_call(db, "calendar.is_working_day",
                      "{\"date\": \"2026-03-02\", \"calendar\": \"a\\u0000b\"}",
                      &result) == OPORA_ENOTFOUND);
  CHECK(contains(opora_last_error_message(),
                 "a\xef\xbf\xbd"
                 "b"));
}

static void test_version(void) {
  CHECK(strcmp(opora_version(), OPORA_VERSION_STRING) == 0);
  CHECK(opora_version_number() == OPORA_VERSION_NUMBER);
}

static void test_strerror(void) {
  CHECK(strcmp(opora_strerror(OPORA_OK), "ok") == 0);
  CHECK(strcmp(opora_strerror(OPORA_EINVAL), "invalid argument") == 0);
  CHECK(strcmp(opora_strerror(OPORA_ENOMETHOD), "unknown method") == 0);
  CHECK(strcmp(opora_strerror(12345), "unknown error code") == 0);
  CHECK(strcmp(opora_strerror(-999), "unknown error code") == 0);
}

static void test_null_arguments(void) {
  opora_db* db = (opora_db*)0x1;
  char* result = NULL;
  CHECK(opora_db_open(NULL, ":memory:", NULL) == OPORA_EINVAL);
  CHECK(contains(opora_last_error_message(), "out"));
  CHECK(opora_db_open(&db, NULL, NULL) == OPORA_EINVAL);
  CHECK(db == NULL);
  CHECK(contains(opora_last_error_json(), "\"field\":\"path\""));
  CHECK(opora_db_call(NULL, "meta.version", "{}", &result) == OPORA_EINVAL);
  CHECK(result == NULL);
  opora_db_close(NULL);
  opora_free(NULL);
}

static void test_open_options(const char* path) {
  opora_db* db = NULL;
  CHECK(opora_db_open(&db, ":memory:", "{\"synchronus\": \"full\"}") == OPORA_EINVAL);
  CHECK(db == NULL);
  CHECK(contains(opora_last_error_json(), "\"rule\":\"unknown_field\""));
  CHECK(contains(opora_last_error_message(), "did you mean \"synchronous\"?"));
  CHECK(opora_db_open(&db, ":memory:", "{not json") == OPORA_EJSON);
  CHECK(opora_db_open(&db, ":memory:", "[1]") == OPORA_EJSON);
  CHECK(opora_db_open(&db, ":memory:", "{\"synchronous\": \"sometimes\"}") == OPORA_EINVAL);
  CHECK(contains(opora_last_error_json(), "\"rule\":\"enum\""));
  CHECK(opora_db_open(&db, "/nonexistent-dir/x/y.db", NULL) == OPORA_EIO);
  CHECK(opora_db_open(&db, path, "{\"synchronous\": \"normal\", \"busy_timeout_ms\": 100}") ==
        OPORA_OK);
  CHECK(db != NULL);
  CHECK(strcmp(opora_last_error_message(), "") == 0);
  CHECK(contains(opora_last_error_json(), "\"code\":0"));
  opora_db_close(db);
}

static void test_calls(void) {
  opora_db* db = NULL;
  CHECK(opora_db_open(&db, ":memory:",
                      "{\"clock\": \"manual\", \"now\": \"2026-11-23T09:00:00Z\"}") == OPORA_OK);
  expect_call(db, "meta.version", NULL, OPORA_OK, OPORA_VERSION_STRING);
  expect_call(db, "meta.version", "", OPORA_OK,
              "\"schema\":{\"calendar\":1,\"registry\":3,\"catalog\":1,\"billing\":5,\"workflow\":"
              "5,\"edo\":2,\"exchange\":1}");
  expect_call(db, "meta.methods", "{}", OPORA_OK, "\"calendar.add_working_days\"");
  expect_call(db, "clock.get", "{}", OPORA_OK, "\"today\":\"2026-11-23\"");
  expect_call(db, "clock.set", "{\"now\": \"2026-12-31T23:30:00+03:00\"}", OPORA_OK,
              "\"now\":\"2026-12-31T20:30:00Z\"");
  expect_call(db, "calendar.add_working_days",
              "{\"calendar\": \"ru\", \"date\": \"2025-12-30\", \"days\": 1}", OPORA_OK,
              "\"date\":\"2026-01-12\"");
  expect_call(db, "calendar.is_working_day", "{\"calendar\": \"ru\", \"date\": \"2026-01-09\"}",
              OPORA_OK, "\"working\":false");
  expect_call(db, "requisites.validate", "{\"inn\": \"7707083893\"}", OPORA_OK, "\"valid\":true");
  expect_call(db, "requisites.validate", "{\"inn\": \"7707083890\"}", OPORA_OK, "inn_checksum");
  /* Bad input: each returns its code and names the field. */
  expect_call(db, "no.such_method", "{}", OPORA_ENOMETHOD, "no.such_method");
  /* A method name that is not UTF-8 comes back as valid UTF-8 (U+FFFD). */
  expect_call(db, "bad\xff\xfe", "{}", OPORA_ENOMETHOD, "bad\xef\xbf\xbd\xef\xbf\xbd");
  expect_call(db, "meta.version", "{\"a\":", OPORA_EJSON, "\"code\":-3");
  expect_call(db, "meta.version", "{\"s\": \"\xff\xfe\"}", OPORA_EJSON, "\"code\":-3");
  test_nesting(db);
  test_error_bounds(db);
  /* Infinity has no JSON text: refused before it could be stored. */
  expect_call(db, "requisites.validate", "{\"inn\": \"7707083893\", \"x\": 1e400}", OPORA_EJSON,
              "out of range");
  expect_call(db, "calendar.add_working_days", "{\"calendar\": \"ru\", \"date\": \"2026-01-01\"}",
              OPORA_EINVAL, "\"field\":\"days\",\"rule\":\"required\"");
  expect_call(db, "calendar.add_working_days",
              "{\"calendar\": \"ru\", \"date\": \"2026-01-01\", \"days\": \"3\"}", OPORA_EINVAL,
              "\"rule\":\"type\"");
  expect_call(db, "calendar.is_working_day", "{\"calendar\": \"ru\", \"date\": \"2026-02-30\"}",
              OPORA_EINVAL, "\"rule\":\"date\"");
  expect_call(db, "calendar.is_working_day", "{\"calendar\": \"ru\", \"date\": \"2031-05-05\"}",
              OPORA_ENOTFOUND, "calendar_year");
  expect_call(db, "calendar.is_working_day", "{\"calendar\": \"mars\", \"date\": \"2026-05-05\"}",
              OPORA_ENOTFOUND, "\"field\":\"calendar\"");
  opora_db_close(db);

  CHECK(opora_db_open(&db, ":memory:", NULL) == OPORA_OK);
  expect_call(db, "clock.set", "{\"now\": \"2026-01-01\"}", OPORA_ESTATE, "manual");
  opora_db_close(db);

  /* An instant outside 1900..2999 is refused before anything changes. */
  CHECK(opora_db_open(&db, ":memory:", "{\"clock\": \"manual\", \"now\": \"2026-11-23\"}") ==
        OPORA_OK);
  expect_call(db, "clock.set", "{\"now\": \"1900-01-01T00:00:00+03:00\"}", OPORA_EINVAL,
              "\"field\":\"now\"");
  expect_call(db, "clock.get", "{}", OPORA_OK, "\"today\":\"2026-11-23\"");
  opora_db_close(db);
  CHECK(opora_db_open(&db, ":memory:",
                      "{\"clock\": \"manual\", \"now\": \"2999-12-31T23:00:00Z\", "
                      "\"utc_offset\": \"+14:00\"}") == OPORA_EINVAL);
  CHECK(db == NULL);
  CHECK(contains(opora_last_error_json(), "\"field\":\"now\""));
}

/* What the progress callback saw; it asks to stop after `stop_after` calls. */
struct progress_log {
  int calls;
  int stop_after;
  long long last_done;
  long long last_total;
  int method_ok;
};

static int on_progress(void* user, const char* method, long long done, long long total) {
  struct progress_log* log = (struct progress_log*)user;
  ++log->calls;
  log->last_done = done;
  log->last_total = total;
  log->method_ok = strcmp(method, "billing.run") == 0;
  return log->calls >= log->stop_after ? 1 : 0;
}

/* billing.run reports each committed chunk; a non-zero return stops it with
 * the work so far kept, and the next call resumes. */
static void test_progress(void) {
  opora_db* db = NULL;
  struct progress_log log = {0, 1, 0, 0, 0};
  int i;
  char params[256];
  CHECK(opora_db_set_progress(NULL, on_progress, &log) == OPORA_EINVAL);
  CHECK(opora_db_open(&db, ":memory:",
                      "{\"clock\": \"manual\", \"now\": \"2026-11-01T09:00:00Z\"}") == OPORA_OK);
  expect_call(db, "billing.tariff.define",
              "{\"code\": \"home\", \"name\": \"Home\", \"fee\": \"499.00\"}", OPORA_OK,
              "\"fee\":\"499.00\"");
  for (i = 1; i <= 5; ++i) {
    sprintf(params,
            "{\"number\": \"LS-%d\", \"holder\": {\"type\": \"person\", \"name\": \"N %d\"}}", i,
            i);
    expect_call(db, "billing.account.put", params, OPORA_OK, "\"status\":\"active\"");
    sprintf(params, "{\"account\": \"LS-%d\", \"tariff\": \"home\", \"date\": \"2026-10-01\"}", i);
    expect_call(db, "billing.subscription.connect", params, OPORA_OK, "\"subscription\"");
  }
  CHECK(opora_db_set_progress(db, on_progress, &log) == OPORA_OK);
  expect_call(db, "billing.run", "{\"period\": \"2026-11\", \"chunk_size\": 2}", OPORA_OK,
              "\"complete\":false");
  CHECK(log.calls == 1 && log.last_done == 2 && log.last_total == 5 && log.method_ok);
  log.stop_after = 100;
  expect_call(db, "billing.run", "{\"period\": \"2026-11\", \"chunk_size\": 2}", OPORA_OK,
              "\"resumed\":true");
  CHECK(log.calls == 3 && log.last_done == 5);
  expect_call(db, "billing.run.list", "{}", OPORA_OK, "\"lines\":5");
  CHECK(opora_db_set_progress(db, NULL, NULL) == OPORA_OK);
  expect_call(db, "billing.run", "{\"period\": \"2026-12\"}", OPORA_OK, "\"complete\":true");
  CHECK(log.calls == 3);
  opora_db_close(db);
}

/* workflow.* and effects.* through opora_db_call: a ticket machine with a guard
 * and a timer that emits an SMS; a broken definition is refused with
 * OPORA_EVALIDATION naming the path of each mistake. */
static void test_workflow(void) {
  opora_db* db = NULL;
  char* result = NULL;
  const char* ticket =
      "{\"definition\": {\"id\": \"ticket\", \"states\": {"
      "\"open\": {\"on\": {\"resolve\": {\"target\": \"resolved\", \"guard\": \"event.data.ok\"}},"
      " \"after\": [{\"delay\": \"PT1H\", \"target\": \"late\","
      " \"actions\": [{\"emit\": {\"type\": \"sms\", \"text\": \"late {{ key }}\"}}]}]},"
      "\"late\": {\"on\": {\"resolve\": \"resolved\"}},"
      "\"resolved\": {\"type\": \"final\"}}}}";
  CHECK(opora_db_open(&db, ":memory:",
                      "{\"clock\": \"manual\", \"now\": \"2026-03-02T09:00:00Z\"}") == OPORA_OK);
  expect_call(db, "workflow.define", ticket, OPORA_OK, "\"version\":1,\"created\":true");
  expect_call(db, "workflow.define", ticket, OPORA_OK, "\"created\":false");
  expect_call(db, "workflow.start", "{\"definition\": \"ticket\", \"key\": \"helpdesk:1\"}",
              OPORA_OK, "\"states\":[\"open\"]");
  expect_call(db, "workflow.start", "{\"definition\": \"ticket\", \"key\": \"helpdesk:1\"}",
              OPORA_OK, "\"existing\":true");
  /* The guard does not hold: recorded, not accepted, not an error. */
  expect_call(db, "workflow.send",
              "{\"definition\": \"ticket\", \"key\": \"helpdesk:1\", \"event\": \"resolve\","
              " \"data\": {\"ok\": false}}",
              OPORA_OK, "\"accepted\":false");
  expect_call(db, "workflow.send", "{\"instance\": 1, \"event\": \"resolve\", \"expected_seq\": 1}",
              OPORA_ECONFLICT, "\"field\":\"expected_seq\"");
  expect_call(db, "workflow.tick", "{\"now\": \"2026-03-02T09:59:59Z\"}", OPORA_OK, "\"fired\":0");
  expect_call(db, "workflow.tick", "{\"now\": \"2026-03-02T10:00:00Z\"}", OPORA_OK, "\"fired\":1");
  expect_call(db, "workflow.get", "{\"instance\": 1}", OPORA_OK, "\"states\":[\"late\"]");
  expect_call(db, "effects.fetch", "{\"limit\": 10}", OPORA_OK, "\"text\":\"late helpdesk:1\"");
  CHECK(opora_db_call(db, "effects.fetch", "{}", &result) == OPORA_OK);
  CHECK(contains(result, "\"effects\":[]")); /* leased to the first fetch */
  opora_free(result);
  expect_call(db, "effects.ack", "{\"effect\": 1, \"result\": \"done\"}", OPORA_OK,
              "\"status\":\"done\"");
  expect_call(db, "effects.ack", "{\"effect\": 99, \"result\": \"done\"}", OPORA_ENOTFOUND,
              "\"field\":\"effect\"");
  /* The old name (id) is still taken this release; with the new one too it is refused. */
  expect_call(db, "effects.ack", "{\"id\": 99, \"result\": \"done\"}", OPORA_ENOTFOUND,
              "\"field\":\"effect\"");
  expect_call(db, "effects.ack", "{\"id\": 99, \"effect\": 99, \"result\": \"done\"}", OPORA_EINVAL,
              "\"rule\":\"alias_conflict\"");
  expect_call(db, "workflow.send", "{\"instance\": 1, \"event\": \"resolve\"}", OPORA_OK,
              "\"status\":\"done\"");
  expect_call(db, "workflow.history", "{\"instance\": 1}", OPORA_OK, "\"kind\":\"effect\"");
  expect_call(db, "workflow.send", "{\"instance\": 1}", OPORA_EINVAL, "\"field\":\"event\"");
  expect_call(db, "workflow.start", "{\"definition\": \"nope\", \"key\": \"k\"}", OPORA_ENOTFOUND,
              "\"field\":\"definition\"");

  /* Every mistake, each with its path. */
  result = (char*)0x1;
  CHECK(opora_db_call(db, "workflow.define",
                      "{\"definition\": {\"id\": \"broken\", \"states\": {"
                      "\"a\": {\"on\": {\"go\": \"nowhere\","
                      " \"check\": {\"target\": \"b\", \"guard\": \"context.n >\"}}},"
                      "\"b\": {\"after\": [{\"delay\": \"P1M\", \"target\": \"a\"}]}}}}",
                      &result) == OPORA_EVALIDATION);
  CHECK(result == NULL);
  CHECK(contains(opora_last_error_json(), "\"name\":\"OPORA_EVALIDATION\""));
  CHECK(contains(opora_last_error_json(),
                 "\"field\":\"states.a.on.go.target\",\"rule\":\"unknown_state\""));
  CHECK(contains(opora_last_error_json(),
                 "\"field\":\"states.a.on.check.guard\",\"rule\":\"expression\""));
  CHECK(contains(opora_last_error_json(),
                 "\"field\":\"states.b.after[0].delay\",\"rule\":\"duration\""));
  if (!contains(opora_last_error_json(), "states.b.after[0].delay"))
    fprintf(stderr, "  error json: %s\n", opora_last_error_json());
  expect_call(db, "workflow.definitions", "{}", OPORA_OK,
              "{\"definitions\":[{\"id\":\"ticket\",\"version\":1,\"versions\":1}]}");
  opora_db_close(db);
}

/* The watch callback sees each committed workflow history record, in order;
 * a failed call shows nothing. */
struct watch_log {
  int records;
  int saw_transition;
};

static void on_watch(void* user, const char* record) {
  struct watch_log* log = (struct watch_log*)user;
  ++log->records;
  if (contains(record, "\"kind\":\"transition\"")) log->saw_transition = 1;
}

static void test_watch(void) {
  opora_db* db = NULL;
  struct watch_log log = {0, 0};
  CHECK(opora_db_set_watch(NULL, on_watch, &log) == OPORA_EINVAL);
  CHECK(opora_db_open(&db, ":memory:", NULL) == OPORA_OK);
  CHECK(opora_db_set_watch(db, on_watch, &log) == OPORA_OK);
  expect_call(db, "workflow.define",
              "{\"definition\": {\"id\": \"w\", \"initial\": \"a\", \"states\": "
              "{\"a\": {\"on\": {\"go\": \"b\"}}, \"b\": {\"type\": \"final\"}}}}",
              OPORA_OK, "\"version\":1");
  expect_call(db, "workflow.start", "{\"definition\": \"w\", \"key\": \"k\"}", OPORA_OK,
              "\"instance\":1");
  CHECK(log.records > 0 && !log.saw_transition);
  expect_call(db, "workflow.send", "{\"instance\": 99, \"event\": \"go\"}", OPORA_ENOTFOUND,
              "instance");
  {
    const int before = log.records;
    expect_call(db, "workflow.send", "{\"instance\": 1, \"event\": \"go\"}", OPORA_OK,
                "\"status\":\"done\"");
    CHECK(log.records > before && log.saw_transition);
  }
  CHECK(opora_db_set_watch(db, NULL, NULL) == OPORA_OK);
  opora_db_close(db);
}

/* What a C host, 1C or PHP naturally writes, read strictly and forgivingly
 * (opora_db_call in opora.h): an unknown member refused with a suggestion,
 * amounts as JSON numbers, 1C's midnight date-times, null for unset. */
static void test_strict_params(void) {
  opora_db* db = NULL;
  CHECK(opora_db_open(&db, ":memory:", "{\"clock\": \"manual\", \"now\": \"2026-01-15\"}") ==
        OPORA_OK);
  /* Unknown member, at the top and deep inside, with the name it meant. */
  expect_call(db, "calendar.add_working_days",
              "{\"calendar\": \"ru\", \"date\": \"2026-01-15\", \"days\": 1, \"dys\": 5}",
              OPORA_EINVAL, "\"field\":\"dys\",\"rule\":\"unknown_field\"");
  CHECK(contains(opora_last_error_message(), "did you mean \"days\"?"));
  expect_call(db, "registry.put",
              "{\"kind\": \"order\", \"date\": \"2026-01-15\", \"items\": [{\"name\": \"x\", "
              "\"qty\": \"2\", \"price\": \"10.00\", \"vat_rate\": \"22\"}]}",
              OPORA_EINVAL, "\"field\":\"items[0].qty\",\"rule\":\"unknown_field\"");
  CHECK(contains(opora_last_error_message(), "did you mean \"quantity\"?"));
  /* Amounts, quantities and rates as JSON numbers; 1C's midnight date. */
  expect_call(db, "registry.put",
              "{\"kind\": \"order\", \"date\": \"2026-01-15T00:00:00\", \"items\": [{\"name\": "
              "\"x\", \"quantity\": 2, \"price\": 499.99, \"vat_rate\": 22}]}",
              OPORA_OK, "\"gross\":\"999.98\"");
  expect_call(db, "registry.get", "{\"document\": 1}", OPORA_OK, "\"date\":\"2026-01-15\"");
  expect_call(db, "registry.put",
              "{\"kind\": \"order\", \"date\": \"2026-01-15\", \"items\": [{\"name\": \"x\", "
              "\"quantity\": 1, \"price\": 0.30000000000000004, \"vat_rate\": 22}]}",
              OPORA_EINVAL, "\"field\":\"items[0].price\",\"rule\":\"inexact_number\"");
  expect_call(db, "calendar.is_working_day",
              "{\"calendar\": \"ru\", \"date\": \"2026-01-15T09:30:00\"}", OPORA_EINVAL,
              "a date has no time of day");
  /* A malformed date is OPORA_EINVAL in every method. */
  expect_call(db, "registry.put", "{\"kind\": \"letter\", \"date\": \"2026-02-30\"}", OPORA_EINVAL,
              "\"rule\":\"date\"");
  expect_call(db, "calendar.is_working_day", "{\"calendar\": \"ru\", \"date\": \"2026-02-30\"}",
              OPORA_EINVAL, "\"rule\":\"date\"");
  /* null for an optional member is absent. */
  expect_call(db, "registry.find", "{\"kind\": null, \"limit\": null, \"after\": null}", OPORA_OK,
              "\"documents\":[{");
  expect_call(db, "workflow.tick", "{\"now\": null, \"limit\": null}", OPORA_OK, "\"fired\":0");
  /* A wrongly typed member is invalid, not internal. */
  expect_call(db, "workflow.define", "{\"definition\": 0}", OPORA_EINVAL,
              "\"field\":\"definition\",\"rule\":\"type\"");
  opora_db_close(db);
}

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "capi-test.db";
  remove(path);
  test_version();
  test_strerror();
  test_null_arguments();
  test_open_options(path);
  test_calls();
  test_progress();
  test_watch();
  test_workflow();
  test_strict_params();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
