/* Built against an installed opora with find_package(opora). */
#include <opora/opora.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  opora_db* db = NULL;
  char* result = NULL;
  int rc;
  if (opora_version_number() != OPORA_VERSION_NUMBER) {
    fprintf(stderr, "header %s but library %s\n", OPORA_VERSION_STRING, opora_version());
    return 1;
  }
  rc = opora_db_open(&db, ":memory:", NULL);
  if (rc != OPORA_OK) {
    fprintf(stderr, "open: %s\n", opora_last_error_message());
    return 1;
  }
  rc = opora_db_call(db, "calendar.add_working_days",
                     "{\"calendar\":\"ru\",\"date\":\"2025-12-30\",\"days\":1}", &result);
  if (rc != OPORA_OK || strstr(result, "2026-01-12") == NULL) {
    fprintf(stderr, "call: %d %s %s\n", rc, opora_last_error_message(), result ? result : "");
    return 1;
  }
  printf("installed opora %s: %s\n", opora_version(), result);
  opora_free(result);
  opora_db_close(db);
  return 0;
}
